"""Booking products: weekly availability, a bookable date range, and slots."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tjar.errors import ValidationFailed
from tjar.i18n import _

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class BookingInput:
    duration: int
    capacity: int
    availability: list[tuple[str, str, str]]
    date_from: date | None
    date_to: date | None


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    capacity: int
    booked: int

    @property
    def available(self) -> int:
        return max(0, self.capacity - self.booked)


def _clock(value: str, field: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.single(field, _("Enter a time as HH:MM.")) from None


def booking_settings(data: BookingInput) -> dict[str, Any]:
    """Validate ``data`` and return what the product stores."""
    ranges: dict[str, list[tuple[time, time]]] = {}
    for index, (day, start, end) in enumerate(data.availability):
        field = f"booking.availability.{index}"
        opens, closes = _clock(start, f"{field}.from"), _clock(end, f"{field}.to")
        if opens >= closes:
            raise ValidationFailed.single(f"{field}.to", _("End after the start time."))
        for other_open, other_close in ranges.get(day, []):
            if opens < other_close and other_open < closes:
                raise ValidationFailed.single(
                    field, _("Time ranges of a day must not overlap.")
                )
        ranges.setdefault(day, []).append((opens, closes))
    longest = max(
        (datetime.combine(date.min, end) - datetime.combine(date.min, start))
        for windows in ranges.values()
        for start, end in windows
    )
    if longest < timedelta(minutes=data.duration):
        raise ValidationFailed.single(
            "booking.duration", _("A slot must fit in at least one time range.")
        )
    if data.date_from and data.date_to and data.date_from > data.date_to:
        raise ValidationFailed.single(
            "booking.date_to", _("End on or after the start date.")
        )

    return {
        "duration": data.duration,
        "capacity": data.capacity,
        "availability": [
            {"day": day, "from": start, "to": end}
            for day, start, end in data.availability
        ],
        "date_from": data.date_from.isoformat() if data.date_from else None,
        "date_to": data.date_to.isoformat() if data.date_to else None,
    }


def slots_for(
    settings: dict[str, Any], day: date, zone: ZoneInfo, booked: dict[datetime, int]
) -> list[Slot]:
    """List the slots of ``day`` (in the store's zone) with what is left of each."""
    if not 1900 <= day.year <= 9998:
        return []
    first, last = settings.get("date_from"), settings.get("date_to")
    if (first and day < date.fromisoformat(first)) or (
        last and day > date.fromisoformat(last)
    ):
        return []
    weekday = DAYS[day.weekday()]
    step = timedelta(minutes=int(settings["duration"]))
    slots = []
    for window in settings["availability"]:
        if window["day"] != weekday:
            continue
        start = datetime.combine(day, time.fromisoformat(window["from"]), tzinfo=zone)
        close = datetime.combine(day, time.fromisoformat(window["to"]), tzinfo=zone)
        while start + step <= close:
            slots.append(
                Slot(
                    start=start,
                    end=start + step,
                    capacity=int(settings["capacity"]),
                    booked=booked.get(start, 0),
                )
            )
            start += step
    return sorted(slots, key=lambda slot: slot.start)
