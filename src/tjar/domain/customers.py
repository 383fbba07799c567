"""Customers of a store: unique by email and by mobile (E.164)."""

import re
from dataclasses import dataclass

import phonenumbers
from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tjar.db.models import Customer
from tjar.domain.numbers import ascii_digits
from tjar.domain.paging import Page, PageRequest, paginate, pick_sort, standard_sorts
from tjar.domain.text import escape_like
from tjar.errors import Conflict, NotFound, ValidationFailed
from tjar.i18n import _
from tjar.webhooks.outbox import emit

DEFAULT_REGION = "SA"
_DIALLED = re.compile(r"^\+?\d{6,16}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
CUSTOMER_SORTS = standard_sorts(Customer)


@dataclass(frozen=True)
class CustomerInput:
    name: str | None = None
    email: str | None = None
    phone: str | None = None


def normalise_phone(value: str, *, field: str = "phone") -> str:
    """Return a mobile number as E.164; Saudi numbers may be written locally.

    ``05…``, ``5…``, ``9665…``, ``009665…``, ``+9665…`` and Arabic-Indic digits
    all read as the same number; a number that cannot exist is ``422``.
    """
    text = ascii_digits(value).replace(" ", "").replace("-", "")
    if not _DIALLED.match(text):
        raise ValidationFailed.single(field, _("Enter a valid mobile number."))
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.startswith("966"):
        text = "+" + text
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationFailed.single(field, _("Enter a valid mobile number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(value: str, *, field: str = "email") -> str:
    email = value.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise ValidationFailed.single(field, _("Enter a valid email address."))
    return email


async def find_customer(
    session: AsyncSession, *, email: str | None, mobile: str | None
) -> Customer | None:
    """Find the store's customer by email first, then by mobile."""
    if email:
        found = await session.scalar(select(Customer).where(Customer.email == email))
        if found is not None:
            return found
    if mobile:
        return await session.scalar(select(Customer).where(Customer.mobile == mobile))
    return None


def _contact(data: CustomerInput, prefix: str) -> tuple[str | None, str | None]:
    email = normalise_email(data.email, field=f"{prefix}email") if data.email else None
    mobile = normalise_phone(data.phone, field=f"{prefix}phone") if data.phone else None
    return email, mobile


async def _insert(
    session: AsyncSession,
    data: CustomerInput,
    email: str | None,
    mobile: str | None,
    prefix: str,
) -> Customer | None:
    """Add a customer in a savepoint; None if a concurrent request added them."""
    name = (data.name or "").strip()
    if not name:
        raise ValidationFailed.single(f"{prefix}name", _("This field is required."))
    if email is None and mobile is None:
        raise ValidationFailed.single(
            f"{prefix}email", _("Give an email address or a mobile number.")
        )
    customer = Customer(name=name, email=email, mobile=mobile)
    try:
        async with session.begin_nested():
            session.add(customer)
    except IntegrityError:
        return None
    await emit(session, "customer.created", customer)
    return customer


async def create_customer(session: AsyncSession, data: CustomerInput) -> Customer:
    """Create a customer; an email or mobile the store already has is ``409``."""
    email, mobile = _contact(data, "")
    if email and await find_customer(session, email=email, mobile=None):
        raise Conflict("customer_exists", field="email")
    if mobile and await find_customer(session, email=None, mobile=mobile):
        raise Conflict("customer_exists", field="phone")
    customer = await _insert(session, data, email, mobile, "")
    if customer is None:
        raise Conflict("customer_exists", field="email" if email else "phone")
    return customer


async def find_or_create_customer(
    session: AsyncSession, data: CustomerInput
) -> Customer:
    """Return the customer an order names by email or mobile, creating one if new.

    Of two orders creating the same new customer at once, both get that one.
    """
    email, mobile = _contact(data, "customer.")
    found = await find_customer(session, email=email, mobile=mobile)
    if found is None:
        found = await _insert(session, data, email, mobile, "customer.")
    if found is None:
        found = await find_customer(session, email=email, mobile=mobile)
    if found is None:
        raise Conflict("customer_exists")
    return found


def _filtered(
    email: str | None, phone: str | None, search: str | None
) -> Select[Customer]:
    query = select(Customer)
    if email is not None:
        query = query.where(Customer.email == normalise_email(email))
    if phone is not None:
        query = query.where(Customer.mobile == normalise_phone(phone))
    if search:
        pattern = f"%{escape_like(search.strip().lower())}%"
        query = query.where(
            or_(
                Customer.name.ilike(pattern, escape="\\"),
                Customer.email.ilike(pattern, escape="\\"),
            )
        )
    return query


async def list_customers(
    session: AsyncSession,
    *,
    page: PageRequest,
    email: str | None = None,
    phone: str | None = None,
    search: str | None = None,
    sort: str = "-created_at",
) -> Page[Customer]:
    chosen = pick_sort(CUSTOMER_SORTS, sort)
    return await paginate(
        session, _filtered(email, phone, search), sort=chosen, request=page
    )


async def get_customer(session: AsyncSession, customer_id: int) -> Customer:
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("customer_not_found")
    return customer
