"""Pricing an order: line amounts, the coupon spread, VAT, shipping, total.

Pure functions over Decimals; nothing here reads the database. Amounts are at
the store's price basis: VAT-inclusive when the store's prices include VAT,
net otherwise. Every part is rounded half-up to 0.01 by ``round_money`` and
the parts add up exactly to the total.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from tjar.domain.money import ZERO, price_line, round_money


@dataclass(frozen=True)
class LineAmounts:
    gross: Decimal
    discount: Decimal
    tax: Decimal
    subtotal: Decimal


@dataclass(frozen=True)
class OrderAmounts:
    lines: list[LineAmounts]
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    shipping_tax: Decimal
    tax: Decimal
    total: Decimal


def spread(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``amount`` over ``weights`` in halalas by largest remainder.

    The shares add up to ``amount`` exactly; ties go to the earlier line.
    """
    total = sum(weights, ZERO)
    if amount == 0 or total == 0:
        return [ZERO for _ in weights]
    halalas = int(round_money(amount) * 100)
    exact = [Decimal(halalas) * weight / total for weight in weights]
    shares = [int(part) for part in exact]
    left = halalas - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for index in order[:left]:
        shares[index] += 1
    return [Decimal(share) / 100 for share in shares]


def coupon_discount(*, kind: str, value: Decimal, subtotal: Decimal) -> Decimal:
    """Return what a coupon takes off ``subtotal``, never more than all of it."""
    if kind == "percentage":
        return min(subtotal, round_money(subtotal * value / 100))
    return min(subtotal, round_money(value))


def price_order(
    *,
    lines: Sequence[tuple[Decimal, int]],
    discount: Decimal,
    shipping: Decimal,
    vat_rate: Decimal,
    prices_include_vat: bool,
) -> OrderAmounts:
    """Price lines of ``(unit price, quantity)`` with a discount and shipping."""
    grosses = [round_money(unit * quantity) for unit, quantity in lines]
    subtotal = sum(grosses, ZERO)
    discount = min(round_money(discount), subtotal)
    shares = spread(discount, grosses)

    priced = []
    for (unit, quantity), share in zip(lines, shares, strict=True):
        amounts = price_line(
            unit_price=unit,
            quantity=quantity,
            discount=share,
            vat_rate=vat_rate,
            prices_include_vat=prices_include_vat,
        )
        priced.append(
            LineAmounts(amounts.gross, amounts.discount, amounts.tax, amounts.subtotal)
        )

    shipping = round_money(shipping)
    shipping_line = price_line(
        unit_price=shipping,
        quantity=1,
        discount=ZERO,
        vat_rate=vat_rate,
        prices_include_vat=prices_include_vat,
    )
    tax = sum((line.tax for line in priced), ZERO) + shipping_line.tax
    total = subtotal - discount + shipping
    if not prices_include_vat:
        total += tax
    return OrderAmounts(
        lines=priced,
        subtotal=subtotal,
        discount=discount,
        shipping=shipping,
        shipping_tax=shipping_line.tax,
        tax=tax,
        total=total,
    )
