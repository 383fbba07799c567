"""Pure ASGI middleware: request context, body limits, and the store from Host.

Order, outermost first: ``RequestContext`` (request id, logging, response
headers, last-resort 500), ``Tenancy`` (store and language), then
``BodyLimit`` (413 before any parsing, in the store's language). Each is a
plain ASGI wrapper, so streaming bodies pass through untouched.
"""

import secrets
import time
from collections.abc import Iterable
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tjar.api.errors import PayloadTooLarge, error_response, internal_error_response
from tjar.db.session import lookup_session
from tjar.domain.stores import find_store_by_host
from tjar.errors import StoreNotFound
from tjar.i18n import negotiate

log = structlog.get_logger("tjar.http")

REQUEST_ID = "x-request-id"


def _state(scope: Scope) -> dict[str, Any]:
    state: dict[str, Any] = scope.setdefault("state", {})
    return state


def _request_id(headers: Headers) -> str:
    """Keep a caller's request id when it is short and plain; else make one."""
    given = headers.get(REQUEST_ID, "")
    if 0 < len(given) <= 64 and given.replace("-", "").replace("_", "").isalnum():
        return given
    return secrets.token_hex(12)


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        state = _state(scope)
        request_id = state["request_id"] = _request_id(Headers(scope=scope))
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status_holder = {"status": 500, "sent": False}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["sent"] = True
                headers = MutableHeaders(scope=message)
                headers["X-Request-Id"] = request_id
                if language := state.get("language"):
                    headers["Content-Language"] = language
                    headers.append("Vary", "Accept-Language")
                for name, value in state.get("rate_limit_headers", ()):
                    headers[name] = value
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except ClientDisconnect:
            # The caller left before its whole body arrived: there is no one
            # to answer, and a transaction already open was rolled back.
            status_holder["status"] = 499
            log.info("http.client_disconnected", path=scope["path"])
        except Exception:
            log.exception("http.unhandled_error", path=scope["path"])
            if status_holder["sent"]:
                raise
            response = internal_error_response(Request(scope))
            await response(scope, receive, send_with_headers)
        finally:
            log.info(
                "http.request",
                method=scope["method"],
                path=scope["path"],
                status=status_holder["status"],
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                store_id=state.get("store_id"),
            )


class BodyLimit:
    """Refuse bodies over ``max_bytes`` with 413, declared or streamed.

    Paths in ``exempt_prefixes`` (uploads) enforce their own limits.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        exempt_prefixes: Iterable[str] = (),
        only_prefixes: Iterable[str] = ("",),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = tuple(exempt_prefixes)
        self.only = tuple(only_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or (self.exempt and path.startswith(self.exempt))
            or not path.startswith(self.only)
        ):
            await self.app(scope, receive, send)
            return

        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (
            not declared.isdigit() or int(declared) > self.max_bytes
        ):
            await error_response(Request(scope), PayloadTooLarge())(
                scope, receive, send
            )
            return

        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # An HTTPException passes through the framework's body
                    # reader unchanged and is rendered as the 413 envelope.
                    raise HTTPException(status_code=413)
            return message

        await self.app(scope, counting_receive, send)


class Tenancy:
    """Resolve the store from ``Host`` and negotiate the response language.

    Requests outside ``store_prefixes`` (docs, health) need no store; inside,
    an unknown host is answered here with ``404 store_not_found``.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        sessions: async_sessionmaker[AsyncSession],
        platform_domain: str,
        store_prefixes: Iterable[str],
        public_paths: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.sessions = sessions
        self.platform_domain = platform_domain
        self.store_prefixes = tuple(store_prefixes)
        self.public_paths = frozenset(public_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        state = _state(scope)
        headers = Headers(scope=scope)
        accept = headers.get("accept-language")
        path: str = scope["path"]
        if not path.startswith(self.store_prefixes) or path in self.public_paths:
            state["language"] = negotiate(accept, "ar")
            await self.app(scope, receive, send)
            return

        try:
            async with lookup_session(self.sessions, None) as session:
                store = await find_store_by_host(
                    session,
                    headers.get("host", ""),
                    platform_domain=self.platform_domain,
                )
        except StoreNotFound as error:
            state["language"] = negotiate(accept, "ar")
            await error_response(Request(scope), error)(scope, receive, send)
            return

        state["store"] = store
        state["store_id"] = store.id
        state["language"] = negotiate(accept, store.default_language)
        structlog.contextvars.bind_contextvars(store_id=store.id)
        await self.app(scope, receive, send)
