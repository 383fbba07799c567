"""Products: list, create per type, read, update and delete."""

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import Query, Request
from pydantic import Field
from starlette.responses import Response

from tjar.api.deps import ReadContext, StoreSession
from tjar.api.inputs.common import Day, Money
from tjar.api.inputs.products import ProductIn
from tjar.api.responses import listing, success
from tjar.api.routes.common import Dates, Identifier, Paging
from tjar.api.routing import Idempotent, resource_router
from tjar.api.schemas import ERRORS, Envelope, ProductList, ProductRead, SlotList
from tjar.domain.booking import slots_for
from tjar.domain.catalogue import (
    BOOKING,
    TYPE_IDS,
    create_product,
    delete_product,
    update_product,
)
from tjar.domain.ordering import booked_places
from tjar.domain.products import (
    DEFAULT_PRODUCT_SORT,
    ProductFilters,
    get_product,
    list_products,
)
from tjar.i18n import _
from tjar.representation.common import timestamp
from tjar.representation.products import product_data

router = resource_router(prefix="/products", tags=["Products"])

TypeSlug = Literal["physical", "digital", "service", "booking"]
IdList = Annotated[
    list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None, Query(max_length=100)
]
CREATED = _("Product created successfully.")
UPDATED = _("Product updated successfully.")
FOUND = _("Product details retrieved successfully.")


@router.get("", responses=ERRORS, response_model=Envelope[ProductList])
async def list_products_route(
    request: Request,
    session: StoreSession,
    ctx: ReadContext,
    paging: Paging,
    dates: Dates,
    search: Annotated[
        str | None,
        Query(max_length=100, description="Words of either language's name, or a SKU."),
    ] = None,
    sku: Annotated[str | None, Query(max_length=100)] = None,
    is_published: bool | None = None,
    type: TypeSlug | None = None,
    tag_ids: Annotated[IdList, Query(alias="tag_ids[]")] = None,
    brand_ids: Annotated[IdList, Query(alias="brand_ids[]")] = None,
    category_ids: Annotated[IdList, Query(alias="category_ids[]")] = None,
    min_price: Annotated[Money | None, Query()] = None,
    max_price: Annotated[Money | None, Query()] = None,
    sort: Annotated[
        str,
        Query(description="`created_at`, `updated_at` or `id`; `-` for descending."),
    ] = DEFAULT_PRODUCT_SORT,
) -> Response:
    """List the store's products, newest first, with page or cursor paging.

    `min_price` and `max_price` compare the price a buyer pays (the sale price
    when there is one).
    """
    filters = ProductFilters(
        search=search,
        sku=sku,
        is_published=is_published,
        type_id=TYPE_IDS[type] if type else None,
        tag_ids=tag_ids or (),
        brand_ids=brand_ids or (),
        category_ids=category_ids or (),
        min_price=Decimal(min_price) if min_price is not None else None,
        max_price=Decimal(max_price) if max_price is not None else None,
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


async def _create(
    request: Request,
    session: StoreSession,
    ctx: ReadContext,
    body: ProductIn,
    type_id: int,
) -> Response:
    product = await create_product(session, type_id=type_id, data=body.to_input())
    return success(request, CREATED, product_data(ctx, product), status_code=201)


@router.post(
    "",
    status_code=201,
    responses=ERRORS,
    response_model=Envelope[ProductRead],
    dependencies=[Idempotent],
)
async def create_physical_route(
    request: Request, session: StoreSession, ctx: ReadContext, body: ProductIn
) -> Response:
    """Create a physical product."""
    return await _create(request, session, ctx, body, TYPE_IDS["physical"])


@router.post(
    "/{type}",
    status_code=201,
    responses=ERRORS,
    response_model=Envelope[ProductRead],
    dependencies=[Idempotent],
)
async def create_typed_route(
    request: Request,
    session: StoreSession,
    ctx: ReadContext,
    type: Literal["digital", "service", "booking"],
    body: ProductIn,
) -> Response:
    """Create a digital, service or booking product."""
    return await _create(request, session, ctx, body, TYPE_IDS[type])


@router.get("/{identifier}", responses=ERRORS, response_model=Envelope[ProductRead])
async def get_product_route(
    request: Request, session: StoreSession, ctx: ReadContext, identifier: Identifier
) -> Response:
    """Get one product."""
    product = await get_product(session, identifier)
    return success(request, FOUND, product_data(ctx, product))


@router.patch("/{identifier}", responses=ERRORS, response_model=Envelope[ProductRead])
async def update_product_route(
    request: Request,
    session: StoreSession,
    ctx: ReadContext,
    identifier: Identifier,
    body: ProductIn,
) -> Response:
    """Change the fields sent; the rest stay. The type cannot change."""
    product = await update_product(
        session, product_id=identifier, type_id=None, data=body.to_input()
    )
    return success(request, UPDATED, product_data(ctx, product))


@router.delete("/{identifier}", responses=ERRORS, response_model=Envelope[None])
async def delete_product_route(
    request: Request, session: StoreSession, identifier: Identifier
) -> Response:
    """Delete a product: it leaves lists and lookups; orders that hold it keep it."""
    await delete_product(session, product_id=identifier)
    return success(request, _("Product deleted successfully."), None)


@router.get(
    "/{type}/{identifier}", responses=ERRORS, response_model=Envelope[ProductRead]
)
async def get_typed_route(
    request: Request,
    session: StoreSession,
    ctx: ReadContext,
    type: TypeSlug,
    identifier: Identifier,
) -> Response:
    """Get a product of this type; another type's product is `404`."""
    product = await get_product(session, identifier, type_id=TYPE_IDS[type])
    return success(request, FOUND, product_data(ctx, product))


@router.patch(
    "/{type}/{identifier}", responses=ERRORS, response_model=Envelope[ProductRead]
)
async def update_typed_route(
    request: Request,
    session: StoreSession,
    ctx: ReadContext,
    type: TypeSlug,
    identifier: Identifier,
    body: ProductIn,
) -> Response:
    """Update a product of this type; another type's product is `404`."""
    product = await update_product(
        session, product_id=identifier, type_id=TYPE_IDS[type], data=body.to_input()
    )
    return success(request, UPDATED, product_data(ctx, product))


@router.get(
    "/booking/{identifier}/slots", responses=ERRORS, response_model=Envelope[SlotList]
)
async def list_slots_route(
    request: Request,
    session: StoreSession,
    ctx: ReadContext,
    identifier: Identifier,
    date: Annotated[
        Day, Query(description="A day (`YYYY-MM-DD`) in the store's zone.")
    ],
) -> Response:
    """List a booking product's slots on a day, with the places left in each."""
    product = await get_product(session, identifier, type_id=BOOKING)
    day = slots_for(product.booking or {}, date, ctx.zone, booked={})
    booked = (
        await booked_places(session, product.id, day[0].start, day[-1].start)
        if day
        else {}
    )
    slots = slots_for(product.booking or {}, date, ctx.zone, booked=booked)
    data = [
        {
            "start": timestamp(ctx, slot.start),
            "end": timestamp(ctx, slot.end),
            "capacity": slot.capacity,
            "available": slot.available,
        }
        for slot in slots
    ]
    return success(request, _("Slots retrieved successfully."), {"slots": data})
