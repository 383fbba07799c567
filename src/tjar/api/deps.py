"""Request dependencies: the store, its bound session, and the API key."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from tjar.api import idempotency
from tjar.api.ratelimit import RateLimiter
from tjar.config import Settings
from tjar.db.models import ApiKey, Store
from tjar.db.session import store_session
from tjar.domain.api_keys import authenticate
from tjar.errors import StoreNotFound
from tjar.representation.common import Context


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    store: Store | None = getattr(request.state, "store", None)
    if store is None:
        raise StoreNotFound()
    return store


async def _open_session(
    request: Request, store: Annotated[Store, Depends(get_store)]
) -> AsyncIterator[AsyncSession]:
    """Open the request's session, bound to its store, committed on success."""
    sessions = request.app.state.sessions
    async with store_session(sessions, store.id) as session:
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


async def require_api_key(
    request: Request,
    session: Annotated[AsyncSession, get_session],
    settings: Annotated[Settings, Depends(get_settings)],
) -> ApiKey:
    """Authenticate the request's Bearer key for its store, then count it."""
    key = await authenticate(
        session,
        request.headers.get("authorization"),
        prefix=settings.api_key_prefix,
    )
    # Commit the key's last use now, so a failing handler still records it.
    await session.commit()
    limiter: RateLimiter = request.app.state.rate_limiter
    await limiter.hit(request, f"key:{key.id}")
    return key


def get_context(
    request: Request, store: Annotated[Store, Depends(get_store)]
) -> Context:
    host = request.headers.get("host") or store.slug
    return Context(
        store=store,
        language=request.state.language,
        base_url=f"{request.url.scheme}://{host}",
    )


StoreSession = Annotated[AsyncSession, get_session]
ReadContext = Annotated[Context, Depends(get_context)]
