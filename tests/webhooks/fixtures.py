import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.webhooks.receiver import Receiver
from tjar.app import API_PREFIX
from tjar.clock import ManualClock, use_clock
from tjar.config import Settings
from tjar.domain.webhooks import TargetPolicy
from tjar.webhooks.worker import Worker, build_worker


class FakeResolver:
    """DNS for tests: names map to addresses here, and nothing leaves the machine."""

    def __init__(self) -> None:
        self.names: dict[str, list[str]] = {}

    async def __call__(self, host: str, port: int) -> list[str]:
        if host not in self.names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.names[host]


@pytest.fixture
def resolver(app: FastAPI) -> FakeResolver:
    fake = FakeResolver()
    policy: TargetPolicy = app.state.target_policy
    app.state.target_policy = TargetPolicy(
        allow_private=policy.allow_private, resolver=fake
    )
    return fake


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
async def worker(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    resolver: FakeResolver,
) -> AsyncIterator[Worker]:
    built = build_worker(settings, sessions, concurrency=8, resolver=resolver)
    yield built
    await built.sender.aclose()


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    """A test clock that starts at the real time, so signatures stay fresh."""
    manual = ManualClock(datetime.now(UTC).replace(microsecond=0))
    with use_clock(manual):
        yield manual


async def register(
    client: httpx.AsyncClient, url: str, events: list[str], **extra: Any
) -> tuple[int, str]:
    """Register a webhook through the API; return its id and secret."""
    response = await client.post(
        f"{API_PREFIX}/webhooks",
        json={"name": "Receiver", "url": url, "events": events, **extra},
    )
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    return data["id"], data["secret"]


def order_body(item: dict[str, Any], quantity: int = 1) -> dict[str, Any]:
    """An order for ``quantity`` of one product, for a buyer of its own."""
    return {
        "customer": {"name": "Noura", "email": "noura@example.com"},
        "products": [{"id": item["id"], "quantity": quantity}],
    }
