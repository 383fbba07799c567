"""A store's webhooks: register, change, remove, re-key, test and replay."""

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tjar.clock import utcnow
from tjar.db.models import Store, Webhook, WebhookAttempt, WebhookDelivery, WebhookEvent
from tjar.db.session import STORE_KEY
from tjar.domain.paging import Page, PageRequest, Sort, paginate
from tjar.domain.text import has_unsafe_characters
from tjar.errors import InvalidState, NotFound, ValidationFailed
from tjar.i18n import _
from tjar.representation.common import Context, timestamp
from tjar.webhooks import signing
from tjar.webhooks.events import EVENT_TYPES, TEST_EVENT
from tjar.webhooks.outbox import emit, mark_emitted
from tjar.webhooks.targets import Resolver, url_problem
from tjar.webhooks.vault import Vault, VaultError

MAX_NAME = 100
MAX_URL = 2048
# After a refresh the old secret signs beside the new one for this long.
SECRET_OVERLAP = timedelta(hours=24)
DELIVERY_STATUSES = ("pending", "succeeded", "failed")
NEWEST_FIRST = Sort("-id", WebhookDelivery.id, WebhookDelivery.id, descending=True)


@dataclass(frozen=True)
class TargetPolicy:
    """Which URLs webhooks may be saved with and sent to."""

    allow_private: bool
    resolver: Resolver


@dataclass
class WebhookInput:
    name: str | None = None
    url: str | None = None
    events: list[str] | None = None
    is_active: bool | None = None

    def __post_init__(self) -> None:
        # Repeats are harmless; keep the first of each.
        if self.events is not None:
            self.events = list(dict.fromkeys(self.events))


def state_of(webhook: Webhook) -> str:
    """Say how a webhook is doing: ``active``, ``failing`` or ``disabled``."""
    if not webhook.is_active:
        return "disabled"
    return "failing" if webhook.failing_since is not None else "active"


async def list_webhooks(session: AsyncSession) -> list[Webhook]:
    return list(await session.scalars(select(Webhook).order_by(Webhook.id)))


async def webhook_usage(session: AsyncSession) -> tuple[int, int]:
    """Return how many webhooks the store has and how many it may have."""
    used = await session.scalar(select(func.count(Webhook.id)))
    limit = await session.scalar(
        select(Store.webhook_limit).where(Store.id == session.info[STORE_KEY])
    )
    return int(used or 0), int(limit or 0)


async def get_webhook(session: AsyncSession, webhook_id: int) -> Webhook:
    webhook = await session.get(Webhook, webhook_id)
    if webhook is None:
        raise NotFound("webhook_not_found")
    return webhook


async def create_webhook(
    session: AsyncSession, *, data: WebhookInput, vault: Vault, policy: TargetPolicy
) -> tuple[Webhook, str]:
    """Register a webhook; return it with its secret, which is shown only now.

    The store row is locked while the webhooks are counted, so creates that
    race cannot pass the store's limit together.
    """
    missing: dict[str, list[tuple[str, dict[str, object]]]] = {
        name: [(_("This field is required."), {})]
        for name in ("name", "url", "events")
        if getattr(data, name) is None
    }
    if missing:
        raise ValidationFailed(missing)
    await _check(data, policy)

    limit = await session.scalar(
        select(Store.webhook_limit)
        .where(Store.id == session.info[STORE_KEY])
        .with_for_update()
    )
    used = await session.scalar(select(func.count(Webhook.id)))
    if int(used or 0) >= int(limit or 0):
        raise ValidationFailed(
            {
                "webhook": [
                    (
                        _("This store may have at most {limit} webhooks."),
                        {"limit": limit},
                    )
                ]
            },
            code="webhook_limit_reached",
            limit=limit,
        )
    await _refuse_taken_url(session, str(data.url), own_id=None)

    secret = signing.new_secret()
    now = utcnow()
    webhook = Webhook(
        name=str(data.name),
        url=str(data.url),
        events=list(data.events or []),
        is_active=True if data.is_active is None else data.is_active,
        secret=vault.seal_text(secret),
        created_at=now,
        updated_at=now,
    )
    session.add(webhook)
    await session.flush()
    return webhook, secret


