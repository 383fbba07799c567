"""Coupons: a percentage or a fixed amount off, with limits."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tjar.clock import utcnow
from tjar.db.models import Coupon
from tjar.domain.paging import Page, PageRequest, paginate, pick_sort, standard_sorts
from tjar.domain.pricing import coupon_discount
from tjar.errors import Conflict, ValidationFailed
from tjar.i18n import _

COUPON_SORTS = standard_sorts(Coupon)


@dataclass(frozen=True)
class CouponInput:
    code: str
    type: str
    value: Decimal
    min_order: Decimal | None = None
    expires_at: datetime | None = None
    usage_limit: int | None = None


def coupon_key(code: str) -> str:
    return code.strip().upper()


async def create_coupon(session: AsyncSession, data: CouponInput) -> Coupon:
    key = coupon_key(data.code)
    if not key:
        raise ValidationFailed.single("code", _("This field is required."))
    if data.type == "percentage" and not 0 < data.value <= 100:
        raise ValidationFailed.single(
            "value", _("Enter a percentage above 0 and up to 100.")
        )
    if data.type == "fixed" and data.value <= 0:
        raise ValidationFailed.single("value", _("Enter an amount above zero."))
    if data.expires_at is not None and data.expires_at.tzinfo is None:
        raise ValidationFailed.single(
            "expires_at", _("A timestamp needs its UTC offset.")
        )
    if await session.scalar(select(Coupon.id).where(Coupon.code_key == key)):
        raise Conflict("coupon_exists", field="code")
    coupon = Coupon(
        code=data.code.strip(),
        code_key=key,
        type=data.type,
        value=data.value,
        min_order=data.min_order,
        expires_at=data.expires_at,
        usage_limit=data.usage_limit,
    )
    try:
        async with session.begin_nested():
            session.add(coupon)
    except IntegrityError:
        raise Conflict("coupon_exists", field="code") from None
    return coupon


async def list_coupons(session: AsyncSession, *, page: PageRequest) -> Page[Coupon]:
    return await paginate(
        session,
        select(Coupon),
        sort=pick_sort(COUPON_SORTS, "-created_at"),
        request=page,
    )


async def usable_coupon(
    session: AsyncSession, code: str, *, subtotal: Decimal, field: str = "coupon"
) -> Coupon:
    """Return the coupon named ``code`` if it applies to ``subtotal``; else ``422``."""
    coupon = await session.scalar(
        select(Coupon).where(Coupon.code_key == coupon_key(code))
    )
    if coupon is None:
        raise ValidationFailed.single(field, _("No such coupon."))
    if coupon.expires_at is not None and coupon.expires_at <= utcnow():
        raise ValidationFailed.single(field, _("This coupon has expired."))
    if coupon.usage_limit is not None and coupon.used_count >= coupon.usage_limit:
        raise ValidationFailed.single(field, _("This coupon has been used up."))
    if coupon.min_order is not None and subtotal < coupon.min_order:
        raise ValidationFailed.single(
            field,
            _("This coupon needs an order of at least {amount}."),
            amount=coupon.min_order,
        )
    return coupon


async def use_coupon(
    session: AsyncSession, coupon: Coupon, *, field: str = "coupon"
) -> None:
    """Count one use; the guard in the UPDATE holds the limit under concurrency."""
    result = await session.execute(
        update(Coupon)
        .where(
            Coupon.id == coupon.id,
            (Coupon.usage_limit.is_(None)) | (Coupon.used_count < Coupon.usage_limit),
        )
        .values(used_count=Coupon.used_count + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise ValidationFailed.single(field, _("This coupon has been used up."))


async def release_coupon(session: AsyncSession, coupon: Coupon) -> None:
    """Give back one use of ``coupon`` (an order dropped it)."""
    await session.execute(
        update(Coupon)
        .where(Coupon.id == coupon.id, Coupon.used_count > 0)
        .values(used_count=Coupon.used_count - 1)
        .execution_options(synchronize_session=False)
    )


def coupon_discount_for(coupon: Coupon, subtotal: Decimal) -> Decimal:
    """Return what ``coupon`` takes off ``subtotal``."""
    return coupon_discount(kind=coupon.type, value=coupon.value, subtotal=subtotal)
