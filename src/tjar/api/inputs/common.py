"""Field types shared by request bodies: money, whole numbers, both languages."""

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer
from pydantic import Strict as StrictType
from pydantic_core import PydanticCustomError

from tjar.domain.numbers import NumberError, parse_int, parse_money

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_REASONS = {
    "not_a_number": "decimal_parsing",
    "negative": "money_negative",
    "too_many_places": "money_places",
    "too_large": "money_too_large",
    "not_a_whole_number": "int_parsing",
}


def _money(value: Any) -> Decimal:
    try:
        return parse_money(value)
    except NumberError as error:
        raise PydanticCustomError(_REASONS[error.reason], error.reason) from None


def _whole(value: Any) -> int:
    try:
        return parse_int(value)
    except NumberError as error:
        raise PydanticCustomError(_REASONS[error.reason], error.reason) from None


Money = Annotated[Decimal, BeforeValidator(_money), PlainSerializer(str)]
Whole = Annotated[int, BeforeValidator(_whole)]
Count = Annotated[int, BeforeValidator(_whole), Field(ge=0, le=1_000_000_000)]
Id = Annotated[int, BeforeValidator(_whole), Field(ge=1, le=2**31 - 1)]
Text = Annotated[str, Field(max_length=255)]
Short = Annotated[str, Field(max_length=100)]
LongText = Annotated[str, Field(max_length=65_535)]
Sku = Annotated[str, Field(max_length=100)]
# A number in JSON is an id; a string is a name (so "2024" can be a tag name).
IdOnly = Annotated[int, StrictType(), Field(ge=1, le=2**31 - 1)]


def _day(value: Any) -> Any:
    """Accept a day only as ``YYYY-MM-DD`` text, within 1900–9998."""
    if not isinstance(value, str) or not _DAY.match(value):
        raise PydanticCustomError("date_parsing", "not YYYY-MM-DD")
    if not "1900" <= value[:4] <= "9998":
        raise PydanticCustomError("date_out_of_range", "out of range")
    return value


Day = Annotated[date, BeforeValidator(_day)]


class Strict(BaseModel):
    """A request body: unknown fields are refused (they are usually typos)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BilingualIn(Strict):
    """Long text in both languages (summaries, descriptions)."""

    ar: LongText | None = None
    en: LongText | None = None


class BilingualName(Strict):
    """A name or title in both languages."""

    ar: Text | None = None
    en: Text | None = None


class NameIn(Strict):
    """``name: {ar, en}`` or ``name_ar`` / ``name_en``, as labels are written."""

    name: BilingualName | None = None
    name_ar: Text | None = None
    name_en: Text | None = None

    def names(self) -> tuple[str | None, str | None]:
        ar = self.name.ar if self.name and self.name.ar is not None else self.name_ar
        en = self.name.en if self.name and self.name.en is not None else self.name_en
        return ar, en
