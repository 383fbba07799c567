"""Creating, editing and moving orders: pricing from the catalogue, safe stock.

Stock is taken with guarded ``UPDATE … WHERE stock >= :wanted`` statements in
the order's own transaction, products in id order: on PostgreSQL the row lock
makes a concurrent order wait and then re-check; on SQLite the transaction is a
writer from its first statement. Either way no order sells what is not there.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from tjar.clock import utcnow
from tjar.db.models import (
    Coupon,
    Customer,
    Order,
    OrderLine,
    OrderStatusChange,
    Product,
    ProductCode,
    ProductOption,
    ProductVariant,
    Store,
)
from tjar.domain.booking import slots_for
from tjar.domain.catalogue import BOOKING, DIGITAL, PHYSICAL
from tjar.domain.coupons import (
    coupon_discount_for,
    coupon_key,
    release_coupon,
    usable_coupon,
    use_coupon,
)
from tjar.domain.customers import (
    CustomerInput,
    find_or_create_customer,
    get_customer,
    normalise_email,
    normalise_phone,
)
from tjar.domain.downloads import issue_links
from tjar.domain.money import ZERO
from tjar.domain.orders import get_order
from tjar.domain.pricing import price_order
from tjar.domain.products import get_product
from tjar.domain.statuses import (
    ORDER_STATUSES,
    PAYMENT_GATEWAYS,
    PAYMENT_STATUSES,
    check_choice,
)
from tjar.errors import InvalidState, NotFound, ValidationFailed
from tjar.i18n import _
from tjar.webhooks.outbox import emit
from tjar.webhooks.outbox import prepare as prepare_events

EDITABLE = ("pending", "processing")
RETURNS_STOCK = ("cancelled", "refunded")
# Statuses with an event of their own beside ``order.status.updated``.
STATUS_EVENTS = {"cancelled": "order.cancelled", "refunded": "order.refunded"}
# Orders in these statuses no longer hold their stock or booking places.
RELEASED = RETURNS_STOCK


@dataclass(frozen=True)
class ChosenOption:
    id: int | None
    name: str | None
    value: Any


@dataclass(frozen=True)
class LineInput:
    product_id: int
    quantity: int
    variant_id: int | None = None
    options: list[ChosenOption] = field(default_factory=list)
    booking: tuple[date, time] | None = None


@dataclass(frozen=True)
class AddressInput:
    address: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    zipcode: str | None = None


@dataclass(frozen=True)
class OrderInput:
    lines: list[LineInput]
    customer_id: int | None = None
    customer: CustomerInput | None = None
    address: AddressInput | None = None
    coupon: str | None = None
    payment_gateway: str | None = None
    payment_status: str = "pending"
    notes: str | None = None
    source: str = "api"
    lines_field: str = "products"


@dataclass(frozen=True)
class EditInput:
    add: list[LineInput] = field(default_factory=list)
    update: dict[int, int] = field(default_factory=dict)
    remove: list[int] = field(default_factory=list)
    customer: CustomerInput | None = None
    address: AddressInput | None = None
    coupon: str | None = None
    clear_coupon: bool = False
    notes: str | None = None
    sent: frozenset[str] = frozenset()


@dataclass
class _Priced:
    """A line checked against the catalogue, before money is worked out."""

    product: Product
    variant: ProductVariant | None
    quantity: int
    unit: Decimal
    options: dict[str, Any]
    booking_start: datetime | None
    field: str


def _fail(field_path: str, message: str, **params: object) -> ValidationFailed:
    return ValidationFailed.single(field_path, message, **params)


async def _load_products(
    session: AsyncSession, ids: list[int], *, deleted_too: bool = False
) -> dict[int, Product]:
    if not ids:
        return {}
    query = (
        select(Product)
        .options(selectinload(Product.options), selectinload(Product.variants))
        .where(Product.id.in_(ids))
    )
    if not deleted_too:
        query = query.where(Product.deleted_at.is_(None))
    return {product.id: product for product in await session.scalars(query)}


def _option_cost(
    product: Product, chosen: list[ChosenOption], where: str
) -> tuple[Decimal, dict[str, Any]]:
    """Check the buyer's option choices; return their extra cost and a snapshot."""
    by_id = {option.id: option for option in product.options}
    picked: dict[int, tuple[ProductOption, Any]] = {}
    for index, choice in enumerate(chosen):
        option = by_id.get(choice.id) if choice.id is not None else None
        if option is None and choice.name:
            option = next(
                (o for o in product.options if choice.name in (o.title_ar, o.title_en)),
                None,
            )
        if option is None:
            raise _fail(
                f"{where}.product_options.{index}", _("No such option on this product.")
            )
        picked[option.id] = (option, choice.value)

    cost = ZERO
    snapshot = []
    for option in product.options:
        if option.id not in picked:
            if option.is_required:
                raise _fail(
                    f"{where}.product_options",
                    _("Choose {option}."),
                    option=option.title_en,
                )
            continue
        value = picked[option.id][1]
        values = value if isinstance(value, list) else [value]
        if option.choices is None:
            text = " ".join(str(v) for v in values).strip()
            if option.is_required and not text:
                raise _fail(
                    f"{where}.product_options",
                    _("Choose {option}."),
                    option=option.title_en,
                )
            snapshot.append(
                {
                    "id": option.id,
                    "label": option.title_en,
                    "value": text,
                    "type": option.type,
                    "cost": 0,
                }
            )
            continue
        if len(values) > 1 and not option.multi_select:
            raise _fail(
                f"{where}.product_options",
                _("Choose one value for {option}."),
                option=option.title_en,
            )
        for item in values:
            match = next(
                (c for c in option.choices if str(item) in (c["ar"], c["en"])), None
            )
            if match is None:
                raise _fail(
                    f"{where}.product_options",
                    _("Choose one of the values of {option}."),
                    option=option.title_en,
                )
            cost += Decimal(match["cost"])
            snapshot.append(
                {
                    "id": option.id,
                    "label": option.title_en,
                    "value": match["en"],
                    "type": option.type,
                    "cost": float(match["cost"]),
                }
            )
    return cost, {"product_options": snapshot, "product_options_cost": float(cost)}


