"""Reading orders. Creating and changing them comes with the order engine."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from tjar.db.models import Order
from tjar.domain.paging import Page, PageRequest, paginate, standard_sorts
from tjar.domain.statuses import ORDER_STATUSES, PAYMENT_STATUSES, check_choice
from tjar.domain.text import escape_like
from tjar.errors import NotFound

ORDER_SORTS = standard_sorts(Order)
ORDER_LOADS = (
    selectinload(Order.lines),
    selectinload(Order.customer),
    selectinload(Order.history),
)
DEFAULT_ORDER_SORT = "-created_at"


@dataclass(frozen=True)
class OrderFilters:
    created_from: datetime | None = None
    created_before: datetime | None = None
    updated_since: datetime | None = None
    status: str | None = None
    payment_status: str | None = None
    search: str | None = None


def _filtered(filters: OrderFilters) -> Select[Order]:
    query = select(Order).options(*ORDER_LOADS)
    if filters.created_from is not None:
        query = query.where(Order.created_at >= filters.created_from)
    if filters.created_before is not None:
        query = query.where(Order.created_at < filters.created_before)
    if filters.updated_since is not None:
        query = query.where(Order.updated_at >= filters.updated_since)
    if filters.status is not None:
        query = query.where(Order.status == filters.status)
    if filters.payment_status is not None:
        query = query.where(Order.payment_status == filters.payment_status)
    if filters.search:
        term = filters.search.strip()
        pattern = f"%{escape_like(term.lower())}%"
        matches: list[ColumnElement[bool]] = [
            Order.name.ilike(pattern, escape="\\"),
            Order.email.ilike(pattern, escape="\\"),
            Order.phone.ilike(pattern, escape="\\"),
        ]
        # Order numbers are integers; a longer run of digits is a phone number.
        if term.isascii() and term.isdigit() and len(term) < 10:
            matches.append(Order.number == int(term))
        query = query.where(or_(*matches))
    return query


async def list_orders(
    session: AsyncSession,
    *,
    filters: OrderFilters,
    page: PageRequest,
    sort: str = DEFAULT_ORDER_SORT,
) -> Page[Order]:
    """List the store's orders, newest first unless ``sort`` says otherwise."""
    check_choice("status", filters.status, ORDER_STATUSES)
    check_choice("payment_status", filters.payment_status, PAYMENT_STATUSES)
    return await paginate(
        session, _filtered(filters), sort=ORDER_SORTS[sort], request=page
    )


async def get_order(session: AsyncSession, order_id: int) -> Order:
    order = await session.scalar(
        select(Order)
        .options(*ORDER_LOADS)
        .where(Order.id == order_id)
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFound("order_not_found")
    return order
