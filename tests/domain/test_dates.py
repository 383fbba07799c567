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