async def _check_lines(
    session: AsyncSession, store: Store, lines: list[LineInput], lines_field: str
) -> list[_Priced]:
    if not lines:
        raise _fail(lines_field, _("Add at least one product."))
    products = await _load_products(session, [line.product_id for line in lines])
    priced = []
    for index, line in enumerate(lines):
        where = f"{lines_field}.{index}"
        product = products.get(line.product_id)
        if product is None or not product.is_published:
            raise _fail(f"{where}.id", _("This product cannot be ordered."))
        variant = None
        if line.variant_id is not None:
            variant = next(
                (v for v in product.variants if v.id == line.variant_id), None
            )
            if variant is None:
                raise _fail(
                    f"{where}.variant_id",
                    _("This variant is not one of the product's."),
                )
        elif product.variants:
            raise _fail(
                f"{where}.variant_id", _("Choose one of the product's variants.")
            )
        extra, snapshot = _option_cost(product, line.options, where)
        booking_start = _booking_start(store, product, line, where)
        unit = (product.sale_price or product.price) + extra
        if variant is not None:
            unit += variant.additional_price
            snapshot |= {
                "variant": {
                    "id": variant.id,
                    "color": variant.color,
                    "size": variant.size,
                }
            }
        if booking_start is not None:
            snapshot |= {
                "is_booking": True,
                "booking": {"start": booking_start.isoformat()},
            }
        priced.append(
            _Priced(
                product, variant, line.quantity, unit, snapshot, booking_start, where
            )
        )
    _check_purchase_limits(priced)
    return priced


def _booking_start(
    store: Store, product: Product, line: LineInput, where: str
) -> datetime | None:
    if product.type_id != BOOKING:
        return None
    if line.booking is None:
        raise _fail(f"{where}.booking", _("Choose a date and time for the booking."))
    zone = ZoneInfo(store.timezone)
    day, start = line.booking
    wanted = datetime.combine(day, start, tzinfo=zone)
    slots = slots_for(product.booking or {}, day, zone, booked={})
    if not any(slot.start == wanted for slot in slots):
        raise _fail(
            f"{where}.booking", _("This time is not one of the product's slots.")
        )
    if wanted <= utcnow():
        raise _fail(f"{where}.booking", _("This time has passed."))
    return wanted


