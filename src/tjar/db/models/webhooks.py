"""Webhooks, the outbox of events and deliveries, and notices to store owners."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tjar.clock import utcnow
from tjar.db.base import Base, TenantOwned, Timestamps
from tjar.db.types import AwareDateTime


class Webhook(TenantOwned, Timestamps, Base):
    """An endpoint a store sends events to.

    Signing secrets must be readable to sign with, so they are kept encrypted
    with the platform key (``tjar.webhooks.vault``), never in the clear.
    """

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]] = mapped_column(JSON)
    is_active: Mapped[bool] = mapped_column(default=True)
    secret: Mapped[str] = mapped_column(Text)
    # The secret before the last refresh keeps signing until this instant.
    previous_secret: Mapped[str | None] = mapped_column(Text)
    previous_secret_until: Mapped[datetime | None] = mapped_column(AwareDateTime())
    # Set by the platform when it stops sending: "gone" (410) or "failing".
    disabled_reason: Mapped[str | None] = mapped_column(String(16))
    disabled_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    # The first failed attempt since the last success; NULL while healthy.
    failing_since: Mapped[datetime | None] = mapped_column(AwareDateTime())
    # When the owner was warned about the current failing streak.
    warned_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    __table_args__ = (Index(None, "store_id", "url", unique=True),)


class WebhookEvent(TenantOwned, Base):
    """One event as it was when it happened: the exact bytes every attempt sends."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    __table_args__ = (
        Index(None, "store_id", "created_at"),
        Index(None, "store_id", "public_id", unique=True),
    )


class WebhookDelivery(TenantOwned, Base):
    """One event on its way to one webhook; the worker's queue.

    A pending row is due when ``next_attempt_at`` has passed. A worker claims
    it by pushing ``next_attempt_at`` one lease ahead and bumping ``claims``;
    it records the outcome only while ``claims`` is still the value it took,
    so a worker that outlived its lease cannot overwrite a newer attempt.
    """

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(
        ForeignKey("webhooks.id", ondelete="CASCADE")
    )
    event_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_events.id", ondelete="CASCADE")
    )
    event_type: Mapped[str] = mapped_column(String(64))
    # "pending", "succeeded" or "failed".
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    claims: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    last_status_code: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(300))
    completed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    event: Mapped[WebhookEvent] = relationship(lazy="raise")

    __table_args__ = (
        Index(None, "store_id", "webhook_id", "id"),
        # The workers' queue spans every store, so this index cannot start
        # with store_id; it holds only the rows still to send.
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        # The cleanup job's scan, across stores too.
        Index(None, "completed_at"),
    )


class WebhookAttempt(TenantOwned, Base):
    """One HTTP request of a delivery, as the delivery log shows it."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(AwareDateTime())
    duration_ms: Mapped[int] = mapped_column()
    status_code: Mapped[int | None] = mapped_column()
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (Index(None, "store_id", "delivery_id", "number"),)


class StoreNotice(TenantOwned, Base):
    """Something the store owner must hear about: a banner and an email."""

    __tablename__ = "store_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "webhook_failing" or "webhook_disabled".
    kind: Mapped[str] = mapped_column(String(32))
    webhook_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhooks.id", ondelete="CASCADE")
    )
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    # "pending" until the mail is handed to the SMTP server ("sent"), or
    # "skipped" when no server is configured or the store has no owner.
    email_status: Mapped[str] = mapped_column(String(16), default="pending")
    emailed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    __table_args__ = (
        Index(None, "store_id", "created_at"),
        # The mailer's queue, across stores.
        Index(
            "ix_store_notices_unsent",
            "id",
            sqlite_where=text("email_status = 'pending'"),
            postgresql_where=text("email_status = 'pending'"),
        ),
    )
