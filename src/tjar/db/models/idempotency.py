"""Stored answers to writes sent with an ``Idempotency-Key``."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from tjar.clock import utcnow
from tjar.db.base import Base, TenantOwned
from tjar.db.types import AwareDateTime


class IdempotencyRecord(TenantOwned, Base):
    __tablename__ = "idempotency_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255))
    # SHA-256 of method, path and body: the same key with another request is
    # a conflict, not a replay.
    fingerprint: Mapped[str] = mapped_column(String(64))
    # NULL while the first request is still running.
    status_code: Mapped[int | None] = mapped_column()
    response_headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Answers that show a secret once are kept encrypted (tjar.webhooks.vault).
    sealed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime())

    __table_args__ = (
        Index(None, "store_id", "key", unique=True),
        Index(None, "store_id", "expires_at"),
    )
