"""Order and payment statuses: their labels, colours and allowed moves."""

from collections.abc import Iterable
from dataclasses import dataclass

from tjar.errors import ValidationFailed
from tjar.i18n import _


@dataclass(frozen=True)
class Status:
    value: str
    label_en: str
    label_ar: str
    color: str
    next: tuple[str, ...] = ()


ORDER_STATUSES: dict[str, Status] = {
    s.value: s
    for s in (
        Status(
            "pending", "Pending", "قيد الانتظار", "warning", ("processing", "cancelled")
        ),
        Status(
            "processing",
            "Processing",
            "قيد التنفيذ",
            "info",
            ("ready_for_shipping", "shipped", "completed", "cancelled"),
        ),
        Status(
            "ready_for_shipping",
            "Ready for shipping",
            "جاهز للشحن",
            "primary",
            ("shipped", "cancelled"),
        ),
        Status("shipped", "Shipped", "تم الشحن", "primary", ("delivered",)),
        Status(
            "delivered", "Delivered", "تم التوصيل", "success", ("completed", "refunded")
        ),
        Status("completed", "Completed", "مكتمل", "success", ("refunded",)),
        Status("cancelled", "Cancelled", "ملغي", "danger"),
        Status("refunded", "Refunded", "مسترجع", "secondary"),
    )
}

PAYMENT_STATUSES: dict[str, Status] = {
    s.value: s
    for s in (
        Status("pending", "Pending", "قيد الانتظار", "warning"),
        Status("paid", "Paid", "مدفوع", "success"),
        Status("failed", "Failed", "فشل الدفع", "danger"),
        Status("refunded", "Refunded", "مسترجع", "secondary"),
    )
}

PAYMENT_GATEWAYS: dict[str, tuple[str, str]] = {
    "tjar-pay": ("Tjar Pay", "تجار باي"),
    "cod": ("Cash on delivery", "الدفع عند الاستلام"),
    "bank_transfer": ("Bank transfer", "تحويل بنكي"),
}

PRODUCT_TYPES: dict[int, tuple[str, str, str]] = {
    1: ("physical", "Physical", "مادي"),
    2: ("digital", "Digital", "رقمي"),
    3: ("service", "Service", "خدمة"),
    4: ("booking", "Booking", "حجز"),
}


def check_choice(field: str, value: str | None, choices: Iterable[str]) -> None:
    """Refuse ``value`` (``422`` on ``field``) unless it is one of ``choices``."""
    allowed = list(choices)
    if value is not None and value not in allowed:
        raise ValidationFailed.single(
            field, _("Choose one of: {choices}."), choices=", ".join(allowed)
        )
