"""Page-number and keyset paging over any store-bound query.

A keyset cursor names the sort and the last row's sort values; the next page
starts strictly after that row, so rows added or removed meanwhile never make
a page skip or repeat one, and the cost does not grow with depth.
"""

import base64
import binascii
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import Select, func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from tjar.domain.dates import EARLIEST, LATEST
from tjar.domain.statuses import check_choice
from tjar.errors import ValidationFailed
from tjar.i18n import _

T = TypeVar("T")

DEFAULT_PER_PAGE = 15
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class Sort:
    """An ordering that ends with the unique ``id`` tie-breaker."""

    name: str
    column: InstrumentedAttribute[Any]
    id_column: InstrumentedAttribute[int]
    descending: bool


def standard_sorts(model: Any) -> dict[str, Sort]:
    """Sorts by ``created_at``, ``updated_at`` and ``id``, ``-`` for descending."""
    sorts = {}
    for field in ("created_at", "updated_at", "id"):
        column = getattr(model, field)
        sorts[f"-{field}"] = Sort(f"-{field}", column, model.id, descending=True)
        sorts[field] = Sort(field, column, model.id, descending=False)
    return sorts


def pick_sort(sorts: dict[str, Sort], name: str) -> Sort:
    check_choice("sort", name, sorts)
    return sorts[name]


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    cursor: str | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    current_page: int | None
    per_page: int
    total: int
    next_cursor: str | None

    @property
    def last_page(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def encode_cursor(sort: Sort, row: Any) -> str:
    value = getattr(row, sort.column.key)
    fields: dict[str, Any] = {"s": sort.name, "v": value, "id": row.id}
    if isinstance(value, datetime):
        fields["v"], fields["k"] = value.isoformat(), "datetime"
    payload = orjson.dumps(fields)
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(sort: Sort, cursor: str) -> tuple[Any, int]:
    invalid = ValidationFailed.single("cursor", _("This cursor is not valid here."))
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = orjson.loads(base64.urlsafe_b64decode(padded))
        if payload["s"] != sort.name or not _row_id(payload["id"]):
            raise invalid
        value = payload["v"]
        if payload.get("k") == "datetime":
            value = datetime.fromisoformat(value)
            if value.tzinfo is None or not EARLIEST <= value.astimezone(UTC) < LATEST:
                raise invalid
        elif not _row_id(value):
            raise invalid
        return value, payload["id"]
    except (
        ValueError,
        KeyError,
        TypeError,
        OverflowError,
        binascii.Error,
        orjson.JSONDecodeError,
    ):
        raise invalid from None


def _row_id(value: object) -> bool:
    """Whether ``value`` could be a row id (a 32-bit positive integer)."""
    return type(value) is int and 0 <= value < 2**31


async def paginate(
    session: AsyncSession, query: Select[T], *, sort: Sort, request: PageRequest
) -> Page[T]:
    """Run ``query`` (already filtered) for one page under ``sort``."""
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    keys = (sort.column, sort.id_column)
    order = [key.desc() if sort.descending else key.asc() for key in keys]
    query = query.order_by(*order).limit(request.per_page + 1)

    if request.cursor is not None:
        value, last_id = decode_cursor(sort, request.cursor)
        bound = tuple_(literal(value, sort.column.type), literal(last_id))
        row_key = tuple_(*keys)
        query = query.where(row_key < bound if sort.descending else row_key > bound)
        current_page = None
    else:
        query = query.offset((request.page - 1) * request.per_page)
        current_page = request.page

    rows = list((await session.scalars(query)).unique())
    more = len(rows) > request.per_page
    items = rows[: request.per_page]
    next_cursor = encode_cursor(sort, items[-1]) if more and items else None
    return Page(
        items=items,
        current_page=current_page,
        per_page=request.per_page,
        total=total or 0,
        next_cursor=next_cursor,
    )
