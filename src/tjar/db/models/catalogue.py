"""Products. Brands, categories, tags, options and variants join them later."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tjar.db.base import Base, TenantOwned, Timestamps
from tjar.db.types import AwareDateTime, FixedDecimal, Money


class Product(TenantOwned, Timestamps, Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    type_id: Mapped[int] = mapped_column(default=1)
    name_ar: Mapped[str] = mapped_column(String(255), default="")
    name_en: Mapped[str] = mapped_column(String(255), default="")
    summary_ar: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    description_ar: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    # Both names, folded for search (see tjar.domain.text); never shown.
    search_text: Mapped[str] = mapped_column(Text, default="")
    slug: Mapped[str] = mapped_column(String(255))
    sku: Mapped[str | None] = mapped_column(String(100))
    # The SKU trimmed and lower-cased: the form uniqueness is checked on.
    sku_key: Mapped[str | None] = mapped_column(String(100))
    price: Mapped[Decimal] = mapped_column(Money())
    sale_price: Mapped[Decimal | None] = mapped_column(Money())
    cost: Mapped[Decimal | None] = mapped_column(Money())
    stock: Mapped[int] = mapped_column(default=0)
    is_unlimited: Mapped[bool] = mapped_column(default=False)
    is_published: Mapped[bool] = mapped_column(default=True)
    is_refundable: Mapped[bool] = mapped_column(default=True)
    min_purchase: Mapped[int] = mapped_column(default=1)
    max_purchase: Mapped[int | None] = mapped_column()
    is_inventory_warning: Mapped[bool] = mapped_column(default=False)
    inventory_warning_threshold: Mapped[int | None] = mapped_column()
    weight: Mapped[Decimal | None] = mapped_column(FixedDecimal(3))
    deleted_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    __table_args__ = (
        Index(None, "store_id", "created_at", "id"),
        Index(None, "store_id", "updated_at", "id"),
        Index(None, "store_id", "sku_key", unique=True),
        Index(None, "store_id", "slug", unique=True),
    )
