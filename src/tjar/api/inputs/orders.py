"""Order bodies: create, change status, edit (clean JSON or the reference's form)."""

from datetime import date, datetime, time
from typing import Any, Literal

from pydantic import Field, model_validator

from tjar.api.inputs.common import Id, LongText, Money, Strict, Text, Whole
from tjar.domain.coupons import CouponInput
from tjar.domain.customers import CustomerInput
from tjar.domain.ordering import (
    AddressInput,
    ChosenOption,
    EditInput,
    LineInput,
    OrderInput,
)
from tjar.errors import ValidationFailed
from tjar.i18n import _

Quantity = Whole


class CustomerIn(Strict):
    name: Text | None = None
    email: Text | None = None
    phone: Text | None = None
    mobile: Text | None = None
    # The reference's edit-order spellings.
    user_id: Id | None = None
    different_recipient: bool | None = None
    user_recipient_name: Text | None = None
    user_email_recipient: Text | None = None
    user_mobile_recipient: Text | None = None

    def to_input(self) -> CustomerInput:
        return CustomerInput(
            name=self.user_recipient_name or self.name,
            email=self.user_email_recipient or self.email,
            phone=self.user_mobile_recipient or self.phone or self.mobile,
        )


class AddressIn(Strict):
    address: LongText | None = None
    city: Text | None = None
    state: Text | None = None
    country: Text | None = None
    zip_code: Text | None = None
    zipcode: Text | None = None
    # Named by the reference; ids of its own address book, kept for shape only.
    country_id: Whole | None = None
    city_id: Whole | None = None
    shipping_id: Whole | None = None

    def to_input(self) -> AddressInput:
        return AddressInput(
            address=self.address,
            city=self.city,
            state=self.state,
            country=self.country,
            zipcode=self.zip_code if self.zip_code is not None else self.zipcode,
        )


class ChosenOptionIn(Strict):
    id: Id | None = None
    name: Text | None = None
    type: Text | None = None
    value: Text | list[Text] | None = None


class BookingChoiceIn(Strict):
    date: date
    time: time


class LineIn(Strict):
    id: Id | None = None
    product_id: Id | None = None
    quantity: Quantity = Field(ge=1, le=100_000)
    variant_id: Id | None = None
    product_options: list[ChosenOptionIn] = Field(default_factory=list, max_length=50)
    booking: BookingChoiceIn | None = None
    # The reference sends these beside variant_id; the variant decides.
    color_name: Text | None = None
    size_name: Text | None = None

    @model_validator(mode="after")
    def _one_id(self) -> "LineIn":
        if (self.id is None) == (self.product_id is None):
            raise ValueError("give the product as id (or product_id)")
        return self

    def to_input(self) -> LineInput:
        product_id = self.id if self.id is not None else self.product_id
        assert product_id is not None
        return LineInput(
            product_id=product_id,
            quantity=self.quantity,
            variant_id=self.variant_id,
            options=[ChosenOption(o.id, o.name, o.value) for o in self.product_options],
            booking=(self.booking.date, self.booking.time) if self.booking else None,
        )


class OrderIn(Strict):
    customer: CustomerIn | None = None
    customer_id: Id | None = None
    products: list[LineIn] | None = Field(default=None, max_length=200)
    items: list[LineIn] | None = Field(default=None, max_length=200)
    shipping_address: AddressIn | None = None
    coupon: Text | None = None
    payment_gateway: Text | None = None
    payment_status: Text = "pending"
    notes: LongText | None = None
    source: Literal["api", "dashboard", "storefront"] = "api"

    def to_input(self) -> OrderInput:
        if self.products is not None and self.items is not None:
            raise ValidationFailed.single(
                "items", _("Send either products or items, not both.")
            )
        lines = self.products if self.products is not None else self.items or []
        return OrderInput(
            lines=[line.to_input() for line in lines],
            customer_id=self.customer_id,
            customer=self.customer.to_input() if self.customer else None,
            address=self.shipping_address.to_input() if self.shipping_address else None,
            coupon=self.coupon or None,
            payment_gateway=self.payment_gateway,
            payment_status=self.payment_status,
            notes=self.notes,
            source=self.source,
            lines_field="products" if self.products is not None else "items",
        )


class StatusIn(Strict):
    status: Text | None = None
    payment_status: Text | None = Field(
        default=None, description="Optional: `paid` hands digital lines their codes."
    )
    note: LongText | None = None


class LineUpdateIn(Strict):
    line_id: Id
    quantity: Quantity = Field(ge=1, le=100_000)


class EditIn(Strict):
    products_to_add: list[LineIn] = Field(default_factory=list, max_length=200)
    products_to_update: list[LineUpdateIn] = Field(default_factory=list, max_length=200)
    products_to_remove: list[Id] = Field(default_factory=list, max_length=200)
    customer: CustomerIn | None = None
    shipping_address: AddressIn | None = None
    coupon: Text | None = None
    notes: LongText | None = None

    @model_validator(mode="before")
    @classmethod
    def _form_lists(cls, data: Any) -> Any:
        """Form bodies send lists as ``{"0": …, "1": …}``; read them as lists."""
        if isinstance(data, dict):
            return {key: _as_list(value) for key, value in data.items()}
        return data

    def to_input(self) -> EditInput:
        sent = frozenset(self.model_fields_set)
        return EditInput(
            add=[line.to_input() for line in self.products_to_add],
            update={item.line_id: item.quantity for item in self.products_to_update},
            remove=list(self.products_to_remove),
            customer=self.customer.to_input() if self.customer else None,
            address=self.shipping_address.to_input() if self.shipping_address else None,
            coupon=self.coupon or None,
            clear_coupon="coupon" in sent and not self.coupon,
            notes=self.notes,
            sent=sent,
        )


def _as_list(value: Any) -> Any:
    if isinstance(value, dict) and value and all(key.isdigit() for key in value):
        return [_as_list(value[key]) for key in sorted(value, key=int)]
    if isinstance(value, dict):
        return {key: _as_list(item) for key, item in value.items()}
    return value


class CustomerCreateIn(Strict):
    name: Text
    email: Text | None = None
    phone: Text | None = None
    mobile: Text | None = None

    def to_input(self) -> CustomerInput:
        return CustomerInput(
            name=self.name, email=self.email, phone=self.phone or self.mobile
        )


class CouponIn(Strict):
    code: Text
    type: Literal["percentage", "fixed"]
    value: Money
    min_order: Money | None = None
    expires_at: datetime | None = None
    usage_limit: Whole | None = Field(default=None, ge=1)

    def to_input(self) -> CouponInput:
        return CouponInput(
            code=self.code,
            type=self.type,
            value=self.value,
            min_order=self.min_order,
            expires_at=self.expires_at,
            usage_limit=self.usage_limit,
        )
