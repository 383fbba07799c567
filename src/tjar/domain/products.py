"""Reading products. Writing them comes with the catalogue."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from tjar.db.models import Product
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
    created_from: datetime | None = None
    created_before: datetime | None = None
    updated_since: datetime | None = None


def sku_key(sku: str) -> str:
    """Return the form of a SKU that uniqueness and lookups compare."""
    return sku.strip().casefold()


def _filtered(filters: ProductFilters) -> Select[Product]:
    query = select(Product).where(Product.deleted_at.is_(None))
    if filters.search and (term := fold(filters.search)):
        query = query.where(
            Product.search_text.like(f"%{escape_like(term)}%", escape="\\")
        )
    if filters.sku is not None:
        query = query.where(Product.sku_key == sku_key(filters.sku))
    if filters.is_published is not None:
        query = query.where(Product.is_published.is_(filters.is_published))
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


async def get_product(session: AsyncSession, product_id: int) -> Product:
    product = await session.scalar(
        select(Product).where(Product.id == product_id, Product.deleted_at.is_(None))
    )
    if product is None:
        raise NotFound("product_not_found")
    return product
