"""The order as integrators read it (contract §6 and §11)."""

from typing import Any

from tjar.db.models import Coupon, Customer, Order, OrderLine, OrderStatusChange
from tjar.domain.statuses import (
    ORDER_STATUSES,
    PAYMENT_GATEWAYS,
    PAYMENT_STATUSES,
    PRODUCT_TYPES,
    Status,
)
from tjar.representation.common import (
    Context,
    bilingual,
    formatted,
    money,
    status,
    timestamp,
)


def _line(ctx: Context, line: OrderLine) -> dict[str, Any]:
    _, label_en, label_ar = PRODUCT_TYPES[line.type_id]
    return {
        "id": line.id,
        "product_id": line.product_id,
        "name": bilingual(line.name_ar, line.name_en),
        "sku": line.sku,
        "qty": line.qty,
        "price": money(ctx, line.unit_price),
        "formatted_price": formatted(ctx, line.unit_price),
        "variant_id": line.variant_id,
        "weight": None if line.weight is None else float(line.weight),
        "type": line.type_id,
        "type_label": label_ar if ctx.language == "ar" else label_en,
        "options": _options(ctx, line.options),
        "discount": money(ctx, line.discount),
        "tax": money(ctx, line.tax),
        "subtotal": money(ctx, line.subtotal),
        "formatted_subtotal": formatted(ctx, line.subtotal),
    }


def _options(ctx: Context, options: dict[str, Any]) -> dict[str, Any]:
    """Return a line's options with download links made absolute for the reader."""
    downloads = options.get("downloads")
    if not downloads:
        return options
    links = [
        {
            "file": link["file"],
            "url": f"{ctx.base_url}{link['path']}",
            "expires_at": link["expires_at"],
            "download_limit": link["download_limit"],
        }
        for link in downloads
    ]
    return {**options, "downloads": links}


def _gateway(value: str | None) -> dict[str, Any] | None:
    if value is None:
        return None
    en, ar = PAYMENT_GATEWAYS.get(value, (value, value))
    return {"value": value, "label": {"ar": ar, "en": en}}


def customer_data(ctx: Context, customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "identifier": customer.id,
        "name": customer.name,
        "email": customer.email,
        "mobile": customer.mobile,
        "avatar": customer.avatar,
        "created_at": timestamp(ctx, customer.created_at),
        "updated_at": timestamp(ctx, customer.updated_at),
    }


def _customer(order: Order) -> dict[str, Any] | None:
    customer = order.customer
    if customer is None:
        return None
    return {
        "id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "mobile": customer.mobile,
        "avatar": customer.avatar,
    }


def _change(ctx: Context, change: OrderStatusChange) -> dict[str, Any]:
    return {
        "from": change.from_status,
        "to": change.to_status,
        "note": change.note,
        "by": change.actor,
        "at": timestamp(ctx, change.created_at),
    }


def coupon_data(ctx: Context, coupon: Coupon) -> dict[str, Any]:
    return {
        "id": coupon.id,
        "identifier": coupon.id,
        "code": coupon.code,
        "type": coupon.type,
        "value": money(ctx, coupon.value),
        "min_order": money(ctx, coupon.min_order),
        "expires_at": timestamp(ctx, coupon.expires_at),
        "usage_limit": coupon.usage_limit,
        "used_count": coupon.used_count,
        "created_at": timestamp(ctx, coupon.created_at),
    }


def _known(table: dict[str, Status], value: str) -> Status:
    return table.get(value) or Status(value, value, value, "secondary")


def order_data(ctx: Context, order: Order) -> dict[str, Any]:
    """Represent ``order`` with its lines and customer (both loaded)."""
    address_parts = [
        order.address,
        order.city,
        order.state,
        order.zipcode,
        order.country,
    ]
    return {
        "id": order.id,
        "identifier": order.id,
        "order_id": str(order.number),
        "name": order.name,
        "email": order.email,
        "phone": order.phone,
        "customer": _customer(order),
        "address": order.address,
        "city": order.city,
        "state": order.state,
        "country": order.country,
        "zipcode": order.zipcode,
        "full_address": ", ".join(part for part in address_parts if part) or None,
        "status": status(_known(ORDER_STATUSES, order.status)),
        "payment_status": status(_known(PAYMENT_STATUSES, order.payment_status)),
        "payment_gateway": _gateway(order.payment_gateway),
        "transaction_id": order.transaction_id,
        "coupon": order.coupon_code,
        "coupon_discounted": money(ctx, order.coupon_discounted),
        "formatted_coupon_discounted": formatted(ctx, order.coupon_discounted),
        "order_details": [_line(ctx, line) for line in order.lines],
        "subtotal": money(ctx, order.subtotal),
        "formatted_subtotal": formatted(ctx, order.subtotal),
        "shipping": money(ctx, order.shipping),
        "formatted_shipping": formatted(ctx, order.shipping),
        "tax": money(ctx, order.tax),
        "total_amount": money(ctx, order.total_amount),
        "formatted_total_amount": formatted(ctx, order.total_amount),
        "notes": order.notes,
        "source": order.source,
        "version": order.version,
        "status_history": [_change(ctx, change) for change in order.history],
        "created_at": timestamp(ctx, order.created_at),
        "updated_at": timestamp(ctx, order.updated_at),
    }


def status_list() -> list[dict[str, Any]]:
    """Every order status with the statuses it may move to."""
    return [
        {**status(item), "next": list(item.next)} for item in ORDER_STATUSES.values()
    ]
