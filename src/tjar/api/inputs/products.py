"""Product bodies: the clean shape and the public reference's, side by side."""

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from tjar.api.inputs.common import (
    BilingualIn,
    BilingualName,
    Count,
    Day,
    Id,
    IdOnly,
    LongText,
    Money,
    Short,
    Sku,
    Strict,
    Text,
    Whole,
)
from tjar.domain.booking import BookingInput
from tjar.domain.catalogue import OptionInput, ProductInput, VariantInput
from tjar.domain.numbers import parse_decimal
from tjar.errors import ValidationFailed
from tjar.i18n import _

OptionType = Literal["text", "number", "textarea", "checkbox", "radio", "select"]
Weekday = Literal[
    "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"
]
MAX_CHOICES = 100
MAX_VARIANTS = 500
ClockTime = str


class OptionIn(Strict):
    id: Id | None = None
    type: OptionType
    title: BilingualName | None = None
    title_ar: Text | None = None
    title_en: Text | None = None
    sub_title: BilingualName | None = None
    is_required: bool = False
    multi_select: bool = False
    # {"ar": {"أزرق": 5}, "en": {"Blue": 5}}: label → extra cost, paired by order.
    options: dict[Literal["ar", "en"], dict[Text, Money]] | None = None

    @field_validator("options", mode="before")
    @classmethod
    def _distinct_labels(cls, value: Any) -> Any:
        """Refuse empty labels and labels that repeat once trimmed."""
        if not isinstance(value, dict):
            return value
        for language, choices in value.items():
            if not isinstance(choices, dict):
                continue
            labels = [str(label).strip() for label in choices]
            if len(choices) > MAX_CHOICES:
                raise PydanticCustomError(
                    "too_long", "too many", {"max_length": MAX_CHOICES}
                )
            if any(not label for label in labels) or len(set(labels)) != len(labels):
                raise PydanticCustomError(
                    "choice_labels",
                    "empty or repeated labels in {language}",
                    {"language": language},
                )
        return value

    def to_input(self) -> OptionInput:
        title_ar = self.title.ar if self.title and self.title.ar else self.title_ar
        title_en = self.title.en if self.title and self.title.en else self.title_en
        return OptionInput(
            id=self.id,
            type=self.type,
            title_ar=title_ar or "",
            title_en=title_en or "",
            sub_title_ar=(self.sub_title.ar if self.sub_title else None) or "",
            sub_title_en=(self.sub_title.en if self.sub_title else None) or "",
            is_required=self.is_required,
            multi_select=self.multi_select,
            choices_ar=list((self.options or {}).get("ar", {}).items()),
            choices_en=list((self.options or {}).get("en", {}).items()),
            has_choices=self.options is not None,
        )


class VariantIn(Strict):
    id: Id | None = None
    color: Short | None = None
    size: Short | None = None
    stock: Count = 0
    sku: Sku | None = None
    additional_price: Money = Field(default_factory=lambda: parse_decimal("0.00"))

    def to_input(self) -> VariantInput:
        return VariantInput(
            id=self.id,
            color=self.color or None,
            size=self.size or None,
            stock=self.stock,
            sku=self.sku or None,
            additional_price=self.additional_price,
        )


class AvailabilityIn(Strict):
    day: Weekday
    from_: ClockTime = Field(alias="from", pattern=r"^\d{2}:\d{2}$")
    to: ClockTime = Field(pattern=r"^\d{2}:\d{2}$")


class BookingIn(Strict):
    duration: Whole = Field(ge=5, le=1440, description="Minutes per slot.")
    capacity: Whole = Field(ge=1, le=100_000, description="Bookings per slot.")
    availability: list[AvailabilityIn] = Field(min_length=1, max_length=100)
    date_from: Day | None = None
    date_to: Day | None = None

    def to_input(self) -> BookingInput:
        return BookingInput(
            duration=self.duration,
            capacity=self.capacity,
            availability=[(a.day, a.from_, a.to) for a in self.availability],
            date_from=self.date_from,
            date_to=self.date_to,
        )


