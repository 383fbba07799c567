"""Response shapes for the OpenAPI document.

Handlers build their bodies with ``tjar.representation`` and return them
directly; these models describe the same shapes for integrators, and the
tests validate real responses against them so the two cannot drift apart.
"""

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Bilingual(Shape):
    ar: str
    en: str


class StatusRead(Shape):
    value: str
    label: Bilingual
    color: str


class StatusWithNext(StatusRead):
    next: list[str] = Field(description="Statuses this one may move to.")


class GatewayRead(Shape):
    value: str
    label: Bilingual


class OrderCustomerRead(Shape):
    id: int
    name: str
    email: str | None
    mobile: str | None = Field(description="E.164, e.g. +966512345678.")
    avatar: str | None


class OrderLineRead(Shape):
    id: int
    product_id: int | None
    name: Bilingual
    sku: str | None
    qty: int
    price: float = Field(description="Unit price at the store's price basis.")
    formatted_price: str
    variant_id: int | None
    weight: float | None
    type: int = Field(
        description="Product type id: 1 physical, 2 digital, 3 service, 4 booking."
    )
    type_label: str
    options: dict[str, Any]
    discount: float
    tax: float
    subtotal: float
    formatted_subtotal: str


class StatusChangeRead(Shape):
    from_: str | None = Field(alias="from")
    to: str
    note: str | None
    by: str = Field(description="Who moved it, e.g. `api_key:3`.")
    at: str


class CustomerRead(Shape):
    id: int
    identifier: int
    name: str
    email: str | None
    mobile: str | None = Field(description="E.164, e.g. +966512345678.")
    avatar: str | None
    created_at: str
    updated_at: str


class CouponRead(Shape):
    id: int
    identifier: int
    code: str
    type: Literal["percentage", "fixed"]
    value: float
    min_order: float | None
    expires_at: str | None
    usage_limit: int | None
    used_count: int
    created_at: str


class StoreRead(Shape):
    id: int
    name: str
    domain: str
    default_language: Literal["ar", "en"]
    timezone: str
    prices_include_vat: bool
    vat_rate: float
    shipping_fee: float | None
    webhook_limit: int
    created_at: str


class OrderRead(Shape):
    id: int
    identifier: int
    order_id: str = Field(description="The store's display number of the order.")
    name: str
    email: str | None
    phone: str | None
    customer: OrderCustomerRead | None
    address: str | None
    city: str | None
    state: str | None
    country: str | None
    zipcode: str | None
    full_address: str | None
    status: StatusRead
    payment_status: StatusRead
    payment_gateway: GatewayRead | None
    transaction_id: str | None
    coupon: str | None
    coupon_discounted: float
    formatted_coupon_discounted: str
    order_details: list[OrderLineRead]
    subtotal: float
    formatted_subtotal: str
    shipping: float
    formatted_shipping: str
    tax: float
    total_amount: float
    formatted_total_amount: str
    notes: str | None
    source: str
    version: int
    status_history: list[StatusChangeRead]
    created_at: str
    updated_at: str


class LabelRead(Shape):
    id: int
    identifier: int
    name: Bilingual


class CategoryRead(LabelRead):
    parent_id: int | None


class MediaRead(Shape):
    id: int
    identifier: int
    url: str | None = Field(description="Null for private files.")
    visibility: Literal["public", "private"]
    mime_type: str
    size: int
    width: int | None
    height: int | None
    alt: Bilingual
    original_filename: str
    created_at: str


class OptionRead(Shape):
    id: int
    type: Literal["text", "number", "textarea", "checkbox", "radio", "select"]
    title: Bilingual
    sub_title: Bilingual
    is_required: bool
    multi_select: bool
    options: dict[str, dict[str, float]] | None = Field(
        description="Per language, choice label → extra cost; null for free input."
    )


class VariantRead(Shape):
    id: int
    color: str | None
    size: str | None
    stock: int
    sku: str | None
    additional_price: float


class CodesRead(Shape):
    total: int
    available: int


class DigitalRead(Shape):
    files: list[MediaRead]
    codes: CodesRead
    download_limit: int | None
    download_expiry_hours: int | None


class AvailabilityRead(Shape):
    day: str
    from_: str = Field(alias="from")
    to: str


class BookingRead(Shape):
    duration: int = Field(description="Minutes per slot.")
    capacity: int = Field(description="Bookings per slot.")
    availability: list[AvailabilityRead]
    date_from: str | None
    date_to: str | None


class DimensionsRead(Shape):
    length: float | None
    width: float | None
    height: float | None


