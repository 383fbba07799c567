"""Stored answers for writes sent with an ``Idempotency-Key`` (contract §3).

A key is claimed in its own short transaction before the handler runs, so a
concurrent repeat sees it at once. The answer is written in the request's own
transaction, so it is kept exactly when the change is. A request that fails
releases its claim; a claim left by a crashed process lapses after a lease.
"""

import hashlib
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response

from tjar.clock import utcnow
from tjar.db.models import IdempotencyRecord
from tjar.db.session import begin_write, store_session
from tjar.errors import Conflict
from tjar.webhooks.vault import Vault

TTL = timedelta(hours=24)
LEASE = timedelta(seconds=60)
MAX_KEY_LENGTH = 255
REPLAYED = "Idempotent-Replayed"
# Response headers a replay repeats; the rest belong to each attempt.
_KEPT_HEADERS = ("content-type", "location")


class Replay(Exception):
    """The request repeats a finished one; answer with the stored response."""

    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__(record.key)
        self.record = record


def fingerprint(request: Request, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.url.path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


async def claim(
    sessions: async_sessionmaker[AsyncSession], *, store_id: int, key: str, print_: str
) -> int:
    """Claim ``key`` for a new request and return the claim's id.

    Raises ``Replay`` for a finished repeat and ``Conflict`` for a repeat with
    another body or one whose first request is still running.
    """
    now = utcnow()
    async with store_session(sessions, store_id) as session:
        await begin_write(session)
        record = await session.scalar(
            select(IdempotencyRecord).where(IdempotencyRecord.key == key)
        )
        if record is not None and _lapsed(record):
            await session.delete(record)
            await session.flush()
            record = None
        if record is not None:
            if record.fingerprint != print_:
                raise Conflict("idempotency_key_reused")
            if record.status_code is None:
                raise Conflict("idempotency_key_in_use")
            raise Replay(record)

        record = IdempotencyRecord(
            key=key, fingerprint=print_, created_at=now, expires_at=now + TTL
        )
        session.add(record)
        try:
            await session.commit()
        except IntegrityError:
            raise Conflict("idempotency_key_in_use") from None
        return record.id


def _lapsed(record: IdempotencyRecord) -> bool:
    now = utcnow()
    if record.status_code is None:
        return record.created_at + LEASE <= now
    return record.expires_at <= now


async def record_answer(
    session: AsyncSession, claim_id: int, response: Response, *, vault: Vault
) -> None:
    """Keep ``response`` for replays, in the request's own transaction.

    Answers are kept encrypted: some show a secret once (a webhook's), and a
    replay must show it again without the database holding it in the clear.
    """
    record = await session.get(IdempotencyRecord, claim_id)
    if record is None:
        return
    if response.status_code >= 500:
        await session.delete(record)
        return
    record.status_code = response.status_code
    record.response_body = vault.seal(bytes(response.body))
    record.sealed = True
    record.response_headers = {
        name: value for name, value in response.headers.items() if name in _KEPT_HEADERS
    }


async def release(
    sessions: async_sessionmaker[AsyncSession], *, store_id: int, claim_id: int
) -> None:
    """Drop a claim whose request failed, so the caller may retry with the key."""
    async with store_session(sessions, store_id) as session:
        await begin_write(session)
        await session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.id == claim_id,
                IdempotencyRecord.status_code.is_(None),
            )
        )
        await session.commit()


def replayed(record: IdempotencyRecord, *, vault: Vault) -> Response:
    headers = dict(record.response_headers)
    headers[REPLAYED] = "true"
    body = record.response_body or b""
    return Response(
        content=vault.open(body) if record.sealed else body,
        status_code=record.status_code or 200,
        headers=headers,
    )
