from decimal import Decimal

import orjson
import pytest

from tjar.domain.money import format_money, price_line, round_money, to_number


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("0.005", "0.01"), ("0.004", "0.00"), ("2.675", "2.68"), ("-0.005", "-0.01")],
)
def test_round_money_is_half_up(amount: str, expected: str) -> None:
    assert round_money(Decimal(amount)) == Decimal(expected)


def test_inclusive_vat_is_extracted_from_the_gross_per_line() -> None:
    amounts = price_line(
        unit_price=Decimal("115.00"),
        quantity=3,
        discount=Decimal("0"),
        vat_rate=Decimal("0.15"),
        prices_include_vat=True,
    )

    assert amounts.gross == Decimal("345.00")
    assert amounts.tax == Decimal("45.00")
    assert amounts.subtotal == Decimal("345.00")


def test_exclusive_vat_is_added_on_the_net_after_discount() -> None:
    amounts = price_line(
        unit_price=Decimal("19.99"),
        quantity=3,
        discount=Decimal("5.00"),
        vat_rate=Decimal("0.15"),
        prices_include_vat=False,
    )

    assert amounts.gross == Decimal("59.97")
    assert amounts.subtotal == Decimal("54.97")
    assert amounts.tax == Decimal("8.25")  # 8.2455 rounds half-up


def test_amounts_become_exact_json_numbers() -> None:
    assert orjson.dumps(to_number(Decimal("15.50"))) == b"15.5"
    assert orjson.dumps(to_number(Decimal("318.00"))) == b"318"
    big = to_number(Decimal("133338666586666.125"))
    assert orjson.dumps(big) == b"133338666586666.13"


def test_formatted_amounts_follow_the_language() -> None:
    assert format_money(Decimal("1234.5"), "en") == "SAR 1,234.50"
    assert format_money(Decimal("1234.5"), "ar") == "1,234.50 ر.س"