async def update_webhook(
    session: AsyncSession, *, webhook_id: int, data: WebhookInput, policy: TargetPolicy
) -> Webhook:
    """Change the fields sent. Turning a disabled webhook on clears its trouble."""
    webhook = await get_webhook(session, webhook_id)
    await _check(data, policy)
    if data.url is not None and data.url != webhook.url:
        await _lock_store(session)
        await _refuse_taken_url(session, data.url, own_id=webhook.id)
        webhook.url = data.url
    if data.name is not None:
        webhook.name = data.name
    if data.events is not None:
        webhook.events = list(data.events)
    if data.is_active is not None:
        if data.is_active and not webhook.is_active:
            webhook.disabled_reason = None
            webhook.disabled_at = None
            webhook.failing_since = None
            webhook.warned_at = None
        webhook.is_active = data.is_active
    webhook.updated_at = utcnow()
    await session.flush()
    return webhook


async def delete_webhook(session: AsyncSession, *, webhook_id: int) -> None:
    """Remove a webhook, its deliveries and their log."""
    webhook = await get_webhook(session, webhook_id)
    await session.delete(webhook)
    await session.flush()


async def refresh_webhook_secret(
    session: AsyncSession, *, webhook_id: int, vault: Vault
) -> tuple[Webhook, str]:
    """Give a webhook a new secret; the old one keeps signing for 24 hours."""
    webhook = await get_webhook(session, webhook_id)
    secret = signing.new_secret()
    # The old secret keeps signing for a while, if it can still be read.
    try:
        vault.open_text(webhook.secret)
        webhook.previous_secret = webhook.secret
    except VaultError:
        webhook.previous_secret = None
    webhook.previous_secret_until = utcnow() + SECRET_OVERLAP
    webhook.secret = vault.seal_text(secret)
    webhook.updated_at = utcnow()
    await session.flush()
    return webhook, secret


def signing_secrets(webhook: Webhook, open_text: Callable[[str], str]) -> list[str]:
    """List the secrets that sign now: the current one, and the old one for 24 h.

    ``open_text`` decrypts a stored secret (``Vault.open_text`` or a cache of it).
    """
    found = [open_text(webhook.secret)]
    until = webhook.previous_secret_until
    if webhook.previous_secret and until is not None and until > utcnow():
        # One sealed under a platform key since replaced is left out.
        with contextlib.suppress(VaultError):
            found.append(open_text(webhook.previous_secret))
    return found


@dataclass(frozen=True)
class SignedRequest:
    webhook_id: int
    payload: str
    message_id: str | None
    timestamp: str | None
    signature: str | None


async def verify_signature(
    session: AsyncSession, *, request: SignedRequest, vault: Vault
) -> str | None:
    """Check a pasted delivery; return why it does not verify, or None."""
    webhook = await session.get(Webhook, request.webhook_id)
    if webhook is None:
        return "unknown_webhook"
    try:
        secrets_ = signing_secrets(webhook, vault.open_text)
    except VaultError:
        return "bad_signature"
    return signing.check(
        secrets_,
        message_id=request.message_id,
        timestamp=request.timestamp,
        header=request.signature,
        body=request.payload.encode(),
        now=utcnow(),
    )


async def list_deliveries(
    session: AsyncSession,
    *,
    webhook_id: int,
    page: PageRequest,
    status: str | None = None,
    event: str | None = None,
) -> Page[WebhookDelivery]:
    """List a webhook's deliveries, newest first."""
    await get_webhook(session, webhook_id)
    if status is not None and status not in DELIVERY_STATUSES:
        raise ValidationFailed.single(
            "status",
            _("Choose one of: {expected}."),
            expected=", ".join(DELIVERY_STATUSES),
        )
    query: Select[WebhookDelivery] = select(WebhookDelivery).where(
        WebhookDelivery.webhook_id == webhook_id
    )
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    if event is not None:
        query = query.where(WebhookDelivery.event_type == event)
    return await paginate(session, query, sort=NEWEST_FIRST, request=page)


async def attempts_of(
    session: AsyncSession, delivery_ids: list[int]
) -> dict[int, list[WebhookAttempt]]:
    """Load the attempts of ``delivery_ids`` in one query, oldest first."""
    found: dict[int, list[WebhookAttempt]] = {i: [] for i in delivery_ids}
    if not delivery_ids:
        return found
    rows = await session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(delivery_ids))
        .order_by(WebhookAttempt.delivery_id, WebhookAttempt.number)
    )
    for attempt in rows:
        found[attempt.delivery_id].append(attempt)
    return found


