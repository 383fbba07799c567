"""Customers, orders and their lines."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tjar.clock import utcnow
from tjar.db.base import Base, TenantOwned, Timestamps
from tjar.db.types import AwareDateTime, FixedDecimal, Money


class Customer(TenantOwned, Timestamps, Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Lower-cased on the way in, so the unique index is case-insensitive.
    email: Mapped[str | None] = mapped_column(String(254))
    # E.164, e.g. +966512345678.
    mobile: Mapped[str | None] = mapped_column(String(20))
    avatar: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        Index(None, "store_id", "email", unique=True),
        Index(None, "store_id", "mobile", unique=True),
    )


class Order(TenantOwned, Timestamps, Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column()
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    zipcode: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(32), default="pending")
    payment_status: Mapped[str] = mapped_column(String(16), default="pending")
    payment_gateway: Mapped[str | None] = mapped_column(String(32))
    transaction_id: Mapped[str | None] = mapped_column(String(100))
    coupon_code: Mapped[str | None] = mapped_column(String(64))
    coupon_id: Mapped[int | None] = mapped_column(
        ForeignKey("coupons.id", ondelete="SET NULL")
    )
    subtotal: Mapped[Decimal] = mapped_column(Money())
    coupon_discounted: Mapped[Decimal] = mapped_column(Money())
    shipping: Mapped[Decimal] = mapped_column(Money())
    tax: Mapped[Decimal] = mapped_column(Money())
    total_amount: Mapped[Decimal] = mapped_column(Money())
    notes: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="api")
    # Bumped on every change, so receivers can order what they hear.
    version: Mapped[int] = mapped_column(default=1)
    # The price basis the order was priced on; edits keep it.
    prices_include_vat: Mapped[bool] = mapped_column(default=True)
    vat_rate: Mapped[Decimal] = mapped_column(FixedDecimal(4), default=Decimal("0.15"))
    # Set once when a cancel or refund puts the stock back: never twice.
    stock_returned_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    customer: Mapped[Customer | None] = relationship(lazy="raise")
    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="order", lazy="raise", order_by="OrderLine.id"
    )
    history: Mapped[list["OrderStatusChange"]] = relationship(
        lazy="raise", order_by="OrderStatusChange.id"
    )

    __table_args__ = (
        Index(None, "store_id", "number", unique=True),
        Index(None, "store_id", "created_at", "id"),
        Index(None, "store_id", "updated_at", "id"),
        Index(None, "store_id", "status", "created_at"),
        Index(None, "store_id", "customer_id"),
    )


class OrderLine(TenantOwned, Base):
    """One product in an order, as it was when ordered."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL")
    )
    variant_id: Mapped[int | None] = mapped_column(
        ForeignKey("product_variants.id", ondelete="SET NULL")
    )
    type_id: Mapped[int] = mapped_column(default=1)
    name_ar: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    sku: Mapped[str | None] = mapped_column(String(100))
    qty: Mapped[int] = mapped_column()
    unit_price: Mapped[Decimal] = mapped_column(Money())
    weight: Mapped[Decimal | None] = mapped_column(FixedDecimal(3))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    discount: Mapped[Decimal] = mapped_column(Money())
    tax: Mapped[Decimal] = mapped_column(Money())
    subtotal: Mapped[Decimal] = mapped_column(Money())
    # Whether this line took stock when it was placed (what a cancel gives back).
    stock_taken: Mapped[bool] = mapped_column(default=False)
    # Booking lines: the slot's start, which holds one place of its capacity.
    booking_start: Mapped[datetime | None] = mapped_column(AwareDateTime())

    order: Mapped[Order] = relationship(back_populates="lines", lazy="raise")

    __table_args__ = (
        Index(None, "store_id", "order_id"),
        Index(None, "store_id", "product_id", "booking_start"),
    )


class OrderStatusChange(TenantOwned, Base):
    """One move of an order's status: who, when, from, to, and why."""

    __tablename__ = "order_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    __table_args__ = (Index(None, "store_id", "order_id", "id"),)


class Coupon(TenantOwned, Timestamps, Base):
    __tablename__ = "coupons"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    # The code upper-cased and trimmed: "free50" and "FREE50" are one coupon.
    code_key: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16))  # "percentage" or "fixed"
    value: Mapped[Decimal] = mapped_column(Money())
    min_order: Mapped[Decimal | None] = mapped_column(Money())
    expires_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    usage_limit: Mapped[int | None] = mapped_column()
    used_count: Mapped[int] = mapped_column(default=0)

    __table_args__ = (Index(None, "store_id", "code_key", unique=True),)