def _check_purchase_limits(lines: list[_Priced]) -> None:
    totals: dict[int, int] = defaultdict(int)
    first: dict[int, _Priced] = {}
    for line in lines:
        totals[line.product.id] += line.quantity
        first.setdefault(line.product.id, line)
    for product_id, quantity in totals.items():
        line = first[product_id]
        product = line.product
        if quantity < product.min_purchase:
            raise _fail(
                f"{line.field}.quantity",
                _("Order at least {count}."),
                count=product.min_purchase,
            )
        if product.max_purchase is not None and quantity > product.max_purchase:
            raise _fail(
                f"{line.field}.quantity",
                _("Order at most {count}."),
                count=product.max_purchase,
            )


async def _take_stock(session: AsyncSession, lines: list[_Priced]) -> list[int]:
    """Take stock for every counted line, summed per product and variant.

    Return the products whose stock this took to their alert threshold.
    """
    wanted: dict[tuple[int, int | None], int] = defaultdict(int)
    where: dict[tuple[int, int | None], str] = {}
    products: dict[int, Product] = {}
    for line in lines:
        if not _counted(line):
            continue
        key = (line.product.id, line.variant.id if line.variant else None)
        wanted[key] += line.quantity
        where.setdefault(key, line.field)
        products[line.product.id] = line.product
    crossed = []
    # Id order everywhere, so two orders never wait on each other's rows.
    for (product_id, variant_id), quantity in sorted(
        wanted.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)
    ):
        if variant_id is not None:
            left = await _guarded_decrement(
                session, ProductVariant, variant_id, quantity
            )
        else:
            left = await _guarded_decrement(session, Product, product_id, quantity)
        if left is None:
            raise _fail(
                f"{where[(product_id, variant_id)]}.quantity", _("Not enough in stock.")
            )
        if variant_id is not None:
            left = await session.scalar(
                update(Product)
                .where(Product.id == product_id)
                .values(stock=Product.stock - quantity)
                .returning(Product.stock)
                .execution_options(synchronize_session=False)
            )
        if _crossed_alert(products[product_id], left, quantity):
            crossed.append(product_id)
    return crossed


def _crossed_alert(product: Product, left: int | None, taken: int) -> bool:
    """Tell whether taking ``taken`` moved the stock from above the alert to it."""
    threshold = product.inventory_warning_threshold
    if not product.is_inventory_warning or threshold is None or left is None:
        return False
    return left <= threshold < left + taken


async def _guarded_decrement(
    session: AsyncSession, model: Any, row_id: int, quantity: int
) -> int | None:
    """Take ``quantity`` from a row with enough stock; return what is left."""
    left = await session.scalar(
        update(model)
        .where(model.id == row_id, model.stock >= quantity)
        .values(stock=model.stock - quantity)
        .returning(model.stock)
        .execution_options(synchronize_session=False)
    )
    return None if left is None else int(left)


def _counted(line: _Priced) -> bool:
    return line.product.type_id == PHYSICAL and not line.product.is_unlimited


async def _return_stock(session: AsyncSession, lines: list[OrderLine]) -> None:
    """Put back what ``lines`` took when they were placed, and nothing else."""
    for line in sorted(
        lines, key=lambda line: (line.product_id or 0, line.variant_id or 0)
    ):
        if line.product_id is None or not line.stock_taken:
            continue
        line.stock_taken = False
        if line.variant_id is not None:
            await session.execute(
                update(ProductVariant)
                .where(ProductVariant.id == line.variant_id)
                .values(stock=ProductVariant.stock + line.qty)
                .execution_options(synchronize_session=False)
            )
        await session.execute(
            update(Product)
            .where(Product.id == line.product_id)
            .values(stock=Product.stock + line.qty)
            .execution_options(synchronize_session=False)
        )


