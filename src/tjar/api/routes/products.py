"""Products: list and details."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from tjar.api.deps import ReadContext, StoreSession
from tjar.api.responses import listing, success
from tjar.api.routes.common import Dates, Identifier, Paging
from tjar.api.schemas import ERRORS, Envelope, ProductList, ProductRead
from tjar.domain.products import (
    DEFAULT_PRODUCT_SORT,
    ProductFilters,
    get_product,
    list_products,
)
from tjar.i18n import _
from tjar.representation.products import product_data

router = APIRouter(prefix="/products", tags=["Products"])


@router.get("", responses=ERRORS, response_model=Envelope[ProductList])
async def list_products_route(
    request: Request,
    session: StoreSession,
    ctx: ReadContext,
    paging: Paging,
    dates: Dates,
    search: Annotated[
        str | None,
        Query(max_length=100, description="Words in either language's name or SKU."),
    ] = None,
    sku: Annotated[str | None, Query(max_length=100)] = None,
    is_published: bool | None = None,
    sort: Annotated[
        str,
        Query(description="`created_at`, `updated_at` or `id`; `-` for descending."),
    ] = DEFAULT_PRODUCT_SORT,
) -> Response:
    """List the store's products, newest first, with page or cursor paging."""
    filters = ProductFilters(
        search=search,
        sku=sku,
        is_published=is_published,
        created_from=dates.created_from,
        created_before=dates.created_before,
        updated_since=dates.updated_since,
    )
    page = await list_products(session, filters=filters, page=paging, sort=sort)
    items = [product_data(ctx, product) for product in page.items]
    return listing(
        request,
        _("Products retrieved successfully."),
        key="products",
        page=page,
        items=items,
    )


@router.get("/{identifier}", responses=ERRORS, response_model=Envelope[ProductRead])
async def get_product_route(
    request: Request, session: StoreSession, ctx: ReadContext, identifier: Identifier
) -> Response:
    """Get one product."""
    product = await get_product(session, identifier)
    return success(
        request,
        _("Product details retrieved successfully."),
        product_data(ctx, product),
    )
