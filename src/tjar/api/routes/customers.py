"""Customers and coupons: list, details, create."""

from typing import Annotated

from fastapi import Query, Request
from starlette.responses import Response

from tjar.api.deps import ReadContext, StoreSession
from tjar.api.inputs.orders import CouponIn, CustomerCreateIn
from tjar.api.responses import listing, success
from tjar.api.routes.common import Identifier, Paging
from tjar.api.routing import Idempotent, resource_router
from tjar.api.schemas import (
    ERRORS,
    CouponList,
    CouponRead,
    CustomerList,
    CustomerRead,
    Envelope,
)
from tjar.domain.coupons import create_coupon, list_coupons
from tjar.domain.customers import create_customer, get_customer, list_customers
from tjar.i18n import _
from tjar.representation.orders import coupon_data, customer_data

router = resource_router(tags=["Customers and coupons"])


@router.get("/customers", responses=ERRORS, response_model=Envelope[CustomerList])
async def list_customers_route(
    request: Request,
    session: StoreSession,
    ctx: ReadContext,
    paging: Paging,
    email: Annotated[str | None, Query(max_length=254)] = None,
    phone: Annotated[str | None, Query(max_length=32)] = None,
    search: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """List customers; `email` and `phone` find one (any common phone form)."""
    page = await list_customers(
        session, page=paging, email=email, phone=phone, search=search
    )
    items = [customer_data(ctx, customer) for customer in page.items]
    return listing(
        request,
        _("Customers retrieved successfully."),
        key="customers",
        page=page,
        items=items,
    )


@router.get(
    "/customers/{identifier}", responses=ERRORS, response_model=Envelope[CustomerRead]
)
async def get_customer_route(
    request: Request, session: StoreSession, ctx: ReadContext, identifier: Identifier
) -> Response:
    """Get one customer."""
    customer = await get_customer(session, identifier)
    return success(
        request, _("Customer retrieved successfully."), customer_data(ctx, customer)
    )


@router.post(
    "/customers",
    status_code=201,
    responses=ERRORS,
    response_model=Envelope[CustomerRead],
    dependencies=[Idempotent],
)
async def create_customer_route(
    request: Request, session: StoreSession, ctx: ReadContext, body: CustomerCreateIn
) -> Response:
    """Create a customer; an email or mobile the store already has is `409`."""
    customer = await create_customer(session, body.to_input())
    return success(
        request,
        _("Customer created successfully."),
        customer_data(ctx, customer),
        status_code=201,
    )


@router.get("/coupons", responses=ERRORS, response_model=Envelope[CouponList])
async def list_coupons_route(
    request: Request, session: StoreSession, ctx: ReadContext, paging: Paging
) -> Response:
    """List the store's coupons."""
    page = await list_coupons(session, page=paging)
    items = [coupon_data(ctx, coupon) for coupon in page.items]
    return listing(
        request,
        _("Coupons retrieved successfully."),
        key="coupons",
        page=page,
        items=items,
    )


@router.post(
    "/coupons",
    status_code=201,
    responses=ERRORS,
    response_model=Envelope[CouponRead],
    dependencies=[Idempotent],
)
async def create_coupon_route(
    request: Request, session: StoreSession, ctx: ReadContext, body: CouponIn
) -> Response:
    """Create a percentage or fixed coupon."""
    coupon = await create_coupon(session, body.to_input())
    return success(
        request,
        _("Coupon created successfully."),
        coupon_data(ctx, coupon),
        status_code=201,
    )