async def _check_booking_capacity(
    session: AsyncSession, lines: list[_Priced], *, own_order: int | None = None
) -> None:
    """Refuse bookings beyond a slot's capacity, summed per product and slot.

    The product row is locked first (on PostgreSQL), so two orders for the
    last place of a slot queue instead of both seeing it free.
    """
    wanted: dict[tuple[int, datetime], int] = defaultdict(int)
    first: dict[tuple[int, datetime], _Priced] = {}
    for line in lines:
        if line.booking_start is not None:
            key = (line.product.id, line.booking_start)
            wanted[key] += line.quantity
            first.setdefault(key, line)
    for (product_id, start), quantity in sorted(wanted.items()):
        await session.execute(
            select(Product.id).where(Product.id == product_id).with_for_update()
        )
        booked = await booked_places(
            session, product_id, start, start, own_order=own_order
        )
        line = first[(product_id, start)]
        capacity = int((line.product.booking or {}).get("capacity", 0))
        if booked.get(start, 0) + quantity > capacity:
            raise _fail(f"{line.field}.booking", _("This slot is full."))


async def booked_places(
    session: AsyncSession,
    product_id: int,
    first: datetime,
    last: datetime,
    *,
    own_order: int | None = None,
) -> dict[datetime, int]:
    """Places taken in each slot of a product starting from ``first`` to ``last``."""
    query = (
        select(OrderLine.booking_start, func.sum(OrderLine.qty))
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            OrderLine.product_id == product_id,
            OrderLine.booking_start >= first,
            OrderLine.booking_start <= last,
            Order.status.not_in(RELEASED),
        )
        .group_by(OrderLine.booking_start)
    )
    if own_order is not None:
        query = query.where(Order.id != own_order)
    rows = await session.execute(query)
    return {start: int(total) for start, total in rows.all() if start is not None}


def _line_rows(lines: list[_Priced]) -> list[OrderLine]:
    return [
        OrderLine(
            product_id=line.product.id,
            variant_id=line.variant.id if line.variant else None,
            type_id=line.product.type_id,
            name_ar=line.product.name_ar,
            name_en=line.product.name_en,
            sku=(
                line.variant.sku
                if line.variant and line.variant.sku
                else line.product.sku
            ),
            qty=line.quantity,
            unit_price=line.unit,
            weight=line.product.weight,
            options=line.options,
            booking_start=line.booking_start,
            stock_taken=_counted(line),
            discount=ZERO,
            tax=ZERO,
            subtotal=ZERO,
        )
        for line in lines
    ]


def _reprice(
    order: Order, lines: list[OrderLine], coupon: Coupon | None, shipping_fee: Decimal
) -> None:
    """Work out every amount of ``order`` from its lines, coupon and shipping.

    The VAT basis and rate are the order's own, fixed when it was placed.
    """
    subtotal = sum((line.unit_price * line.qty for line in lines), ZERO)
    discount = coupon_discount_for(coupon, subtotal) if coupon else ZERO
    ships = any(line.type_id == PHYSICAL for line in lines)
    amounts = price_order(
        lines=[(line.unit_price, line.qty) for line in lines],
        discount=discount,
        shipping=shipping_fee if ships else ZERO,
        vat_rate=order.vat_rate,
        prices_include_vat=order.prices_include_vat,
    )
    for line, priced in zip(lines, amounts.lines, strict=True):
        line.discount, line.tax, line.subtotal = (
            priced.discount,
            priced.tax,
            priced.subtotal,
        )
    order.subtotal = amounts.subtotal
    order.coupon_discounted = amounts.discount
    order.shipping = amounts.shipping
    order.tax = amounts.tax
    order.total_amount = amounts.total


def _apply_address(order: Order, address: AddressInput | None) -> None:
    if address is None:
        return
    for name in ("address", "city", "state", "country", "zipcode"):
        value = getattr(address, name)
        if value is not None:
            setattr(order, name, value.strip() or None)


