"""The store dashboard: server-rendered pages on the store's own domain."""