class ProductRead(Shape):
    id: int
    identifier: int
    name: Bilingual
    summary: Bilingual
    description: Bilingual
    type: Literal["physical", "digital", "service", "booking"]
    type_id: int
    slug: str
    sku: str | None
    price: float
    formatted_price: str
    sale_price: float | None
    formatted_sale_price: str | None
    cost: float | None
    stock: int | None = Field(description="Null when not counted (unlimited).")
    quantity: int | None = Field(description="The same as `stock`.")
    is_unlimited: bool
    is_published: bool
    is_refundable: bool
    min_purchase: int
    max_purchase: int | None
    is_inventory_warning: bool
    inventory_warning_threshold: int | None
    weight: float | None
    dimensions: DimensionsRead | None
    image: str | None = Field(description="URL of the main image.")
    image_id: int | None
    gallery: list[MediaRead]
    brand: LabelRead | None
    categories: list[CategoryRead]
    tags: list[LabelRead]
    product_options: list[OptionRead]
    variants: list[VariantRead]
    digital: DigitalRead | None = Field(
        default=None, description="Digital products only."
    )
    booking: BookingRead | None = Field(
        default=None, description="Booking products only."
    )
    badge_id: int | None
    policy_description: str | None
    video_source: str | None
    video_url: str | None
    ratings: float | None
    created_at: str
    updated_at: str


class SlotRead(Shape):
    start: str
    end: str
    capacity: int
    available: int


class SlotList(Shape):
    slots: list[SlotRead]


class Pagination(Shape):
    current_page: int | None = Field(description="Null in cursor mode.")
    per_page: int
    total: int
    last_page: int
    next_cursor: str | None = Field(
        description="Pass back as `cursor` for the next page."
    )


class Envelope(Shape, Generic[T]):
    status: Literal["success"]
    message: str
    data: T


class OrderList(Shape):
    orders: list[OrderRead]
    pagination: Pagination


class ProductList(Shape):
    products: list[ProductRead]
    pagination: Pagination


class CustomerList(Shape):
    customers: list[CustomerRead]
    pagination: Pagination


class CouponList(Shape):
    coupons: list[CouponRead]
    pagination: Pagination


class MediaList(Shape):
    media: list[MediaRead]
    pagination: Pagination


class MediaUploaded(Shape):
    media: list[MediaRead]


class BrandList(Shape):
    brands: list[LabelRead]
    pagination: Pagination


class CategoryList(Shape):
    categories: list[CategoryRead]
    pagination: Pagination


class TagList(Shape):
    tags: list[LabelRead]
    pagination: Pagination


class StatusList(Shape):
    statuses: list[StatusWithNext]


class LastDeliveryRead(Shape):
    id: int
    event: str
    status: Literal["pending", "succeeded", "failed"]
    status_code: int | None
    error: str | None
    attempted_at: str | None


class WebhookRead(Shape):
    id: int
    identifier: int
    name: str
    url: str
    events: list[str]
    is_active: bool
    status: Literal["active", "failing", "disabled"]
    disabled_reason: str | None = Field(
        description="`gone` (the endpoint answered 410) or `failed_5_days`; "
        "null when turned off by the store."
    )
    disabled_at: str | None
    failing_since: str | None = Field(
        description="First failed attempt since the last success."
    )
    previous_secret_expires_at: str | None = Field(
        description="Until then, deliveries carry a second signature "
        "made with the secret before the last refresh."
    )
    last_delivery: LastDeliveryRead | None
    created_at: str
    updated_at: str


class WebhookWithSecret(WebhookRead):
    secret: str = Field(description="Shown only in this answer: keep it.")


class Usage(Shape):
    used: int
    limit: int


class WebhookList(Shape):
    webhooks: list[WebhookRead]
    usage: Usage
    pagination: Pagination


class EventTypeRead(Shape):
    name: str
    description: Bilingual


class EventTypeList(Shape):
    events: list[EventTypeRead]


class AttemptRead(Shape):
    number: int
    attempted_at: str
    duration_ms: int
    status_code: int | None
    response_excerpt: str | None = Field(description="Start of the answer's body.")
    error: str | None = Field(description="Timeout or connection error, if any.")


class DeliveryRead(Shape):
    id: int
    webhook_id: int
    event_id: str = Field(description="The `webhook-id` header of every attempt.")
    event: str
    status: Literal["pending", "succeeded", "failed"]
    attempt_count: int
    next_attempt_at: str | None
    last_status_code: int | None
    last_error: str | None
    created_at: str
    completed_at: str | None
    attempts: list[AttemptRead]


class DeliveryList(Shape):
    deliveries: list[DeliveryRead]
    pagination: Pagination


class VerifyResult(Shape):
    valid: bool
    reason: (
        Literal[
            "bad_signature",
            "timestamp_out_of_tolerance",
            "unknown_webhook",
            "missing_header",
        ]
        | None
    )


class ErrorEnvelope(Shape):
    status: Literal["error"]
    message: str
    code: str = Field(description="Stable machine code, e.g. `validation_failed`.")
    errors: dict[str, list[str]] | None = Field(
        default=None, description="Field path to messages, on `422`."
    )
    request_id: str | None = Field(default=None, description="On `500` only.")


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorEnvelope, "description": description}


ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("Malformed body (`malformed_request`)."),
    401: _error("Missing, wrong or revoked API key (`unauthenticated`)."),
    404: _error("Unknown store, record or route."),
    413: _error("Body over the size limit (`payload_too_large`)."),
    415: _error("Body not sent as JSON (`unsupported_media_type`)."),
    422: _error("Invalid input (`validation_failed`), with per-field messages."),
    429: _error("Rate limit reached (`rate_limited`); see `Retry-After`."),
    500: _error("A bug on our side; the body carries `request_id`."),
}
