"""Request dependencies: the store, its bound session, and the API key."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from tjar.api import idempotency
from tjar.api.ratelimit import RateLimiter
from tjar.config import Settings
from tjar.db.models import ApiKey, Store
from tjar.db.session import begin_write, lookup_session, store_session
from tjar.domain.api_keys import authenticate, record_use, use_is_due
from tjar.errors import StoreNotFound
from tjar.representation.common import Context
from tjar.webhooks.outbox import STORE_URL_KEY

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    store: Store | None = getattr(request.state, "store", None)
    if store is None:
        raise StoreNotFound()
    return store


async def request_store(request: Request) -> Store:
    """Depend on the request's store (a coroutine: no thread pool hop)."""
    return get_store(request)


async def _open_session(
    request: Request, store: Annotated[Store, Depends(request_store)]
) -> AsyncIterator[AsyncSession]:
    """Open the request's session, bound to its store, committed on success."""
    sessions = request.app.state.sessions
    writes = request.method not in SAFE_METHODS
    async with store_session(sessions, store.id, write=writes) as session:
        session.info[STORE_URL_KEY] = request.app.state.settings.store_url
        request.state.session = session
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            claim = getattr(request.state, "idempotency_claim", None)
            if claim is not None:
                await idempotency.release(sessions, store_id=store.id, claim_id=claim)
            raise


# "function" scope: the session commits before the response is sent, so a
# caller never reads an answer whose write could still fail.
get_session = Depends(_open_session, scope="function")


async def authenticate_request(request: Request) -> ApiKey:
    """Check the request's key against its store, once per request.

    Runs in a short session of its own before anything else about the request
    is read, so a caller without a valid key learns only that (``401``).
    Counted requests past the rate limit are ``429`` and are not recorded as use.
    """
    cached: ApiKey | None = getattr(request.state, "api_key", None)
    if cached is not None:
        return cached
    store = get_store(request)
    settings: Settings = request.app.state.settings
    async with lookup_session(request.app.state.sessions, store.id) as session:
        key = await authenticate(
            session,
            request.headers.get("authorization"),
            prefix=settings.api_key_prefix,
        )
        limiter: RateLimiter = request.app.state.rate_limiter
        await limiter.hit(request, f"key:{key.id}")
    # Most requests come within a minute of the last one: no write at all.
    if use_is_due(key):
        async with store_session(request.app.state.sessions, store.id) as session:
            await begin_write(session)
            await record_use(session, key)
            await session.commit()
    request.state.api_key = key
    return key


# Declares the scheme in the OpenAPI document (the docs' Authorize button);
# the header itself is read by ``authenticate_request``.
bearer = HTTPBearer(
    scheme_name="bearer",
    auto_error=False,
    bearerFormat="tjar_sk_…",
    description="The store's API key.",
)


async def require_api_key(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> ApiKey:
    return await authenticate_request(request)


async def get_context(
    request: Request, store: Annotated[Store, Depends(request_store)]
) -> Context:
    host = request.headers.get("host") or store.slug
    return Context(
        store=store,
        language=request.state.language,
        base_url=f"{request.url.scheme}://{host}",
    )


StoreSession = Annotated[AsyncSession, get_session]
ReadContext = Annotated[Context, Depends(get_context)]
