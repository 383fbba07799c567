"""Orders: list, details and the status table."""

from typing import Annotated

from fastapi import Query, Request
from starlette.responses import Response

from tjar.api.deps import ReadContext, StoreSession
from tjar.api.inputs.orders import EditIn, OrderIn, StatusIn
from tjar.api.responses import listing, success
from tjar.api.routes.common import Dates, Identifier, Paging
from tjar.api.routing import Idempotent, resource_router
from tjar.api.schemas import ERRORS, Envelope, OrderList, OrderRead, StatusList
from tjar.domain.ordering import change_status, create_order, edit_order
from tjar.domain.orders import DEFAULT_ORDER_SORT, OrderFilters, get_order, list_orders
from tjar.i18n import _
from tjar.representation.orders import order_data, status_list

router = resource_router(prefix="/orders", tags=["Orders"])


@router.get("", responses=ERRORS, response_model=Envelope[OrderList])
async def list_orders_route(
    request: Request,
    session: StoreSession,
    ctx: ReadContext,
    paging: Paging,
    dates: Dates,
    status: Annotated[str | None, Query(max_length=32)] = None,
    payment_status: Annotated[str | None, Query(max_length=16)] = None,
    search: Annotated[
        str | None,
        Query(
            max_length=100, description="Order number, customer name, email or phone."
        ),
    ] = None,
    sort: Annotated[
        str,
        Query(description="`created_at`, `updated_at` or `id`; `-` for descending."),
    ] = DEFAULT_ORDER_SORT,
) -> Response:
    """List the store's orders, newest first, with page or cursor paging."""
    filters = OrderFilters(
        created_from=dates.created_from,
        created_before=dates.created_before,
        updated_since=dates.updated_since,
        status=status,
        payment_status=payment_status,
        search=search,
    )
    page = await list_orders(session, filters=filters, page=paging, sort=sort)
    items = [order_data(ctx, order) for order in page.items]
    return listing(
        request,
        _("Orders retrieved successfully."),
        key="orders",
        page=page,
        items=items,
    )


@router.get("/statuses", responses=ERRORS, response_model=Envelope[StatusList])
async def list_statuses_route(request: Request, session: StoreSession) -> Response:
    """List every order status with its labels, colour and allowed next statuses."""
    return success(
        request,
        _("Order statuses retrieved successfully."),
        {"statuses": status_list()},
    )


@router.get("/{identifier}", responses=ERRORS, response_model=Envelope[OrderRead])
async def get_order_route(
    request: Request, session: StoreSession, ctx: ReadContext, identifier: Identifier
) -> Response:
    """Get one order with its lines, customer and amounts."""
    order = await get_order(session, identifier)
    return success(
        request, _("Order details retrieved successfully."), order_data(ctx, order)
    )


def actor_of(request: Request) -> str:
    """Name who made a change, for the status history."""
    return f"api_key:{request.state.api_key.id}"


@router.post(
    "",
    status_code=201,
    responses=ERRORS,
    response_model=Envelope[OrderRead],
    dependencies=[Idempotent],
)
async def create_order_route(
    request: Request, session: StoreSession, ctx: ReadContext, body: OrderIn
) -> Response:
    """Create an order priced from the catalogue; its stock is taken at once."""
    order = await create_order(
        session,
        store=ctx.store,
        data=body.to_input(),
        actor=actor_of(request),
        secret=request.app.state.settings.secret_key,
    )
    return success(
        request,
        _("Order created successfully."),
        order_data(ctx, order),
        status_code=201,
    )


@router.post(
    "/{identifier}/status",
    responses=ERRORS,
    response_model=Envelope[OrderRead],
    dependencies=[Idempotent],
)
async def change_status_route(
    request: Request,
    session: StoreSession,
    ctx: ReadContext,
    identifier: Identifier,
    body: StatusIn,
) -> Response:
    """Move the order to another status; see `GET /orders/statuses` for the moves."""
    order = await change_status(
        session,
        order_id=identifier,
        status=body.status,
        payment_status=body.payment_status,
        note=body.note,
        actor=actor_of(request),
        secret=request.app.state.settings.secret_key,
    )
    return success(
        request, _("Order status updated successfully."), order_data(ctx, order)
    )


@router.put(
    "/{identifier}",
    responses=ERRORS,
    response_model=Envelope[OrderRead],
    dependencies=[Idempotent],
)
@router.patch(
    "/{identifier}",
    responses=ERRORS,
    response_model=Envelope[OrderRead],
    dependencies=[Idempotent],
)
async def edit_order_route(
    request: Request,
    session: StoreSession,
    ctx: ReadContext,
    identifier: Identifier,
    body: EditIn,
) -> Response:
    """Edit a `pending` or `processing` order; also `POST` with `_method=PUT`."""
    order = await edit_order(
        session,
        store=ctx.store,
        order_id=identifier,
        data=body.to_input(),
        actor=actor_of(request),
        secret=request.app.state.settings.secret_key,
    )
    return success(request, _("Order updated successfully."), order_data(ctx, order))
