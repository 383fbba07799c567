import asyncio
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.api.probe_routes import PROBE
from tests.conftest import client_for
from tests.factories import StoreWithKey
from tjar.clock import ManualClock, use_clock
from tjar.db.models import Customer, IdempotencyRecord
from tjar.db.session import store_session

CUSTOMERS = f"{PROBE}/customers"
BODY = {"name": "Noura", "quantity": 1}


async def rows(
    sessions: async_sessionmaker[AsyncSession], store_id: int, model: type
) -> int:
    async with store_session(sessions, store_id) as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_a_repeated_key_replays_the_first_answer(
    probe: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    first = await probe.post(CUSTOMERS, json=BODY, headers={"Idempotency-Key": "k-1"})
    again = await probe.post(CUSTOMERS, json=BODY, headers={"Idempotency-Key": "k-1"})

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert await rows(sessions, alpha.store.id, Customer) == 1


async def test_the_same_key_with_another_body_is_409_and_changes_nothing(
    probe: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    await probe.post(CUSTOMERS, json=BODY, headers={"Idempotency-Key": "k-2"})

    reused = await probe.post(
        CUSTOMERS,
        json={"name": "Other", "quantity": 1},
        headers={"Idempotency-Key": "k-2", "Accept-Language": "en"},
    )

    assert reused.status_code == 409
    assert reused.json()["code"] == "idempotency_key_reused"
    assert await rows(sessions, alpha.store.id, Customer) == 1


async def test_keys_are_per_store(
    app: FastAPI,
    probe: httpx.AsyncClient,
    beta: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await probe.post(CUSTOMERS, json=BODY, headers={"Idempotency-Key": "shared"})

    async with client_for(app, beta.domain) as other:
        response = await other.post(
            CUSTOMERS,
            json=BODY,
            headers={
                "Idempotency-Key": "shared",
                "Authorization": f"Bearer {beta.key}",
            },
        )

    assert response.status_code == 201
    assert "idempotent-replayed" not in response.headers
    assert await rows(sessions, beta.store.id, Customer) == 1


async def test_a_failed_request_frees_its_key(
    probe: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    refused = await probe.post(
        CUSTOMERS, json={"name": "x", "quantity": 0}, headers={"Idempotency-Key": "k-3"}
    )
    crashed = await probe.post(
        f"{PROBE}/fail", json=BODY, headers={"Idempotency-Key": "k-4"}
    )

    assert refused.status_code == 422
    assert crashed.status_code == 500
    assert await rows(sessions, alpha.store.id, IdempotencyRecord) == 0
    retried = await probe.post(CUSTOMERS, json=BODY, headers={"Idempotency-Key": "k-3"})
    assert retried.status_code == 201


async def test_a_refused_request_leaves_nothing_written(
    probe: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    response = await probe.post(
        f"{PROBE}/refuse-after-write", json=BODY, headers={"Idempotency-Key": "k-6"}
    )

    assert response.status_code == 422
    assert await rows(sessions, alpha.store.id, Customer) == 0
    assert await rows(sessions, alpha.store.id, IdempotencyRecord) == 0


async def test_keys_expire_after_24_hours(
    probe: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    clock = ManualClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    with use_clock(clock):
        await probe.post(CUSTOMERS, json=BODY, headers={"Idempotency-Key": "k-5"})
        clock.advance(hours=23, minutes=59)
        within = await probe.post(
            CUSTOMERS, json=BODY, headers={"Idempotency-Key": "k-5"}
        )
        clock.advance(minutes=2)
        after = await probe.post(
            CUSTOMERS, json=BODY, headers={"Idempotency-Key": "k-5"}
        )

    assert within.headers.get("idempotent-replayed") == "true"
    assert "idempotent-replayed" not in after.headers
    assert await rows(sessions, alpha.store.id, Customer) == 2


async def test_an_overlong_key_is_422(probe: httpx.AsyncClient) -> None:
    response = await probe.post(
        CUSTOMERS, json=BODY, headers={"Idempotency-Key": "k" * 256}
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["Idempotency-Key"]


async def test_concurrent_requests_with_one_key_write_once(
    probe: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    responses = await asyncio.gather(
        *(
            probe.post(CUSTOMERS, json=BODY, headers={"Idempotency-Key": "race"})
            for _ in range(5)
        )
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
    assert await rows(sessions, alpha.store.id, Customer) == 1
