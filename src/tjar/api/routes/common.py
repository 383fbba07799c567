"""Query parameters that every list endpoint shares."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Query
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from tjar.api.deps import ReadContext
from tjar.domain.dates import parse_bound
from tjar.domain.paging import DEFAULT_PER_PAGE, MAX_PER_PAGE, PageRequest


# Dependencies are coroutines: FastAPI runs plain functions on a thread pool.
async def page_request(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="Page number.")] = 1,
    per_page: Annotated[
        int, Query(ge=1, le=MAX_PER_PAGE, description="Records per page.")
    ] = DEFAULT_PER_PAGE,
    cursor: Annotated[
        str | None,
        Query(
            max_length=512,
            description="The `next_cursor` of the previous page, for keyset paging.",
        ),
    ] = None,
) -> PageRequest:
    return PageRequest(page=page, per_page=per_page, cursor=cursor)


@dataclass(frozen=True)
class Period:
    created_from: datetime | None
    created_before: datetime | None
    updated_since: datetime | None


async def period(
    ctx: ReadContext,
    date_from: Annotated[
        str | None,
        Query(
            max_length=40,
            description="`YYYY-MM-DD` (a whole day in the store's zone) or a "
            "timestamp with offset.",
        ),
    ] = None,
    date_to: Annotated[
        str | None,
        Query(max_length=40, description="Inclusive; same forms as `date_from`."),
    ] = None,
    updated_since: Annotated[
        str | None,
        Query(max_length=40, description="Records changed at or after this time."),
    ] = None,
) -> Period:
    def bound(value: str | None, field: str, *, end: bool) -> datetime | None:
        if value is None:
            return None
        return parse_bound(value, field=field, zone=ctx.zone, end=end)

    return Period(
        created_from=bound(date_from, "date_from", end=False),
        created_before=bound(date_to, "date_to", end=True),
        updated_since=bound(updated_since, "updated_since", end=False),
    )


Paging = Annotated[PageRequest, Depends(page_request)]
Dates = Annotated[Period, Depends(period)]


def _plain_digits(value: object) -> object:
    """Accept an id written as plain digits only: no sign, spaces or ``_``."""
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise PydanticCustomError("int_parsing", "not plain digits")
    if isinstance(value, str) and len(value) > 1 and value.startswith("0"):
        raise PydanticCustomError("int_parsing", "leading zero")
    return value


Identifier = Annotated[
    int,
    BeforeValidator(_plain_digits),
    Path(ge=1, le=2**31 - 1, description="The record's `id`."),
]
