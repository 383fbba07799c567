from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tjar.domain.pricing import coupon_discount, price_order, spread

D = Decimal
RATE = D("0.15")


def test_exclusive_two_lines_of_545_75() -> None:
    amounts = price_order(
        lines=[(D("545.75"), 2)],
        discount=D(0),
        shipping=D(0),
        vat_rate=RATE,
        prices_include_vat=False,
    )

    assert amounts.subtotal == D("1091.50")
    assert amounts.tax == D("163.73")
    assert amounts.total == D("1255.23")


def test_inclusive_three_of_6_99() -> None:
    amounts = price_order(
        lines=[(D("6.99"), 3)],
        discount=D(0),
        shipping=D(0),
        vat_rate=RATE,
        prices_include_vat=True,
    )

    assert amounts.total == D("20.97")
    assert amounts.tax == D("2.74")


def test_a_discount_is_spread_before_vat_and_shipping_is_taxed() -> None:
    amounts = price_order(
        lines=[(D("100.00"), 1), (D("50.00"), 1), (D("33.33"), 1)],
        discount=D("10.00"),
        shipping=D("25.00"),
        vat_rate=RATE,
        prices_include_vat=False,
    )

    assert [line.discount for line in amounts.lines] == [
        D("5.45"),
        D("2.73"),
        D("1.82"),
    ]
    assert [line.subtotal for line in amounts.lines] == [
        D("94.55"),
        D("47.27"),
        D("31.51"),
    ]
    assert [line.tax for line in amounts.lines] == [D("14.18"), D("7.09"), D("4.73")]
    assert amounts.shipping_tax == D("3.75")
    assert amounts.tax == D("29.75")
    assert amounts.total == D("183.33") - D("10.00") + D("25.00") + D("29.75")


def test_coupon_discounts() -> None:
    assert coupon_discount(kind="percentage", value=D("10"), subtotal=D("99.95")) == D(
        "10.00"
    )
    assert coupon_discount(kind="percentage", value=D("15"), subtotal=D("33.30")) == D(
        "5.00"
    )
    assert coupon_discount(kind="fixed", value=D("50"), subtotal=D("20.00")) == D(
        "20.00"
    )


@given(
    amount=st.integers(min_value=0, max_value=10**7),
    weights=st.lists(
        st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20
    ),
)
def test_spread_always_adds_up(amount: int, weights: list[int]) -> None:
    shares = spread(D(amount) / 100, [D(w) / 100 for w in weights])

    if sum(weights) == 0:
        assert all(share == 0 for share in shares)
    else:
        assert sum(shares) == D(amount) / 100
        assert all(share >= 0 for share in shares)


@pytest.mark.parametrize("inclusive", [True, False])
@given(
    units=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=10**6),
            st.integers(min_value=1, max_value=50),
        ),
        min_size=1,
        max_size=8,
    ),
    discount=st.integers(min_value=0, max_value=10**6),
    shipping=st.integers(min_value=0, max_value=10**5),
)
def test_parts_add_up_to_the_total(
    inclusive: bool, units: list[tuple[int, int]], discount: int, shipping: int
) -> None:
    amounts = price_order(
        lines=[(D(unit) / 100, quantity) for unit, quantity in units],
        discount=D(discount) / 100,
        shipping=D(shipping) / 100,
        vat_rate=RATE,
        prices_include_vat=inclusive,
    )

    line_sum = sum((line.subtotal for line in amounts.lines), D(0))
    assert line_sum == amounts.subtotal - amounts.discount
    assert (
        sum((line.tax for line in amounts.lines), D(0)) + amounts.shipping_tax
        == amounts.tax
    )
    expected = amounts.subtotal - amounts.discount + amounts.shipping
    assert amounts.total == (expected if inclusive else expected + amounts.tax)
