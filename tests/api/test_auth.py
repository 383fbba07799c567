from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import client_for
from tests.factories import KEY_PREFIX, StoreWithKey
from tjar.clock import ManualClock, use_clock
from tjar.db.models import ApiKey
from tjar.db.session import store_session
from tjar.domain.api_keys import create_api_key, get_active_key, revoke_api_key

ORDERS = "/api/core/v1/orders"


def assert_unauthenticated(response: httpx.Response, secret: str | None = None) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "unauthenticated"
    assert response.json()["status"] == "error"
    if secret:
        assert secret not in response.text
        assert all(secret not in value for value in response.headers.values())


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        f"Bearer {KEY_PREFIX}not-a-real-key",
        "Bearer something-without-the-prefix",
    ],
)
async def test_missing_or_malformed_keys_are_401(
    app: FastAPI, alpha: StoreWithKey, header: str | None
) -> None:
    async with client_for(app, alpha.domain) as http:
        headers = {} if header is None else {"Authorization": header}
        response = await http.get(ORDERS, headers=headers)

    assert_unauthenticated(response, (header or "").partition(" ")[2].strip() or None)


async def test_the_scheme_is_case_insensitive(
    app: FastAPI, alpha: StoreWithKey
) -> None:
    async with client_for(app, alpha.domain) as http:
        response = await http.get(
            ORDERS, headers={"Authorization": f"bearer {alpha.key}"}
        )

    assert response.status_code == 200


async def test_revoked_and_regenerated_keys_stop_on_the_next_request(
    app: FastAPI, alpha: StoreWithKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with client_for(app, alpha.domain) as http:
        assert (
            await http.get(ORDERS, headers={"Authorization": f"Bearer {alpha.key}"})
        ).status_code == 200

        async with store_session(sessions, alpha.store.id) as session:
            fresh = await create_api_key(session, prefix=KEY_PREFIX)
            await session.commit()

        old = await http.get(ORDERS, headers={"Authorization": f"Bearer {alpha.key}"})
        new = await http.get(
            ORDERS, headers={"Authorization": f"Bearer {fresh.secret}"}
        )
        assert_unauthenticated(old, alpha.key)
        assert new.status_code == 200

        async with store_session(sessions, alpha.store.id) as session:
            assert await revoke_api_key(session)
            await session.commit()

        revoked = await http.get(
            ORDERS, headers={"Authorization": f"Bearer {fresh.secret}"}
        )
        assert_unauthenticated(revoked, fresh.secret)


async def test_keys_are_stored_as_digests_and_last_use_is_tracked(
    client: httpx.AsyncClient,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with store_session(sessions, alpha.store.id) as session:
        before = await get_active_key(session)
    assert before is not None
    assert before.last_used_at is None

    await client.get(ORDERS)

    async with store_session(sessions, alpha.store.id) as session:
        key = await get_active_key(session)
        assert key is not None
        assert key.last_used_at is not None
        assert key.last_four == alpha.key[-4:]
        assert alpha.key not in key.key_hash
        assert len(key.key_hash) == 64


async def test_a_key_is_long_random_and_prefixed(
    sessions: async_sessionmaker[AsyncSession], alpha: StoreWithKey
) -> None:
    async with store_session(sessions, alpha.store.id) as session:
        issued = await create_api_key(session, prefix=KEY_PREFIX)
        await session.commit()
        keys = (await session.scalars(ApiKey.__table__.select())).all()

    assert issued.secret.startswith(KEY_PREFIX)
    assert len(issued.secret) - len(KEY_PREFIX) >= 43  # 32 bytes, base64url
    assert len(keys) == 2  # the first is kept, revoked


async def test_the_key_never_reaches_the_logs(
    client: httpx.AsyncClient, alpha: StoreWithKey, capfd: pytest.CaptureFixture[str]
) -> None:
    await client.get(ORDERS)
    await client.get(ORDERS, headers={"Authorization": f"Bearer {alpha.key}x"})

    captured = capfd.readouterr()
    assert alpha.key not in captured.err + captured.out


async def test_last_use_is_recorded_at_minute_precision(
    client: httpx.AsyncClient,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))

    async def last_used() -> datetime | None:
        async with store_session(sessions, alpha.store.id) as session:
            key = await get_active_key(session)
            assert key is not None
            return key.last_used_at

    with use_clock(clock):
        await client.get(ORDERS)
        first = await last_used()
        clock.advance(seconds=30)
        await client.get(ORDERS)
        unchanged = await last_used()
        clock.advance(seconds=31)
        await client.get(ORDERS)
        moved = await last_used()

    assert first == datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    assert unchanged == first
    assert moved == datetime(2026, 6, 1, 9, 1, 1, tzinfo=UTC)
