"""Webhooks, their deliveries and attempts, as the API shows them."""

from typing import Any

from tjar.db.models import Webhook, WebhookAttempt, WebhookDelivery
from tjar.domain.webhooks import state_of
from tjar.representation.common import Context, timestamp
from tjar.webhooks.events import EVENT_TYPES


def webhook_data(
    ctx: Context, webhook: Webhook, last: WebhookDelivery | None = None
) -> dict[str, Any]:
    return {
        "id": webhook.id,
        "identifier": webhook.id,
        "name": webhook.name,
        "url": webhook.url,
        "events": list(webhook.events),
        "is_active": webhook.is_active,
        "status": state_of(webhook),
        "disabled_reason": webhook.disabled_reason,
        "disabled_at": timestamp(ctx, webhook.disabled_at),
        "failing_since": timestamp(ctx, webhook.failing_since),
        "previous_secret_expires_at": timestamp(ctx, _overlap_end(webhook)),
        "last_delivery": None if last is None else _last(ctx, last),
        "created_at": timestamp(ctx, webhook.created_at),
        "updated_at": timestamp(ctx, webhook.updated_at),
    }


def _overlap_end(webhook: Webhook) -> Any:
    return webhook.previous_secret_until if webhook.previous_secret else None


def _last(ctx: Context, delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event": delivery.event_type,
        "status": delivery.status,
        "status_code": delivery.last_status_code,
        "error": delivery.last_error,
        "attempted_at": timestamp(ctx, delivery.last_attempt_at),
    }


def attempt_data(ctx: Context, attempt: WebhookAttempt) -> dict[str, Any]:
    return {
        "number": attempt.number,
        "attempted_at": timestamp(ctx, attempt.started_at),
        "duration_ms": attempt.duration_ms,
        "status_code": attempt.status_code,
        "response_excerpt": attempt.response_excerpt,
        "error": attempt.error,
    }


def delivery_data(
    ctx: Context,
    delivery: WebhookDelivery,
    *,
    event_id: str,
    attempts: list[WebhookAttempt],
) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "webhook_id": delivery.webhook_id,
        "event_id": event_id,
        "event": delivery.event_type,
        "status": delivery.status,
        "attempt_count": delivery.attempts,
        "next_attempt_at": timestamp(
            ctx, delivery.next_attempt_at if delivery.status == "pending" else None
        ),
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "created_at": timestamp(ctx, delivery.created_at),
        "completed_at": timestamp(ctx, delivery.completed_at),
        "attempts": [attempt_data(ctx, attempt) for attempt in attempts],
    }


def event_list() -> list[dict[str, Any]]:
    return [
        {
            "name": item.name,
            "description": {"ar": item.description_ar, "en": item.description_en},
        }
        for item in EVENT_TYPES.values()
    ]
