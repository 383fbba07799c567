"""Webhooks: the event catalogue, the outbox, signing and the delivery worker."""