async def create_order(
    session: AsyncSession, *, store: Store, data: OrderInput, actor: str, secret: str
) -> Order:
    """Create an order priced from the catalogue, taking its stock."""
    check_choice("payment_gateway", data.payment_gateway, PAYMENT_GATEWAYS)
    check_choice("payment_status", data.payment_status, PAYMENT_STATUSES)
    customer = await _customer(session, data)
    checked = await _check_lines(session, store, data.lines, data.lines_field)
    lines = _line_rows(checked)
    gross = sum((line.unit_price * line.qty for line in lines), ZERO)
    coupon = (
        await usable_coupon(session, data.coupon, subtotal=gross)
        if data.coupon
        else None
    )

    low = await _take_stock(session, checked)
    await _check_booking_capacity(session, checked)
    if coupon is not None:
        await use_coupon(session, coupon)
    # The number locks the store's row until commit: read what the event
    # needs first, so orders of one store wait for each other less.
    await prepare_events(session)
    number = await _next_number(session, store)

    order = Order(
        number=number,
        customer_id=customer.id,
        customer=customer,
        name=customer.name,
        email=customer.email,
        phone=customer.mobile,
        status="pending",
        payment_status=data.payment_status,
        payment_gateway=data.payment_gateway,
        coupon_code=coupon.code if coupon else None,
        coupon_id=coupon.id if coupon else None,
        notes=data.notes,
        source=data.source,
        lines=lines,
        history=[OrderStatusChange(from_status=None, to_status="pending", actor=actor)],
        prices_include_vat=store.prices_include_vat,
        vat_rate=store.vat_rate,
    )
    _apply_address(order, data.address)
    if data.customer is not None:
        # The order goes to the recipient as given, even for a known customer.
        _apply_recipient(order, data.customer)
    _reprice(order, lines, coupon, store.shipping_fee or ZERO)
    session.add(order)
    await session.flush()
    await _reserve_codes(
        session, [(line, p.field) for line, p in zip(lines, checked, strict=True)]
    )
    if order.payment_status == "paid":
        await _deliver_codes(session, lines, secret=secret)
    # Everything the answer shows is on ``order`` already (ids from the
    # insert, defaults set in Python): no need to read it back.
    await session.flush()
    await emit(session, "order.created", order)
    for product_id in low:
        await emit(
            session, "product.quantity.low", await get_product(session, product_id)
        )
    return order


async def _reserve_codes(
    session: AsyncSession, lines: list[tuple[OrderLine, str]]
) -> None:
    """Hold codes from a digital product's pool for each line; too few is ``422``.

    Held codes are handed over when the order is paid and go back to the pool
    if it is cancelled before that.
    """
    for line, where in lines:
        if line.type_id != DIGITAL or line.product_id is None:
            continue
        held = await session.scalar(
            select(func.count(ProductCode.id)).where(
                ProductCode.order_line_id == line.id
            )
        )
        if held:
            continue
        has_pool = await session.scalar(
            select(ProductCode.id)
            .where(ProductCode.product_id == line.product_id)
            .limit(1)
        )
        if has_pool is None:
            continue
        free = list(
            await session.scalars(
                select(ProductCode)
                .where(
                    ProductCode.product_id == line.product_id,
                    ProductCode.order_line_id.is_(None),
                )
                .order_by(ProductCode.id)
                .limit(line.qty)
                .with_for_update(skip_locked=True)
            )
        )
        if len(free) < line.qty:
            raise _fail(f"{where}.quantity", _("Not enough in stock."))
        for code in free:
            code.order_line_id = line.id


async def _deliver_codes(
    session: AsyncSession, lines: list[OrderLine], *, secret: str
) -> None:
    """Hand a paid order's digital lines their held codes and download links."""
    now = utcnow()
    for line in lines:
        if line.type_id != DIGITAL:
            continue
        held = list(
            await session.scalars(
                select(ProductCode)
                .where(ProductCode.order_line_id == line.id)
                .order_by(ProductCode.id)
            )
        )
        for code in held:
            code.assigned_at = code.assigned_at or now
        delivered = dict(line.options)
        if held:
            delivered["codes"] = [code.code for code in held]
        product = (
            await session.get(Product, line.product_id) if line.product_id else None
        )
        if product is not None and "downloads" not in delivered:
            links = await issue_links(session, line, product, secret=secret)
            if links:
                delivered["downloads"] = links
        line.options = delivered
    await session.flush()


async def _customer(session: AsyncSession, data: OrderInput) -> Customer:
    if data.customer_id is not None:
        try:
            return await get_customer(session, data.customer_id)
        except NotFound:
            raise _fail("customer_id", _("No such record in this store.")) from None
    if data.customer is None:
        raise _fail("customer", _("Name the customer, or give customer_id."))
    return await find_or_create_customer(session, data.customer)


