"""Dates and times as integrators send them, read in the store's time zone."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tjar.errors import ValidationFailed
from tjar.i18n import _

_PLUS_AS_SPACE = re.compile(r" (\d{2}(?::?\d{2})?)$")
# The smallest step of a stored timestamp: an inclusive end becomes exclusive.
_TICK = timedelta(microseconds=1)


def parse_bound(value: str, *, field: str, zone: ZoneInfo, end: bool) -> datetime:
    """Turn a filter bound into an aware instant.

    ``YYYY-MM-DD`` is a whole day in ``zone``: its start, or with ``end`` the
    start of the next day (an exclusive bound, so ``date_to`` includes the day).
    A timestamp must carry its offset; without one it is refused, never guessed.
    Either way the result is an inclusive start or an exclusive end.
    """
    text = value.strip()
    if len(text) == 10:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValidationFailed.single(
                field, _("Enter a date as YYYY-MM-DD.")
            ) from None
        if end:
            day += timedelta(days=1)
        return datetime.combine(day, time.min, tzinfo=zone)
    # An unencoded "+" in a query string arrives as a space.
    text = _PLUS_AS_SPACE.sub(r"+\1", text)
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed.single(
            field, _("Enter a date as YYYY-MM-DD or a timestamp with its offset.")
        ) from None
    if instant.tzinfo is None:
        raise ValidationFailed.single(field, _("A timestamp needs its UTC offset."))
    return instant + _TICK if end else instant


def in_zone(instant: datetime, zone: ZoneInfo) -> str:
    """Format ``instant`` as ISO 8601 with the offset of ``zone``."""
    return instant.astimezone(zone).isoformat(timespec="seconds")
