"""JSON responses in UTF-8 (Arabic as characters) and the success envelopes."""

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse

from tjar.domain.paging import Page
from tjar.i18n import translate


class JSON(JSONResponse):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def language_of(request: Request) -> str:
    language: str = request.state.language
    return language


def success(
    request: Request, message: str, data: Any, *, status_code: int = 200
) -> JSON:
    """Wrap ``data`` in the success envelope with a translated ``message``."""
    body = {
        "status": "success",
        "message": translate(language_of(request), message),
        "data": data,
    }
    return JSON(body, status_code=status_code)


def listing(
    request: Request,
    message: str,
    *,
    key: str,
    page: Page[Any],
    items: Sequence[Mapping[str, Any]],
) -> JSON:
    """Wrap a page of records under ``key`` with its pagination block."""
    data = {
        key: items,
        "pagination": {
            "current_page": page.current_page,
            "per_page": page.per_page,
            "total": page.total,
            "last_page": page.last_page,
            "next_cursor": page.next_cursor,
        },
    }
    return success(request, message, data)
