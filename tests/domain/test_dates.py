from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tjar.domain.dates import in_zone, parse_bound
from tjar.errors import ValidationFailed

RIYADH = ZoneInfo("Asia/Riyadh")


def test_a_day_starts_at_midnight_in_the_store_zone() -> None:
    start = parse_bound("2026-05-01", field="date_from", zone=RIYADH, end=False)

    assert start == datetime(2026, 4, 30, 21, 0, tzinfo=UTC)


def test_an_end_day_is_included_whole() -> None:
    end = parse_bound("2026-05-01", field="date_to", zone=RIYADH, end=True)

    assert end == datetime(2026, 5, 1, 21, 0, tzinfo=UTC)


def test_a_timestamp_keeps_its_offset_even_when_plus_became_a_space() -> None:
    parsed = parse_bound(
        "2026-05-01T10:00:00 03:00", field="date_from", zone=RIYADH, end=False
    )

    assert parsed == datetime(2026, 5, 1, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value", ["2026-13-01", "yesterday", "2026-05-01T10:00:00", "01/05/2026"]
)
def test_bad_or_offsetless_values_are_refused(value: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_bound(value, field="date_from", zone=RIYADH, end=False)

    assert list(refused.value.errors) == ["date_from"]


def test_in_zone_writes_iso_with_the_store_offset() -> None:
    assert (
        in_zone(datetime(2026, 5, 1, 7, 0, tzinfo=UTC), RIYADH)
        == "2026-05-01T10:00:00+03:00"
    )


@pytest.mark.parametrize(
    "value", ["2026-W44-1", "20261101", "2026-11-01T00+03:00", "2026-305", "tomorrow"]
)
def test_only_the_contract_forms_are_read(value: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_bound(value, field="date_from", zone=RIYADH, end=False)

    assert refused.value.errors["date_from"][0][0] == (
        "Enter a date as YYYY-MM-DD or a timestamp with its offset."
    )


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01",
        "9999-12-31",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
    ],
)
def test_dates_out_of_range_are_refused_not_crashed(value: str) -> None:
    for end in (False, True):
        with pytest.raises(ValidationFailed):
            parse_bound(value, field="date_to", zone=RIYADH, end=end)


@pytest.mark.parametrize(
    ("value", "exclusive_end"),
    [
        ("2026-05-01T10:00:00+03:00", datetime(2026, 5, 1, 7, 0, 1, tzinfo=UTC)),
        ("2026-05-01T10:00+03:00", datetime(2026, 5, 1, 7, 1, tzinfo=UTC)),
        (
            "2026-05-01T10:00:00.5+03:00",
            datetime(2026, 5, 1, 7, 0, 0, 600000, tzinfo=UTC),
        ),
        ("2026-05-01T07:00:00Z", datetime(2026, 5, 1, 7, 0, 1, tzinfo=UTC)),
    ],
)
def test_an_inclusive_end_covers_the_precision_it_was_written_in(
    value: str, exclusive_end: datetime
) -> None:
    assert parse_bound(value, field="date_to", zone=RIYADH, end=True) == exclusive_end
