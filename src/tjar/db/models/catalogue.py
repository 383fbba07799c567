"""The catalogue: products of four types, their options, variants and labels."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tjar.db.base import Base, TenantOwned, Timestamps
from tjar.db.models.media import Media
from tjar.db.types import AwareDateTime, FixedDecimal, Money

LIVE = text("deleted_at IS NULL")


class Brand(TenantOwned, Timestamps, Base):
    __tablename__ = "brands"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_ar: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))

    __table_args__ = (Index(None, "store_id", "id"),)


class Category(TenantOwned, Timestamps, Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL")
    )
    name_ar: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))

    __table_args__ = (Index(None, "store_id", "parent_id"),)


class Tag(TenantOwned, Timestamps, Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_ar: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    # The English name (else the Arabic), folded: "Sale" and "sale" are one tag.
    name_key: Mapped[str] = mapped_column(String(255))

    __table_args__ = (Index(None, "store_id", "name_key", unique=True),)


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
    # Names, SKUs and tags, folded for search (see tjar.domain.text); never shown.
    search_text: Mapped[str] = mapped_column(Text, default="")
    slug: Mapped[str] = mapped_column(String(255))
    sku: Mapped[str | None] = mapped_column(String(100))
    # The SKU trimmed and case-folded: the form lookups compare.
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
    length: Mapped[Decimal | None] = mapped_column(FixedDecimal(2))
    width: Mapped[Decimal | None] = mapped_column(FixedDecimal(2))
    height: Mapped[Decimal | None] = mapped_column(FixedDecimal(2))
    brand_id: Mapped[int | None] = mapped_column(
        ForeignKey("brands.id", ondelete="SET NULL")
    )
    image_id: Mapped[int | None] = mapped_column(
        ForeignKey("media.id", ondelete="SET NULL")
    )
    badge_id: Mapped[int | None] = mapped_column()
    policy_description: Mapped[str | None] = mapped_column(Text)
    video_source: Mapped[str | None] = mapped_column(String(32))
    video_url: Mapped[str | None] = mapped_column(String(500))
    # Digital: how often and how long a buyer's download link works.
    download_limit: Mapped[int | None] = mapped_column()
    download_expiry_hours: Mapped[int | None] = mapped_column()
    # Booking: duration, capacity, weekly availability and date range.
    booking: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    deleted_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    brand: Mapped[Brand | None] = relationship(lazy="raise")
    image: Mapped[Media | None] = relationship(lazy="raise")
    # Read-only views: the links are written as rows, so each carries store_id.
    categories: Mapped[list[Category]] = relationship(
        secondary="product_categories",
        lazy="raise",
        order_by="Category.id",
        viewonly=True,
    )
    tags: Mapped[list[Tag]] = relationship(
        secondary="product_tags", lazy="raise", order_by="Tag.id", viewonly=True
    )
    options: Mapped[list["ProductOption"]] = relationship(
        lazy="raise", order_by="ProductOption.position", cascade="all, delete-orphan"
    )
    variants: Mapped[list["ProductVariant"]] = relationship(
        lazy="raise", order_by="ProductVariant.position", cascade="all, delete-orphan"
    )
    media: Mapped[list["ProductMedia"]] = relationship(
        lazy="raise", order_by="ProductMedia.position", cascade="all, delete-orphan"
    )
    codes: Mapped[list["ProductCode"]] = relationship(
        lazy="raise", order_by="ProductCode.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index(None, "store_id", "created_at", "id"),
        Index(None, "store_id", "updated_at", "id"),
        Index(None, "store_id", "price", "id"),
        Index(None, "store_id", "sku_key"),
        Index(None, "store_id", "type_id", "created_at", "id"),
        Index(
            "uq_products_live_slug",
            "store_id",
            "slug",
            unique=True,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        ),
    )


class ProductCategory(TenantOwned, Base):
    __tablename__ = "product_categories"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index(None, "store_id", "category_id", "product_id"),)


class ProductTag(TenantOwned, Base):
    __tablename__ = "product_tags"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index(None, "store_id", "tag_id", "product_id"),)


class ProductOption(TenantOwned, Base):
    """A choice or an input the buyer gives with a product.

    ``choices`` pairs each Arabic label with its English label and extra cost
    (a decimal string), in order: ``[{"ar", "en", "cost"}]``; ``None`` for
    free-input types.
    """

    __tablename__ = "product_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column()
    type: Mapped[str] = mapped_column(String(16))
    title_ar: Mapped[str] = mapped_column(String(255))
    title_en: Mapped[str] = mapped_column(String(255))
    sub_title_ar: Mapped[str] = mapped_column(String(255), default="")
    sub_title_en: Mapped[str] = mapped_column(String(255), default="")
    is_required: Mapped[bool] = mapped_column(default=False)
    multi_select: Mapped[bool] = mapped_column(default=False)
    choices: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)

    __table_args__ = (Index(None, "store_id", "product_id", "position"),)


class ProductVariant(TenantOwned, Timestamps, Base):
    __tablename__ = "product_variants"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column()
    color: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[str | None] = mapped_column(String(100))
    stock: Mapped[int] = mapped_column(default=0)
    sku: Mapped[str | None] = mapped_column(String(100))
    sku_key: Mapped[str | None] = mapped_column(String(100))
    additional_price: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))

    __table_args__ = (Index(None, "store_id", "product_id", "position"),)


class SkuClaim(TenantOwned, Base):
    """One live SKU of a store, held by a product or one of its variants.

    The unique index makes SKUs unique across products and variants together;
    a product's claims are dropped when it is deleted, so the SKU frees up.
    """

    __tablename__ = "sku_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku_key: Mapped[str] = mapped_column(String(100))
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE")
    )

    __table_args__ = (
        Index(None, "store_id", "sku_key", unique=True),
        Index(None, "store_id", "product_id"),
    )


class ProductMedia(TenantOwned, Base):
    """A product's gallery image or, for digital products, a private file."""

    __tablename__ = "product_media"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE")
    )
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id", ondelete="RESTRICT"))
    role: Mapped[str] = mapped_column(String(16))  # "gallery" or "file"
    position: Mapped[int] = mapped_column()

    media: Mapped[Media] = relationship(lazy="raise")

    __table_args__ = (
        Index(None, "store_id", "product_id", "role", "position"),
        Index(None, "store_id", "media_id"),
    )


class ProductCode(TenantOwned, Base):
    """A code from a digital product's pool, handed to one order line once paid."""

    __tablename__ = "product_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE")
    )
    code: Mapped[str] = mapped_column(String(255))
    order_line_id: Mapped[int | None] = mapped_column()
    assigned_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    __table_args__ = (
        Index(None, "store_id", "product_id", "code", unique=True),
        Index(None, "store_id", "product_id", "order_line_id"),
    )
