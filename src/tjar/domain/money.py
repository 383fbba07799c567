"""Exact money: Decimal amounts in SAR with two minor digits.

``round_money`` is the only function in the platform that rounds money; every
other module passes Decimals through it.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import orjson

CURRENCY = "SAR"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")

_SYMBOLS = {"en": "SAR", "ar": "ر.س"}


def round_money(amount: Decimal) -> Decimal:
    """Round to halalas, half away from zero."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_number(amount: Decimal) -> orjson.Fragment:
    """Return an amount as an exact JSON number (at most two decimals).

    The digits are written as they are, never through a binary float, so even
    totals beyond a double's precision keep their halalas.
    """
    text = format(round_money(amount), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return orjson.Fragment(text.encode())


def format_money(amount: Decimal, language: str) -> str:
    """Format an amount for display in ``language`` (``en`` or ``ar``)."""
    # Thousands grouped with commas, two places: the same text as CLDR's
    # "#,##0.00" in English, without a locale lookup on every amount.
    number = format(round_money(amount), ",.2f")
    if language == "ar":
        return f"{number} {_SYMBOLS['ar']}"
    return f"{_SYMBOLS['en']} {number}"


@dataclass(frozen=True)
class LineAmounts:
    gross: Decimal
    discount: Decimal
    tax: Decimal
    subtotal: Decimal


def price_line(
    *,
    unit_price: Decimal,
    quantity: int,
    discount: Decimal,
    vat_rate: Decimal,
    prices_include_vat: bool,
) -> LineAmounts:
    """Price one order line at the store's price basis.

    ``subtotal`` is the line amount after its discount share, at the same basis
    as the catalogue prices; ``tax`` is the VAT in it (inclusive) or on it
    (exclusive), rounded half-up per line.
    """
    gross = round_money(unit_price * quantity)
    discount = round_money(discount)
    subtotal = gross - discount
    if prices_include_vat:
        tax = round_money(subtotal * vat_rate / (1 + vat_rate))
    else:
        tax = round_money(subtotal * vat_rate)
    return LineAmounts(gross=gross, discount=discount, tax=tax, subtotal=subtotal)
