"""Stores, their domains, their users and their API keys."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tjar.clock import utcnow
from tjar.db.base import Base, TenantOwned, Timestamps
from tjar.db.types import AwareDateTime, FixedDecimal, Money


class Store(Timestamps, Base):
    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    default_language: Mapped[str] = mapped_column(String(2), default="ar")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Riyadh")
    prices_include_vat: Mapped[bool] = mapped_column(default=True)
    vat_rate: Mapped[Decimal] = mapped_column(FixedDecimal(4), default=Decimal("0.15"))
    shipping_fee: Mapped[Decimal | None] = mapped_column(Money())
    webhook_limit: Mapped[int] = mapped_column(default=2)
    # Display numbers of orders (``order_id``) are allocated from this counter
    # under the store row's lock, so they are gap-free and unique per store.
    next_order_number: Mapped[int] = mapped_column(default=1001)

    domains: Mapped[list["StoreDomain"]] = relationship(
        back_populates="store", lazy="raise", order_by="StoreDomain.id"
    )


class StoreDomain(TenantOwned, Base):
    """A host name that serves one store.

    ``domain`` is unique across the platform and looked up before any store is
    known, so its index does not start with ``store_id``.
    """

    __tablename__ = "store_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    is_primary: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    store: Mapped[Store] = relationship(back_populates="domains", lazy="raise")

    __table_args__ = (Index(None, "store_id", "is_primary"),)


class StoreUser(TenantOwned, Timestamps, Base):
    __tablename__ = "store_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(2))
    # Dashboard sessions signed before this are refused (sign-out).
    signed_out_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    __table_args__ = (Index(None, "store_id", "email", unique=True),)


class ApiKey(TenantOwned, Base):
    """A store's integration key; only its SHA-256 digest is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    last_four: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    __table_args__ = (
        Index(None, "store_id", "key_hash", unique=True),
        # One active key per store, enforced by the database.
        Index(
            "uq_api_keys_active_store",
            "store_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )
