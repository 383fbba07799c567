"""The route class every API router uses, and the ``Idempotency-Key`` layer.

``TjarRoute`` checks a JSON endpoint's body before the framework parses it:
another content type is 415, bytes that are not a JSON object are 400. A
write endpoint switches on idempotency with ``dependencies=[Idempotent]``.
"""

import hashlib
from collections.abc import Callable, Coroutine
from datetime import timedelta
from email.message import Message
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from starlette.responses import Response

from tjar.api.deps import get_store, require_api_key
from tjar.api.errors import MalformedRequest, UnsupportedMediaType
from tjar.clock import utcnow
from tjar.db.models import ApiKey, IdempotencyRecord, Store
from tjar.db.session import store_session
from tjar.errors import Conflict, ValidationFailed
from tjar.i18n import _

IDEMPOTENCY_HEADER = "idempotency-key"
IDEMPOTENCY_TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255
# Response headers a replay repeats; the rest are per-attempt.
_REPLAYED_HEADERS = ("content-type", "location")


def _is_json(content_type: str) -> bool:
    message = Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


async def _load_json_object(request: Request) -> None:
    """Parse the body once with orjson; the framework reuses the result."""
    body = await request.body()
    if not body:
        return
    if not _is_json(request.headers.get("content-type", "")):
        raise UnsupportedMediaType()
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise MalformedRequest() from None
    if not isinstance(parsed, dict):
        raise MalformedRequest()
    request._json = parsed  # Starlette's own cache for request.json()


class Replay(Exception):
    """The request repeats a finished one; answer with the stored response."""

    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__(record.key)
        self.record = record


def _fingerprint(request: Request, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.url.path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


async def _reserve(
    request: Request,
    store: Annotated[Store, Depends(get_store)],
    key: Annotated[ApiKey, Depends(require_api_key)],
) -> None:
    """Claim the request's Idempotency-Key, or replay / refuse a repeat."""
    name = request.headers.get(IDEMPOTENCY_HEADER)
    if name is None:
        return
    if not 0 < len(name) <= MAX_KEY_LENGTH:
        raise ValidationFailed.single(
            "Idempotency-Key", _("Use at most {max_length} characters."), max_length=255
        )
    fingerprint = _fingerprint(request, await request.body())

    sessions = request.app.state.sessions
    async with store_session(sessions, store.id) as session:
        record = await session.scalar(
            select(IdempotencyRecord).where(IdempotencyRecord.key == name)
        )
        if record is not None and record.expires_at <= utcnow():
            await session.delete(record)
            await session.flush()
            record = None
        if record is not None:
            if record.fingerprint != fingerprint:
                raise Conflict("idempotency_key_reused")
            if record.status_code is None:
                raise Conflict("idempotency_key_in_use")
            raise Replay(record)

        record = IdempotencyRecord(
            key=name, fingerprint=fingerprint, expires_at=utcnow() + IDEMPOTENCY_TTL
        )
        session.add(record)
        try:
            await session.commit()
        except IntegrityError:
            # A concurrent request with the same key claimed it first.
            raise Conflict("idempotency_key_in_use") from None
    request.state.idempotency_record_id = record.id


Idempotent = Depends(_reserve)


async def _settle(request: Request, response: Response | None) -> None:
    """Store the answer for replays, or free the key when the request failed."""
    record_id = getattr(request.state, "idempotency_record_id", None)
    if record_id is None:
        return
    store: Store = request.state.store
    async with store_session(request.app.state.sessions, store.id) as session:
        if response is None or response.status_code >= 500:
            await session.execute(
                delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id)
            )
        else:
            record = await session.get(IdempotencyRecord, record_id)
            if record is not None:
                record.status_code = response.status_code
                record.response_body = bytes(response.body)
                record.response_headers = {
                    name: value
                    for name, value in response.headers.items()
                    if name in _REPLAYED_HEADERS
                }
        await session.commit()


def _replayed(record: IdempotencyRecord) -> Response:
    headers = dict(record.response_headers)
    headers["Idempotent-Replayed"] = "true"
    return Response(
        content=record.response_body or b"",
        status_code=record.status_code or 200,
        headers=headers,
    )


class TjarRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        takes_json = self.body_field is not None

        async def route(request: Request) -> Response:
            if takes_json:
                await _load_json_object(request)
            response: Response | None = None
            try:
                response = await handler(request)
            except Replay as replay:
                return _replayed(replay.record)
            finally:
                await _settle(request, response)
            return response

        return route
