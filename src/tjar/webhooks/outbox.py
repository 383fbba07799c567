"""The outbox: events written in the same transaction as the change they report.

``emit`` adds the event's frozen bytes and one delivery per listening webhook
to the caller's session. They commit or roll back with the change itself, so
a committed change always has its event and a refused one never does. The
worker sends them after the commit.
"""

import os
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import event as sa_event
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from tjar.clock import utcnow
from tjar.db.models import (
    Customer,
    Order,
    Product,
    Store,
    StoreDomain,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
)
from tjar.db.session import STORE_KEY, TjarSession
from tjar.representation.common import Context, timestamp
from tjar.representation.orders import customer_data, order_data
from tjar.representation.products import product_data

# How a store's address is written in payloads; set per session from settings.
STORE_URL_KEY = "store_url"
DEFAULT_STORE_URL = "https://{domain}"
MAX_PAYLOAD_BYTES = 256 * 1024
NOTIFY_CHANNEL = "tjar_webhooks"
_EMITTED = "tjar_emitted"
_LISTENERS = "tjar_listeners"

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_last_id = 0

# A record, or a function that builds the data for the reader's context.
Subject = Order | Product | Customer | Callable[[Context], dict[str, Any]]

# Called after a transaction that emitted commits: in-process workers wake at
# once instead of at their next poll.
_doorbells: list[Callable[[], None]] = []


def ring_on_commit(doorbell: Callable[[], None]) -> Callable[[], None]:
    """Call ``doorbell`` after each commit that emitted; return the undo."""
    _doorbells.append(doorbell)
    return lambda: _doorbells.remove(doorbell)


@sa_event.listens_for(TjarSession, "after_commit")
def _ring(session: Session) -> None:
    session.info.pop(_LISTENERS, None)
    if session.info.pop(_EMITTED, False):
        for doorbell in list(_doorbells):
            doorbell()


@sa_event.listens_for(TjarSession, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_EMITTED, None)
    session.info.pop(_LISTENERS, None)


@sa_event.listens_for(TjarSession, "before_flush")
def _webhooks_changed(session: Session, flush_context: Any, instances: Any) -> None:
    """Forget who listens once this transaction adds or changes a webhook."""
    if any(
        isinstance(item, Webhook)
        for item in (*session.new, *session.dirty, *session.deleted)
    ):
        session.info.pop(_LISTENERS, None)


def new_event_id(now: datetime) -> str:
    """Make a time-ordered event id: ``evt_`` and 26 Crockford base32 digits.

    The milliseconds lead, then 80 random bits. Within one process the ids
    only grow (ULID's monotonic rule), so two events of one change, made in
    the same millisecond, still sort in the order they happened.
    """
    global _last_id
    value = (int(now.timestamp() * 1000) << 80) | int.from_bytes(os.urandom(10))
    if value <= _last_id:
        value = _last_id + 1
    _last_id = value
    digits = []
    for _ in range(26):
        digits.append(_CROCKFORD[value & 31])
        value >>= 5
    return "evt_" + "".join(reversed(digits))


async def emit(
    session: AsyncSession,
    event_type: str,
    subject: Subject,
    *,
    webhook_id: int | None = None,
) -> WebhookEvent | None:
    """Record ``event_type`` about ``subject`` for every active webhook that listens.

    With ``webhook_id`` the event goes to that webhook alone, whatever it
    subscribes to (the test event). Nothing is written when no one listens.
    """
    if webhook_id is None:
        targets = [
            hook for hook, events in await _listeners(session) if event_type in events
        ]
    else:
        targets = [webhook_id]
    if not targets:
        return None

    store, domain = await _store(session)
    base_url = session.info.get(STORE_URL_KEY, DEFAULT_STORE_URL).format(domain=domain)
    ctx = Context(store=store, language=store.default_language, base_url=base_url)
    now = utcnow()
    event = WebhookEvent(
        public_id=new_event_id(now),
        type=event_type,
        created_at=now,
        body=b"",
    )
    event.body = _body(ctx, event, domain, _data(ctx, subject))
    session.add(event)
    for target in targets:
        session.add(
            WebhookDelivery(
                webhook_id=target,
                event=event,
                event_type=event_type,
                next_attempt_at=now,
                created_at=now,
            )
        )

    await mark_emitted(session)
    return event


async def mark_emitted(session: AsyncSession) -> None:
    """Have workers look at the queue as soon as this transaction commits."""
    if session.info.get(_EMITTED):
        return
    session.info[_EMITTED] = True
    if session.get_bind().dialect.name == "postgresql":
        # Delivered to listening workers when (and only if) this commits.
        await session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))


async def prepare(session: AsyncSession) -> None:
    """Read who listens, and the store's details, for events this session emits.

    For a change that holds a lock until commit: read here, before taking
    it, these reads do not lengthen the time others wait for the lock.
    """
    if await _listeners(session):
        await _store(session)


async def _listeners(session: AsyncSession) -> list[tuple[int, list[str]]]:
    """Return the store's active webhooks and their events, once a session."""
    cached: list[tuple[int, list[str]]] | None = session.info.get(_LISTENERS)
    if cached is None:
        rows = await session.execute(
            select(Webhook.id, Webhook.events).where(Webhook.is_active)
        )
        cached = [(row.id, row.events) for row in rows]
        session.info[_LISTENERS] = cached
    return cached


async def _store(session: AsyncSession) -> tuple[Store, str]:
    store_id: int = session.info[STORE_KEY]
    cached: tuple[Store, str] | None = session.info.get("tjar_event_store")
    if cached is not None:
        return cached
    store = await session.get(Store, store_id)
    assert store is not None
    domain = await session.scalar(
        select(StoreDomain.domain)
        .where(StoreDomain.store_id == store_id)
        .order_by(StoreDomain.is_primary.desc(), StoreDomain.id)
        .limit(1)
    )
    found = (store, domain or store.slug)
    session.info["tjar_event_store"] = found
    return found


def _data(ctx: Context, subject: Subject) -> dict[str, Any]:
    if isinstance(subject, Order):
        return order_data(ctx, subject)
    if isinstance(subject, Product):
        return product_data(ctx, subject)
    if isinstance(subject, Customer):
        return customer_data(ctx, subject)
    return subject(ctx)


def _body(
    ctx: Context, event: WebhookEvent, domain: str, data: dict[str, Any]
) -> bytes:
    """Serialise the payload once; these bytes are what every attempt signs."""
    envelope = {
        "id": event.public_id,
        "type": event.type,
        "created_at": timestamp(ctx, event.created_at),
        "store": {"id": ctx.store.id, "domain": domain},
        "data": data,
    }
    body = orjson.dumps(envelope)
    if len(body) <= MAX_PAYLOAD_BYTES:
        return body
    # Too big to send: the identifiers, and the receiver reads the rest.
    kept = ("id", "order_id", "reference_id", "version", "updated_at")
    short: dict[str, Any] = {key: data[key] for key in kept if key in data}
    short["truncated"] = True
    envelope["data"] = short
    return orjson.dumps(envelope)
