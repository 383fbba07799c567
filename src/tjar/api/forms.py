"""Laravel-style form bodies, read as the JSON the API speaks.

Integrations written for the public reference send form data with bracketed
keys (``customer[user_id]``, ``products_to_add[0][product_options][1][name]``)
and spoof methods with ``_method=PUT``. This middleware turns such a body into
the equivalent JSON object (numeric keys become list positions), applies the
spoofed method, and hands the request on, so every endpoint has one shape to
validate. Multipart uploads to the media endpoints pass through untouched.
"""

import re
from collections.abc import Iterable
from typing import Any

import orjson
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tjar.api.content import is_json, media_type
from tjar.api.errors import MalformedRequest, PayloadTooLarge, error_response

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
SPOOFABLE = frozenset({"PUT", "PATCH"})
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")
MAX_DEPTH = 8
MAX_INDEX = 1000


def nest(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Build a nested object from bracketed form keys."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if match is None:
            raise MalformedRequest()
        path = [match.group(1), *_PART.findall(match.group(2))]
        if len(path) > MAX_DEPTH:
            raise MalformedRequest()
        node = root
        for part in path[:-1]:
            child = node.setdefault(part or str(len(node)), {})
            if not isinstance(child, dict):
                raise MalformedRequest()
            node = child
        node[path[-1] or str(len(node))] = value
    nested = _lists(root)
    if not isinstance(nested, dict):
        raise MalformedRequest()
    return nested


def _lists(node: Any) -> Any:
    """Turn objects whose keys are all small integers into lists, in order."""
    if not isinstance(node, dict):
        return node
    items = {key: _lists(value) for key, value in node.items()}
    if items and all(key.isdigit() and int(key) < MAX_INDEX for key in items):
        return [items[key] for key in sorted(items, key=int)]
    return items


class FormBodies:
    """Read form bodies on the store API as JSON; honour ``_method``."""

    def __init__(
        self, app: ASGIApp, *, prefix: str, passthrough: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.prefix = prefix
        self.passthrough = tuple(passthrough)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._applies(scope):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            raw = await request.body()
        except HTTPException as error:  # the body limit, raised while reading
            if error.status_code != 413:
                raise
            await error_response(request, PayloadTooLarge())(scope, receive, send)
            return
        if is_json(_content_type(scope)):
            # Most JSON bodies name no _method: pass them on unparsed.
            body = _json_object(raw) if b'"_method"' in raw else None
            if body is None:
                await self.app(scope, _replay(raw, receive), send)
                return
        else:
            try:
                form = await request.form()
                pairs = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
                body = nest(pairs)
            except Exception:  # the form parser's many errors all mean a bad body
                await error_response(request, MalformedRequest())(scope, receive, send)
                return

        method = str(body.pop("_method", "")).upper()
        if scope["method"] == "POST" and method in SPOOFABLE:
            scope = {**scope, "method": method}
        payload = orjson.dumps(body)
        headers = MutableHeaders(scope=scope)
        headers["content-type"] = "application/json"
        headers["content-length"] = str(len(payload))
        await self.app(scope, _replay(payload, receive), send)

    def _applies(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            return False
        path: str = scope["path"]
        if not path.startswith(self.prefix) or path.startswith(self.passthrough):
            return False
        content_type = _content_type(scope)
        return media_type(content_type) in FORM_TYPES or (
            scope["method"] == "POST" and is_json(content_type)
        )


def _replay(body: bytes, receive: Receive) -> Receive:
    """Hand ``body`` on as the request's whole body, once."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


def _content_type(scope: Scope) -> str:
    return Headers(scope=scope).get("content-type", "")


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None  # the route answers a malformed body itself
    return body if isinstance(body, dict) else None
