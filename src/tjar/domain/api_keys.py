"""Store API keys: made from 32 random bytes, shown once, kept as a digest.

A key is ``{prefix}{43 url-safe characters}``; the prefix lets secret scanners
spot a leaked key. The key carries 256 bits of randomness, so a single SHA-256
digest is enough to store it (a slow password hash would add latency to every
request and no safety).
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tjar.clock import utcnow
from tjar.db.models import ApiKey
from tjar.errors import Unauthenticated

_KEY_BYTES = 32
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedKey:
    """A new key: ``secret`` exists only here and is never stored."""

    record: ApiKey
    secret: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def get_active_key(session: AsyncSession) -> ApiKey | None:
    return await session.scalar(select(ApiKey).where(ApiKey.revoked_at.is_(None)))


async def revoke_api_key(session: AsyncSession) -> bool:
    """Revoke the store's active key; return whether there was one."""
    result = await session.execute(
        update(ApiKey).where(ApiKey.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    return bool(getattr(result, "rowcount", 0))


async def create_api_key(session: AsyncSession, *, prefix: str) -> IssuedKey:
    """Issue the store's key, revoking the one it had (regenerate)."""
    await revoke_api_key(session)
    secret = prefix + secrets.token_urlsafe(_KEY_BYTES)
    record = ApiKey(key_hash=digest(secret), last_four=secret[-4:])
    session.add(record)
    await session.flush()
    return IssuedKey(record=record, secret=secret)


async def authenticate(
    session: AsyncSession, authorization: str | None, *, prefix: str
) -> ApiKey:
    """Return the active key named by a ``Bearer`` header."""
    scheme, _, secret = (authorization or "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret.startswith(prefix):
        raise Unauthenticated()

    wanted = digest(secret)
    key = await session.scalar(
        select(ApiKey).where(ApiKey.key_hash == wanted, ApiKey.revoked_at.is_(None))
    )
    if key is None or not hmac.compare_digest(key.key_hash, wanted):
        raise Unauthenticated()
    return key


def use_is_due(key: ApiKey) -> bool:
    """Tell whether ``key``'s last use is older than the recorded precision."""
    last = key.last_used_at
    return last is None or utcnow() - last >= LAST_USED_PRECISION


async def record_use(session: AsyncSession, key: ApiKey) -> None:
    """Note that ``key`` was used now, at minute precision (one write a minute)."""
    now = utcnow()
    if not use_is_due(key):
        return
    await session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key.id,
            ApiKey.last_used_at.is_(None)
            | (ApiKey.last_used_at <= now - LAST_USED_PRECISION),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    key.last_used_at = now
