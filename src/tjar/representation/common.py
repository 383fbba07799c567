"""Pieces every representation shares: both languages, money, time, statuses."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from tjar.db.models import Store
from tjar.domain.dates import in_zone
from tjar.domain.money import format_money, to_number
from tjar.domain.statuses import Status


@dataclass(frozen=True)
class Context:
    """Who a representation is for: the store (zone) and the reader's language."""

    store: Store
    language: str
    # Scheme and host the reader reached the store at, for absolute URLs.
    base_url: str = ""

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.store.timezone)


def bilingual(ar: str | None, en: str | None) -> dict[str, str]:
    """Both languages, each falling back to the other when missing."""
    ar, en = (ar or "").strip(), (en or "").strip()
    return {"ar": ar or en, "en": en or ar}


def money(ctx: Context, amount: Decimal | None) -> orjson.Fragment | None:
    return None if amount is None else to_number(amount)


def formatted(ctx: Context, amount: Decimal | None) -> str | None:
    return None if amount is None else format_money(amount, ctx.language)


def timestamp(ctx: Context, instant: datetime | None) -> str | None:
    return None if instant is None else in_zone(instant, ctx.zone)


def status(item: Status) -> dict[str, Any]:
    return {
        "value": item.value,
        "label": {"ar": item.label_ar, "en": item.label_en},
        "color": item.color,
    }
