"""Field types shared by request bodies: money, whole numbers, both languages."""

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer
from pydantic_core import PydanticCustomError

from tjar.domain.numbers import NumberError, parse_int, parse_money

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
LongText = Annotated[str, Field(max_length=65_535)]


class Strict(BaseModel):
    """A request body: unknown fields are refused (they are usually typos)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BilingualIn(Strict):
    ar: LongText | None = None
    en: LongText | None = None


class NameIn(Strict):
    """``name: {ar, en}`` or ``name_ar`` / ``name_en``, as labels are written."""

    name: BilingualIn | None = None
    name_ar: Text | None = None
    name_en: Text | None = None

    def names(self) -> tuple[str | None, str | None]:
        ar = self.name.ar if self.name and self.name.ar is not None else self.name_ar
        en = self.name.en if self.name and self.name.en is not None else self.name_en
        return ar, en
