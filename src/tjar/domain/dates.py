"""Dates and times as integrators send them, read in the store's time zone."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tjar.errors import ValidationFailed
from tjar.i18n import _

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIMESTAMP = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(\.\d{1,6})?)?)"
    r"(Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
# An unencoded "+" in a query string arrives as a space.
_PLUS_AS_SPACE = re.compile(r" (\d{2}(?::?\d{2})?)$")
# Instants the platform stores: anything else is a typo, not a filter.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)

BAD_FORM = _("Enter a date as YYYY-MM-DD or a timestamp with its offset.")
OUT_OF_RANGE = _("Enter a date between the years 1900 and 9998.")


def parse_bound(value: str, *, field: str, zone: ZoneInfo, end: bool) -> datetime:
    """Turn a filter bound into an aware instant.

    ``YYYY-MM-DD`` is a whole day in ``zone``. A timestamp must carry its
    offset; without one it is refused, never guessed. The result is an
    inclusive start, or with ``end`` an exclusive end that still includes the
    day, or the whole second (or fraction) the timestamp names.
    """
    text = _PLUS_AS_SPACE.sub(r"+\1", value.strip())
    try:
        if _DAY.match(text):
            start = datetime.combine(date.fromisoformat(text), time.min, tzinfo=zone)
            step = timedelta(days=1)
        else:
            start, step = _timestamp(text, field)
        instant = start + step if end else start
        utc = instant.astimezone(UTC)
    except ValidationFailed:
        raise
    except ValueError:
        raise ValidationFailed.single(field, BAD_FORM) from None
    except OverflowError:
        raise ValidationFailed.single(field, OUT_OF_RANGE) from None
    if not EARLIEST <= utc < LATEST:
        raise ValidationFailed.single(field, OUT_OF_RANGE)
    return utc


def _timestamp(text: str, field: str) -> tuple[datetime, timedelta]:
    match = _TIMESTAMP.match(text)
    if match is None:
        raise ValidationFailed.single(field, BAD_FORM)
    if match.group(4) is None:
        raise ValidationFailed.single(field, _("A timestamp needs its UTC offset."))
    instant = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    fraction = match.group(3)
    if fraction:
        step = timedelta(microseconds=10 ** (6 - (len(fraction) - 1)))
    elif match.group(2).count(":") == 2:
        step = timedelta(seconds=1)
    else:
        step = timedelta(minutes=1)
    return instant, step


def in_zone(instant: datetime, zone: ZoneInfo) -> str:
    """Format ``instant`` as ISO 8601 with the offset of ``zone``."""
    return instant.astimezone(zone).isoformat(timespec="seconds")
