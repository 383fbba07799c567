"""Reading products: lookups and the list filters."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from tjar.db.models import Product, ProductCategory, ProductMedia, ProductTag, SkuClaim
from tjar.domain.paging import Page, PageRequest, paginate, pick_sort, standard_sorts
from tjar.domain.text import escape_like, fold
from tjar.errors import NotFound

PRODUCT_SORTS = standard_sorts(Product)
DEFAULT_PRODUCT_SORT = "-created_at"


@dataclass(frozen=True)
class ProductFilters:
    search: str | None = None
    sku: str | None = None
    is_published: bool | None = None
    type_id: int | None = None
    tag_ids: Sequence[int] = field(default_factory=tuple)
    brand_ids: Sequence[int] = field(default_factory=tuple)
    category_ids: Sequence[int] = field(default_factory=tuple)
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None
    updated_since: datetime | None = None


def sku_key(sku: str) -> str:
    """Return the form of a SKU that uniqueness and lookups compare."""
    return sku.strip().casefold()


def product_loads() -> list[Any]:
    """Everything a product's representation reads, in a fixed few queries."""
    return [
        selectinload(Product.brand),
        selectinload(Product.image),
        selectinload(Product.categories),
        selectinload(Product.tags),
        selectinload(Product.options),
        selectinload(Product.variants),
        selectinload(Product.media).selectinload(ProductMedia.media),
        selectinload(Product.codes),
    ]


def _filtered(filters: ProductFilters) -> Select[Product]:
    query = (
        select(Product).options(*product_loads()).where(Product.deleted_at.is_(None))
    )
    if filters.search and (term := fold(filters.search)):
        query = query.where(
            Product.search_text.like(f"%{escape_like(term)}%", escape="\\")
        )
    if filters.sku is not None:
        # A product's own SKU or one of its variants'.
        claimed = select(SkuClaim.product_id).where(
            SkuClaim.sku_key == sku_key(filters.sku)
        )
        query = query.where(Product.id.in_(claimed))
    if filters.is_published is not None:
        query = query.where(Product.is_published.is_(filters.is_published))
    if filters.type_id is not None:
        query = query.where(Product.type_id == filters.type_id)
    if filters.brand_ids:
        query = query.where(Product.brand_id.in_(filters.brand_ids))
    if filters.tag_ids:
        tagged = select(ProductTag.product_id).where(
            ProductTag.tag_id.in_(filters.tag_ids)
        )
        query = query.where(Product.id.in_(tagged))
    if filters.category_ids:
        filed = select(ProductCategory.product_id).where(
            ProductCategory.category_id.in_(filters.category_ids)
        )
        query = query.where(Product.id.in_(filed))
    # Price filters compare what a buyer pays: the sale price when there is one.
    paid = func.coalesce(Product.sale_price, Product.price)
    if filters.min_price is not None:
        query = query.where(paid >= filters.min_price)
    if filters.max_price is not None:
        query = query.where(paid <= filters.max_price)
    if filters.created_from is not None:
        query = query.where(Product.created_at >= filters.created_from)
    if filters.created_before is not None:
        query = query.where(Product.created_at < filters.created_before)
    if filters.updated_since is not None:
        query = query.where(Product.updated_at >= filters.updated_since)
    return query


async def list_products(
    session: AsyncSession,
    *,
    filters: ProductFilters,
    page: PageRequest,
    sort: str = DEFAULT_PRODUCT_SORT,
) -> Page[Product]:
    """List the store's products that are not deleted."""
    chosen = pick_sort(PRODUCT_SORTS, sort)
    return await paginate(session, _filtered(filters), sort=chosen, request=page)


async def get_product(
    session: AsyncSession, product_id: int, *, type_id: int | None = None
) -> Product:
    """Return a live product (of ``type_id``, if given) with all it shows."""
    query = (
        select(Product)
        .options(*product_loads())
        .where(Product.id == product_id, Product.deleted_at.is_(None))
        .execution_options(populate_existing=True)
    )
    if type_id is not None:
        query = query.where(Product.type_id == type_id)
    product = await session.scalar(query)
    if product is None:
        raise NotFound("product_not_found")
    return product