class DimensionsIn(Strict):
    length: Money | None = Field(default=None, validation_alias="l")
    width: Money | None = Field(default=None, validation_alias="w")
    height: Money | None = Field(default=None, validation_alias="h")

    @model_validator(mode="before")
    @classmethod
    def _short_or_long(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for short, long in (("l", "length"), ("w", "width"), ("h", "height")):
                if long in data and short not in data:
                    data = {**data, short: data[long]}
                    del data[long]
        return data


def _ids(value: Any) -> list[int] | None:
    if value is None:
        return None
    return value if isinstance(value, list) else [value]


class ProductIn(Strict):
    """Every field a product write accepts; all optional for ``PATCH``."""

    name: BilingualName | None = None
    name_ar: Text | None = None
    name_en: Text | None = None
    summary: BilingualIn | None = None
    summary_ar: LongText | None = None
    summary_en: LongText | None = None
    summery_ar: LongText | None = None
    summery_en: LongText | None = None
    description: BilingualIn | None = None
    description_ar: LongText | None = None
    description_en: LongText | None = None
    type: Literal["physical", "digital", "service", "booking"] | None = None
    type_id: Whole | None = None
    price: Money | None = None
    sale_price: Money | None = None
    cost: Money | None = None
    sku: Sku | None = None
    slug: Text | None = None
    quantity: Count | None = None
    stock: Count | None = None
    is_unlimited: bool | None = None
    is_published: bool | None = None
    is_refundable: bool | None = None
    min_purchase: Whole | None = Field(default=None, ge=1, le=1_000_000)
    max_purchase: Whole | None = Field(default=None, ge=1, le=1_000_000)
    is_inventory_warning: bool | None = None
    inventory_warning_threshold: Count | None = None
    weight: Money | None = None
    dimensions: DimensionsIn | None = None
    image_id: Id | None = None
    product_gallery: list[Id] | None = Field(default=None, max_length=50)
    brand: Id | None = None
    brand_id: Id | None = None
    category_id: list[Id] | Id | None = None
    category: list[Id] | Id | None = None
    sub_category: list[Id] | Id | None = None
    child_category: list[Id] | Id | None = None
    category_ids: list[Id] | None = None
    tags: list[IdOnly | Text] | None = Field(default=None, max_length=100)
    product_options: list[OptionIn] | None = Field(default=None, max_length=50)
    variants: list[VariantIn] | None = Field(default=None, max_length=MAX_VARIANTS)
    item_color: list[Short | None] | None = Field(default=None, max_length=MAX_VARIANTS)
    item_size: list[Short | None] | None = Field(default=None, max_length=MAX_VARIANTS)
    item_stock_count: list[Count] | None = Field(default=None, max_length=MAX_VARIANTS)
    item_additional_price: list[Money] | None = Field(
        default=None, max_length=MAX_VARIANTS
    )
    files: list[Id] | None = Field(default=None, max_length=50)
    codes: list[Text] | None = Field(default=None, max_length=10_000)
    download_limit: Whole | None = Field(default=None, ge=1, le=1000)
    download_expiry_hours: Whole | None = Field(default=None, ge=1, le=8760)
    booking: BookingIn | None = None
    # Named by the public reference; kept where the product has a place.
    badge_id: Id | None = None
    policy_description: LongText | None = None
    video_source: Literal["youtube", "vimeo"] | None = None
    video_url: Text | None = None
    status_id: Whole | None = None

    def to_input(self) -> ProductInput:
        """Fold the accepted spellings into one domain input (sent fields only)."""
        sent = self.model_fields_set
        values: dict[str, Any] = {}

        def pick(field: str, *sources: Any) -> None:
            for source in sources:
                if source is not None:
                    values[field] = source
                    return

        pick("name_ar", self.name and self.name.ar, self.name_ar)
        pick("name_en", self.name and self.name.en, self.name_en)
        pick(
            "summary_ar",
            self.summary and self.summary.ar,
            self.summary_ar,
            self.summery_ar,
        )
        pick(
            "summary_en",
            self.summary and self.summary.en,
            self.summary_en,
            self.summery_en,
        )
        pick(
            "description_ar",
            self.description and self.description.ar,
            self.description_ar,
        )
        pick(
            "description_en",
            self.description and self.description.en,
            self.description_en,
        )
        for field in (
            "price",
            "sale_price",
            "cost",
            "sku",
            "slug",
            "is_unlimited",
            "is_published",
            "is_refundable",
            "min_purchase",
            "max_purchase",
            "is_inventory_warning",
            "inventory_warning_threshold",
            "weight",
            "image_id",
            "product_gallery",
            "files",
            "codes",
            "download_limit",
            "download_expiry_hours",
            "badge_id",
            "policy_description",
            "video_source",
            "video_url",
        ):
            if field in sent:
                values[field] = getattr(self, field)
        if "quantity" in sent or "stock" in sent:
            values["stock"] = self.quantity if "quantity" in sent else self.stock
        if "brand" in sent or "brand_id" in sent:
            values["brand_id"] = self.brand_id if "brand_id" in sent else self.brand
        if "dimensions" in sent:
            values["dimensions"] = (
                None
                if self.dimensions is None
                else (
                    self.dimensions.length,
                    self.dimensions.width,
                    self.dimensions.height,
                )
            )
        category_fields = (
            "category_id",
            "category",
            "sub_category",
            "child_category",
            "category_ids",
        )
        if sent & set(category_fields):
            ids: list[int] = []
            for field in category_fields:
                ids += _ids(getattr(self, field)) or []
            values["category_ids"] = list(dict.fromkeys(ids))
        if "tags" in sent:
            values["tags"] = self.tags or []
        if "product_options" in sent:
            values["options"] = [
                option.to_input() for option in self.product_options or []
            ]
        if "booking" in sent:
            values["booking"] = self.booking.to_input() if self.booking else None
        variants = self._variants(sent)
        if variants is not None:
            values["variants"] = variants
        return ProductInput(
            values=values,
            type_slug=self.type,
            type_id=self.type_id,
            sent_as=self._sent_as(sent),
        )

    @staticmethod
    def _sent_as(sent: set[str]) -> dict[str, str]:
        """Name errors after the field the caller actually sent."""
        names = {"stock": "quantity" if "quantity" in sent else "stock"}
        if "brand" in sent and "brand_id" not in sent:
            names["brand_id"] = "brand"
        if sent & {
            "item_color",
            "item_size",
            "item_stock_count",
            "item_additional_price",
        }:
            names["variants"] = next(
                name
                for name in (
                    "item_color",
                    "item_size",
                    "item_stock_count",
                    "item_additional_price",
                )
                if name in sent
            )
        return names

    def _variants(self, sent: set[str]) -> list[VariantInput] | None:
        parallel = (
            "item_color",
            "item_size",
            "item_stock_count",
            "item_additional_price",
        )
        given = [
            field
            for field in parallel
            if field in sent and getattr(self, field) is not None
        ]
        if "variants" in sent:
            if given:
                raise ValidationFailed.single(
                    "variants",
                    _("Send either variants or the item_* arrays, not both."),
                )
            return [variant.to_input() for variant in self.variants or []]
        if not given:
            return None
        lengths = {len(getattr(self, field)) for field in given}
        if len(lengths) != 1:
            raise ValidationFailed.single(
                given[0], _("The item_* arrays must all have the same length.")
            )
        count = lengths.pop()
        colors = self.item_color or [None] * count
        sizes = self.item_size or [None] * count
        stocks = self.item_stock_count or [0] * count
        extras = self.item_additional_price or [parse_decimal("0.00")] * count
        return [
            VariantInput(
                id=None,
                color=colors[i] or None,
                size=sizes[i] or None,
                stock=stocks[i],
                sku=None,
                additional_price=extras[i],
            )
            for i in range(count)
        ]
