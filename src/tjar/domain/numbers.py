"""Numbers as integrators send them.

One rule for every number the API reads (prices, quantities, phones): Arabic-
Indic and Eastern Arabic-Indic digits become ASCII digits, the Arabic decimal
separator ``٫`` becomes ``.``, and surrounding spaces are ignored. Money is then
a Decimal with at most two places and never negative; JSON numbers are read
through their shortest decimal text, so ``79.99`` is exactly 79.99.
"""

import re
from decimal import Decimal

_PLAIN = re.compile(r"^-?\d{1,30}(?:\.\d{1,30})?$")

CENT = Decimal("0.01")
# Amounts stop below a hundred million riyals: far above any real price, and
# well inside what the database's integer halalas can hold.
MONEY_LIMIT = Decimal("100000000")
_DIGITS = str.maketrans(
    {
        **{chr(0x0660 + n): str(n) for n in range(10)},
        **{chr(0x06F0 + n): str(n) for n in range(10)},
        "٫": ".",
        "٬": ",",
    }
)


class NumberError(ValueError):
    """A value that is not a number of the wanted kind; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def ascii_digits(text: str) -> str:
    return text.translate(_DIGITS).strip()


def parse_decimal(value: object) -> Decimal:
    if isinstance(value, bool):
        raise NumberError("not_a_number")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    elif isinstance(value, str):
        text = ascii_digits(value)
        # Plain decimal notation only: no exponents, separators or underscores.
        if not _PLAIN.match(text):
            raise NumberError("not_a_number")
        number = Decimal(text)
    else:
        raise NumberError("not_a_number")
    if not number.is_finite():
        raise NumberError("not_a_number")
    return number


def parse_money(value: object) -> Decimal:
    """Read an amount: at most two decimals, not negative."""
    number = parse_decimal(value)
    if number < 0:
        raise NumberError("negative")
    if number >= MONEY_LIMIT:
        raise NumberError("too_large")
    if number != number.quantize(CENT):
        raise NumberError("too_many_places")
    return number.quantize(CENT)


def parse_int(value: object) -> int:
    """Read a whole number from an int or a string of (any script's) digits."""
    if isinstance(value, bool):
        raise NumberError("not_a_whole_number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = ascii_digits(value)
        if text.lstrip("-").isdigit() and text.isascii():
            return int(text)
    raise NumberError("not_a_whole_number")