async def event_ids_of(
    session: AsyncSession, deliveries: list[WebhookDelivery]
) -> dict[int, str]:
    """Map the deliveries' event row ids to the public event ids."""
    ids = {delivery.event_id for delivery in deliveries}
    if not ids:
        return {}
    rows = await session.execute(
        select(WebhookEvent.id, WebhookEvent.public_id).where(WebhookEvent.id.in_(ids))
    )
    return {row.id: row.public_id for row in rows}


async def redeliver(
    session: AsyncSession, *, webhook_id: int, delivery_id: int
) -> WebhookDelivery:
    """Queue a delivery's event again for its webhook, as a new delivery."""
    webhook = await _usable(session, webhook_id)
    original = await session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.webhook_id == webhook.id
        )
    )
    if original is None:
        raise NotFound("delivery_not_found")
    now = utcnow()
    delivery = WebhookDelivery(
        webhook_id=webhook.id,
        event_id=original.event_id,
        event_type=original.event_type,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    await session.flush()
    await mark_emitted(session)
    return delivery


async def send_test_event(session: AsyncSession, *, webhook_id: int) -> WebhookDelivery:
    """Queue a ``webhook.test`` event for this webhook alone, due at once."""
    webhook = await _usable(session, webhook_id)
    now = utcnow()

    def data(ctx: Context) -> dict[str, Any]:
        return {
            "webhook": {"id": webhook.id, "name": webhook.name, "url": webhook.url},
            "message": "This is a test event from Tjar.",
            "updated_at": timestamp(ctx, now),
        }

    event = await emit(session, TEST_EVENT, data, webhook_id=webhook.id)
    assert event is not None
    await session.flush()
    delivery = await session.scalar(
        select(WebhookDelivery).where(WebhookDelivery.event_id == event.id)
    )
    assert delivery is not None
    return delivery


async def _usable(session: AsyncSession, webhook_id: int) -> Webhook:
    webhook = await get_webhook(session, webhook_id)
    if not webhook.is_active:
        raise InvalidState("webhook_inactive")
    return webhook


async def _check(data: WebhookInput, policy: TargetPolicy) -> None:
    errors: dict[str, list[tuple[str, dict[str, object]]]] = {}
    if data.name is not None and not data.name.strip():
        errors["name"] = [(_("This field is required."), {})]
    elif data.name is not None and len(data.name) > MAX_NAME:
        errors["name"] = [
            (_("Use at most {max_length} characters."), {"max_length": MAX_NAME})
        ]
    elif data.name is not None and has_unsafe_characters(data.name):
        errors["name"] = [(_("Leave out control characters such as line breaks."), {})]
    if data.url is not None and len(data.url) > MAX_URL:
        errors["url"] = [
            (_("Use at most {max_length} characters."), {"max_length": MAX_URL})
        ]
    if data.url is not None and "url" not in errors:
        problem = await url_problem(
            data.url, allow_private=policy.allow_private, resolver=policy.resolver
        )
        if problem is not None:
            errors["url"] = [(problem, {})]
    if data.events is not None:
        if not data.events:
            errors["events"] = [(_("Choose at least one event."), {})]
        for index, name in enumerate(data.events):
            if name not in EVENT_TYPES:
                errors[f"events.{index}"] = [
                    (_("There is no event called {name}."), {"name": name})
                ]
    if errors:
        raise ValidationFailed(errors)


async def _lock_store(session: AsyncSession) -> None:
    await session.execute(
        select(Store.id).where(Store.id == session.info[STORE_KEY]).with_for_update()
    )


async def _refuse_taken_url(
    session: AsyncSession, url: str, *, own_id: int | None
) -> None:
    query = select(Webhook.id).where(Webhook.url == url)
    if own_id is not None:
        query = query.where(Webhook.id != own_id)
    if await session.scalar(query) is not None:
        raise ValidationFailed.single(
            "url", _("Another webhook of this store already uses this URL.")
        )


async def last_deliveries(
    session: AsyncSession, webhook_ids: list[int]
) -> dict[int, WebhookDelivery]:
    """Return each webhook's most recently attempted delivery."""
    if not webhook_ids:
        return {}
    latest = (
        select(func.max(WebhookDelivery.id))
        .where(
            WebhookDelivery.webhook_id.in_(webhook_ids),
            WebhookDelivery.last_attempt_at.is_not(None),
        )
        .group_by(WebhookDelivery.webhook_id)
    )
    rows = await session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.id.in_(latest.scalar_subquery()))
    )
    return {delivery.webhook_id: delivery for delivery in rows}