async def _next_number(session: AsyncSession, store: Store) -> int:
    """Take the store's next display number (the store row stays locked)."""
    number = await session.scalar(
        update(Store)
        .where(Store.id == store.id)
        .values(next_order_number=Store.next_order_number + 1)
        .returning(Store.next_order_number)
        .execution_options(synchronize_session=False)
    )
    assert number is not None
    return int(number) - 1


async def change_status(
    session: AsyncSession,
    *,
    order_id: int,
    status: str | None,
    note: str | None,
    actor: str,
    payment_status: str | None = None,
    secret: str,
) -> Order:
    """Move an order along the transition table, and/or set its payment status.

    A cancel or refund returns stock exactly once; becoming paid hands over the
    codes of digital lines.
    """
    if status is None and payment_status is None:
        raise _fail("status", _("This field is required."))
    check_choice("status", status, ORDER_STATUSES)
    check_choice("payment_status", payment_status, PAYMENT_STATUSES)
    order = await get_order(session, order_id)
    current = order.status
    if status is not None and status not in ORDER_STATUSES[current].next:
        raise InvalidState("invalid_status_transition", field="status")
    was_paid = order.payment_status == "paid"

    # Guarded on the status it was read in: of two concurrent moves one wins.
    values: dict[str, Any] = {"version": Order.version + 1, "updated_at": utcnow()}
    if status is not None:
        values["status"] = status
    if payment_status is not None:
        values["payment_status"] = payment_status
    moved = await session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status == current)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if getattr(moved, "rowcount", 0) != 1:
        raise InvalidState("invalid_status_transition", field="status")
    # The row is locked now: read the lines as they are, not as they were.
    order = await get_order(session, order_id)
    if status in RETURNS_STOCK:
        await _restock_once(session, order)
    if payment_status == "paid" and not was_paid:
        await _deliver_codes(session, list(order.lines), secret=secret)
    if status is not None:
        session.add(
            OrderStatusChange(
                order_id=order.id,
                from_status=current,
                to_status=status,
                note=note,
                actor=actor,
            )
        )
    await session.flush()
    order = await get_order(session, order.id)
    if status is None:
        await emit(session, "order.updated", order)
    else:
        await emit(session, "order.status.updated", order)
    if status in STATUS_EVENTS:
        await emit(session, STATUS_EVENTS[status], order)
    return order


