"""The events a webhook can subscribe to, with their descriptions."""

from dataclasses import dataclass


@dataclass(frozen=True)
class EventType:
    name: str
    description_ar: str
    description_en: str


EVENT_TYPES: dict[str, EventType] = {
    item.name: item
    for item in (
        EventType(
            "order.created",
            "أُنشئ طلب جديد.",
            "A new order was placed.",
        ),
        EventType(
            "order.updated",
            "عُدّل طلب: منتجاته أو عميله أو عنوانه أو قسيمته أو حالة دفعه.",
            "An order's lines, customer, address, coupon or payment status changed.",
        ),
        EventType(
            "order.status.updated",
            "تغيّرت حالة طلب.",
            "An order moved to another status.",
        ),
        EventType(
            "order.cancelled",
            "أُلغي طلب.",
            "An order was cancelled.",
        ),
        EventType(
            "order.refunded",
            "استُرجع مبلغ طلب.",
            "An order was refunded.",
        ),
        EventType(
            "product.created",
            "أُضيف منتج.",
            "A product was created.",
        ),
        EventType(
            "product.updated",
            "عُدّل منتج.",
            "A product was changed.",
        ),
        EventType(
            "product.deleted",
            "حُذف منتج.",
            "A product was deleted.",
        ),
        EventType(
            "product.quantity.low",
            "بلغ مخزون منتج حد التنبيه الذي حدده المتجر.",
            "A product's stock fell to the alert threshold the store set.",
        ),
        EventType(
            "customer.created",
            "سُجّل عميل جديد.",
            "A new customer was added.",
        ),
        EventType(
            "abandoned_cart.created",
            "تُركت سلة دون إتمام الطلب.",
            "A cart was left without an order.",
        ),
        EventType(
            "abandoned_cart.reminder.sent",
            "أُرسل تذكير بسلة متروكة.",
            "A reminder about an abandoned cart was sent.",
        ),
        EventType(
            "webhook.test",
            "حدث تجريبي يُرسل عند الطلب لفحص نقطة الاستقبال.",
            "A test event, sent on request to check an endpoint.",
        ),
    )
}

TEST_EVENT = "webhook.test"
