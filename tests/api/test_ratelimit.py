import time
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import client_for
from tests.factories import StoreWithKey
from tjar.app import create_app
from tjar.config import Settings

ORDERS = "/api/core/v1/orders"


@pytest.fixture
async def limited(
    settings: Settings, alpha: StoreWithKey
) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(settings.model_copy(update={"rate_limit_per_minute": 3}))
    async with client_for(app, alpha.domain) as http:
        http.headers["Authorization"] = f"Bearer {alpha.key}"
        yield http
    await app.state.engine.dispose()


async def test_every_authenticated_answer_carries_the_headers(
    limited: httpx.AsyncClient,
) -> None:
    ok = await limited.get(ORDERS)
    not_found = await limited.get(f"{ORDERS}/99999")

    for response, remaining in ((ok, "2"), (not_found, "1")):
        assert response.headers["x-ratelimit-limit"] == "3"
        assert response.headers["x-ratelimit-remaining"] == remaining
        reset = int(response.headers["x-ratelimit-reset"])
        assert time.time() < reset <= time.time() + 61


async def test_past_the_limit_is_429_with_retry_after(
    limited: httpx.AsyncClient,
) -> None:
    for _ in range(3):
        assert (await limited.get(ORDERS)).status_code == 200

    response = await limited.get(ORDERS, headers={"Accept-Language": "en"})

    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "rate_limited"
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert body["message"] == f"Too many requests. Try again in {retry_after} seconds."
    assert response.headers["x-ratelimit-remaining"] == "0"


async def test_unauthenticated_answers_do_not_count(limited: httpx.AsyncClient) -> None:
    for _ in range(5):
        await limited.get(ORDERS, headers={"Authorization": "Bearer nope"})

    response = await limited.get(ORDERS)

    assert response.status_code == 200
    assert response.headers["x-ratelimit-remaining"] == "2"