async def _restock_once(session: AsyncSession, order: Order) -> None:
    claimed = await session.execute(
        update(Order)
        .where(Order.id == order.id, Order.stock_returned_at.is_(None))
        .values(stock_returned_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) == 1:
        await _return_stock(session, list(order.lines))
        await _release_held_codes(session, [line.id for line in order.lines])


async def _release_held_codes(session: AsyncSession, line_ids: list[int]) -> None:
    """Give codes held for unpaid lines back; handed-over codes stay spent."""
    await session.execute(
        update(ProductCode)
        .where(
            ProductCode.order_line_id.in_(line_ids),
            ProductCode.assigned_at.is_(None),
        )
        .values(order_line_id=None)
        .execution_options(synchronize_session=False)
    )


async def edit_order(
    session: AsyncSession,
    *,
    store: Store,
    order_id: int,
    data: EditInput,
    actor: str,
    secret: str,
) -> Order:
    """Change an order's lines, customer, address, coupon or notes while it is open.

    The order row is locked first (as a status change locks it first), so
    edits and moves of one order run one after another, never interleaved.
    """
    locked = await session.execute(
        update(Order)
        .where(Order.id == order_id, Order.status.in_(EDITABLE))
        .values(version=Order.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(locked, "rowcount", 0) != 1:
        await get_order(session, order_id)  # 404 when it is not there at all
        raise InvalidState("order_not_editable")
    order = await get_order(session, order_id)

    by_id = {line.id: line for line in order.lines}
    for index, line_id in enumerate(data.remove):
        if line_id not in by_id:
            raise _fail(f"products_to_remove.{index}", _("No such line in this order."))
    update_field = {
        line_id: f"products_to_update.{i}" for i, line_id in enumerate(data.update)
    }
    for line_id, quantity in data.update.items():
        if line_id not in by_id:
            raise _fail(update_field[line_id], _("No such line in this order."))
        if quantity < 1:
            raise _fail(
                f"{update_field[line_id]}.quantity",
                _("Enter a value of at least {ge}."),
                ge=1,
            )

    # Give back what the order holds, then take what it will hold.
    await _return_stock(session, list(order.lines))
    kept = [line for line in order.lines if line.id not in data.remove]
    for line in kept:
        if line.id in data.update:
            line.qty = data.update[line.id]
    added = (
        await _check_lines(session, store, data.add, "products_to_add")
        if data.add
        else []
    )
    new_lines = _line_rows(added)
    if not kept and not new_lines:
        raise _fail("products_to_remove", _("An order needs at least one product."))
    kept_products = await _load_products(
        session, [line.product_id for line in kept if line.product_id], deleted_too=True
    )
    held_by_line = {
        line.id: _held(
            kept_products[line.product_id],
            line,
            update_field.get(line.id, "order_details"),
        )
        for line in kept
        if line.product_id in kept_products
    }
    held = list(held_by_line.values())
    _check_purchase_limits(held + added)
    await _take_stock(session, held + added)
    for line in kept:
        if line.id in held_by_line:
            line.stock_taken = _counted(held_by_line[line.id])
    await _check_booking_capacity(session, held + added, own_order=order.id)
    # Codes held for unpaid lines are taken again at the new quantities below.
    await _release_held_codes(session, [line.id for line in order.lines])

    for line in order.lines:
        if line.id in data.remove:
            await session.delete(line)
    for line in new_lines:
        line.order_id = order.id
        session.add(line)
    if data.customer is not None:
        _apply_recipient(order, data.customer)
    _apply_address(order, data.address)
    if "notes" in data.sent:
        order.notes = data.notes

    lines = kept + new_lines
    coupon = await _edited_coupon(session, order, data, lines)
    # Shipping stays what the order was charged, unless it ships nothing now.
    _reprice(order, lines, coupon, order.shipping)
    await session.flush()
    await _reserve_codes(
        session,
        [(line, update_field.get(line.id, "order_details")) for line in kept]
        + [(line, p.field) for line, p in zip(new_lines, added, strict=True)],
    )
    if order.payment_status == "paid":
        await _deliver_codes(session, lines, secret=secret)
    await session.flush()
    order = await get_order(session, order.id)
    await emit(session, "order.updated", order)
    return order


async def _edited_coupon(
    session: AsyncSession, order: Order, data: EditInput, lines: list[OrderLine]
) -> Coupon | None:
    """Apply the edit's coupon choice; a dropped or swapped coupon gets its use back."""
    gross = sum((line.unit_price * line.qty for line in lines), ZERO)
    current = await session.get(Coupon, order.coupon_id) if order.coupon_id else None
    wanted = current
    if data.clear_coupon:
        wanted = None
    elif data.coupon and (
        current is None or coupon_key(data.coupon) != current.code_key
    ):
        wanted = await usable_coupon(session, data.coupon, subtotal=gross)
        await use_coupon(session, wanted)
    if current is not None and wanted is not current:
        await release_coupon(session, current)
    if wanted is not None and wanted.min_order is not None and gross < wanted.min_order:
        raise _fail(
            "coupon",
            _("This coupon needs an order of at least {amount}."),
            amount=wanted.min_order,
        )
    order.coupon_code = wanted.code if wanted else None
    order.coupon_id = wanted.id if wanted else None
    return wanted


def _held(product: Product, line: OrderLine, where: str) -> _Priced:
    variant = next((v for v in product.variants if v.id == line.variant_id), None)
    return _Priced(
        product,
        variant,
        line.qty,
        line.unit_price,
        line.options,
        line.booking_start,
        where,
    )


def _apply_recipient(order: Order, customer: CustomerInput) -> None:
    if customer.name:
        order.name = customer.name.strip()
    if customer.email:
        order.email = normalise_email(customer.email, field="customer.email")
    if customer.phone:
        order.phone = normalise_phone(customer.phone, field="customer.phone")
