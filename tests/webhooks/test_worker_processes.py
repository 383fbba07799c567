"""Real ``tjar worker`` processes sharing one outbox on PostgreSQL."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import StoreWithKey
from tests.webhooks.receiver import Answer, Received, Receiver
from tjar.clock import utcnow
from tjar.config import Settings
from tjar.db.models import WebhookDelivery, WebhookEvent
from tjar.db.session import store_session
from tjar.domain.webhooks import TargetPolicy, WebhookInput, create_webhook
from tjar.webhooks.outbox import emit
from tjar.webhooks.vault import Vault

EVENTS = 2000
pytestmark = pytest.mark.postgres_only


async def _no_dns(host: str, port: int) -> list[str]:
    raise OSError(host)


async def queue_events(
    sessions: async_sessionmaker[AsyncSession], store_id: int, url: str, count: int
) -> None:
    """Register a webhook and commit ``count`` events for it, 500 a transaction."""
    async with store_session(sessions, store_id, write=True) as session:
        await create_webhook(
            session,
            data=WebhookInput(name="Load", url=url, events=["order.updated"]),
            vault=Vault("test-secret"),
            policy=TargetPolicy(allow_private=True, resolver=_no_dns),
        )
        await session.commit()
    for start in range(0, count, 500):
        async with store_session(sessions, store_id, write=True) as session:
            for number in range(start, min(start + 500, count)):
                data = {"id": number, "version": 1, "updated_at": utcnow().isoformat()}
                await emit(session, "order.updated", lambda ctx, data=data: data)
            await session.commit()


class Workers:
    """``tjar worker`` processes on the test database, stopped at the end."""

    def __init__(self, settings: Settings, log_dir: Path) -> None:
        self.env = {
            **os.environ,
            "TJAR_ENV": "test",
            "TJAR_DATABASE_URL": settings.database_url,
            "TJAR_SECRET_KEY": settings.secret_key,
            "TJAR_LOG_LEVEL": "WARNING",
            "TJAR_WORKER_LEASE_SECONDS": "3",
        }
        self.log_dir = log_dir
        self.running: list[subprocess.Popen[bytes]] = []
        self.logs: list[IO[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"worker-{len(self.running)}.log").open("wb")
        self.logs.append(log)
        process = subprocess.Popen(
            [sys.executable, "-m", "tjar", "worker", "--concurrency", "16"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.running.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self.logs:
            log.close()


@pytest.fixture
def workers(settings: Settings, tmp_path: Path) -> Iterator[Workers]:
    group = Workers(settings, tmp_path)
    yield group
    group.stop_all()


async def settled(
    sessions: async_sessionmaker[AsyncSession], store_id: int, within: float
) -> int:
    """Wait until no delivery is pending; return how many succeeded."""
    deadline = time.monotonic() + within
    while True:
        async with store_session(sessions, store_id) as session:
            rows = dict(
                (
                    await session.execute(
                        select(WebhookDelivery.status, func.count()).group_by(
                            WebhookDelivery.status
                        )
                    )
                ).all()
            )
        if not rows.get("pending"):
            return int(rows.get("succeeded", 0))
        assert time.monotonic() < deadline, rows
        await asyncio.sleep(0.2)


async def reclaimed(
    sessions: async_sessionmaker[AsyncSession], store_id: int
) -> set[str]:
    """Return the event ids of deliveries claimed more than once."""
    async with store_session(sessions, store_id) as session:
        rows = await session.scalars(
            select(WebhookEvent.public_id)
            .join(WebhookDelivery, WebhookDelivery.event_id == WebhookEvent.id)
            .where(WebhookDelivery.claims > 1)
        )
        return set(rows)


async def test_two_workers_deliver_every_event_exactly_once(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
    receiver: Receiver,
    workers: Workers,
) -> None:
    await queue_events(sessions, alpha.store.id, receiver.url(), EVENTS)

    first, second = workers.start(), workers.start()
    succeeded = await settled(sessions, alpha.store.id, within=120)
    workers.stop_all()

    assert succeeded == EVENTS
    counts = receiver.ids()
    assert len(counts) == EVENTS
    assert max(counts.values()) == 1
    assert first.returncode == 0
    assert second.returncode == 0


async def test_a_killed_worker_loses_nothing(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
    receiver: Receiver,
    workers: Workers,
) -> None:
    def slowly(_: Received) -> Answer:
        time.sleep(0.005)
        return Answer(200)

    receiver.script = slowly
    await queue_events(sessions, alpha.store.id, receiver.url(), EVENTS)

    doomed = workers.start()
    await asyncio.to_thread(receiver.wait_for, 300, 60.0)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    at_kill = len(receiver.ids())
    workers.start()
    succeeded = await settled(sessions, alpha.store.id, within=120)

    assert doomed.returncode == -signal.SIGKILL
    assert at_kill < EVENTS
    assert succeeded == EVENTS
    # At least once: every event arrived. Only what the killed worker held
    # when it died (sent, or about to be, and not yet recorded) can arrive
    # twice: rows claimed again after their lease, with the same webhook-id.
    counts = receiver.ids()
    assert len(counts) == EVENTS
    twice = {event_id for event_id, seen in counts.items() if seen > 1}
    assert max(counts.values()) <= 2
    assert twice <= await reclaimed(sessions, alpha.store.id)
    assert len(twice) <= 100
