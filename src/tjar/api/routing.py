"""The route class every API router uses, and the ``Idempotency-Key`` layer.

``TjarRoute`` checks a JSON endpoint's body before the framework parses it:
another content type is 415, bytes that are not a JSON object are 400. A
write endpoint switches on idempotency with ``dependencies=[Idempotent]``.
"""

import hashlib
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request, params
from fastapi.routing import APIRoute
from starlette.responses import Response

from tjar.api import idempotency
from tjar.api.content import is_json
from tjar.api.deps import (
    StoreSession,
    authenticate_request,
    request_store,
    require_api_key,
)
from tjar.api.errors import MalformedRequest, UnsupportedMediaType
from tjar.db.models import ApiKey, Store
from tjar.errors import ValidationFailed
from tjar.i18n import _

HEADER = "idempotency-key"
INVALID = _("This value is not valid.")


def _refuse_nul_in_query(request: Request) -> None:
    """Refuse NUL characters, which no text column can hold, before any query."""
    for name, value in request.query_params.multi_items():
        if "\x00" in value or "\x00" in name:
            raise ValidationFailed.single(name.replace("\x00", ""), INVALID)


def _nul_path(value: Any, path: str = "") -> str | None:
    """Return where in a parsed JSON body a NUL character hides, if anywhere."""
    if isinstance(value, str):
        return path or "body" if "\x00" in value else None
    items: Any = ()
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    for key, item in items:
        where = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and "\x00" in key:
            return path or "body"
        if (found := _nul_path(item, where)) is not None:
            return found
    return None


async def _load_json_object(request: Request) -> None:
    """Parse the body once with orjson; the framework reuses the result."""
    body = await request.body()
    if not body:
        return
    if not is_json(request.headers.get("content-type", "")):
        raise UnsupportedMediaType()
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise MalformedRequest() from None
    if not isinstance(parsed, dict):
        raise MalformedRequest()
    if (where := _nul_path(parsed)) is not None:
        raise ValidationFailed.single(where, INVALID)
    request._json = parsed  # Starlette's own cache for request.json()


async def _guard(
    request: Request,
    store: Annotated[Store, Depends(request_store)],
    key: Annotated[ApiKey, Depends(require_api_key)],
    session: StoreSession,
) -> None:
    """Claim the request's Idempotency-Key, or replay / refuse a repeat.

    Taking the request's session means its exit, which rolls back a failed
    request, also releases the claim.
    """
    name = request.headers.get(HEADER)
    if name is None:
        return
    if not 0 < len(name) <= idempotency.MAX_KEY_LENGTH:
        raise ValidationFailed.single(
            "Idempotency-Key",
            _("Use between 1 and {max_length} characters."),
            max_length=idempotency.MAX_KEY_LENGTH,
        )
    request.state.idempotency_claim = await idempotency.claim(
        request.app.state.sessions,
        store_id=store.id,
        key=name,
        print_=idempotency.fingerprint(request, await _body_digest_source(request)),
    )


Idempotent = Depends(_guard)


async def _body_digest_source(request: Request) -> bytes:
    """Return what a request's fingerprint covers.

    That is its body, or for an upload its fields and the SHA-256 of each file
    (read in chunks, then rewound), so a large upload is never held in memory.
    """
    content_type = request.headers.get("content-type", "")
    if "multipart/form-data" not in content_type:
        # An upload route refuses other bodies anyway; never read them whole.
        return await request.body() if is_json(content_type) else content_type.encode()
    parts = []
    for name, value in (await request.form()).multi_items():
        if isinstance(value, str):
            parts.append(f"{name}={value}")
            continue
        digest = hashlib.sha256()
        while chunk := await value.read(64 * 1024):
            digest.update(chunk)
        await value.seek(0)
        parts.append(f"{name}:{value.filename}:{digest.hexdigest()}")
    return "\n".join(parts).encode()


class TjarRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        # Upload endpoints take multipart forms; the rest take JSON objects.
        takes_json = self.body_field is not None and not isinstance(
            self.body_field.field_info, params.Form
        )

        async def route(request: Request) -> Response:
            # The key first: a caller without one learns nothing about the body.
            await authenticate_request(request)
            _refuse_nul_in_query(request)
            if takes_json:
                await _load_json_object(request)
            try:
                response = await handler(request)
            except idempotency.Replay as replay:
                return idempotency.replayed(
                    replay.record, vault=request.app.state.vault
                )
            claim = getattr(request.state, "idempotency_claim", None)
            if claim is not None:
                # The request's session commits after this, with the answer.
                await idempotency.record_answer(
                    request.state.session,
                    claim,
                    response,
                    vault=request.app.state.vault,
                )
            return response

        return route


def resource_router(*, prefix: str = "", tags: list[str]) -> APIRouter:
    """Start a resource's router; its routes get ``TjarRoute``'s checks."""
    return APIRouter(prefix=prefix, tags=list(tags), route_class=TjarRoute)
