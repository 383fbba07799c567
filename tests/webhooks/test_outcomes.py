"""What each answer does: retries on the schedule, 410, Retry-After, the 4xx cap,
the 5-day disable with its notice and mail, and attempts that are refused."""

import socket
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.api.routes.test_order_writes import ORDERS, product, set_store
from tests.factories import StoreWithKey
from tests.webhooks.fixtures import FakeResolver, order_body, register
from tests.webhooks.receiver import Answer, Received, Receiver, verified_by_reference
from tjar.clock import ManualClock
from tjar.config import Settings
from tjar.db.models import StoreNotice, WebhookDelivery
from tjar.db.session import store_session
from tjar.domain.users import Role, create_user
from tjar.webhooks.notices import Mailer
from tjar.webhooks.schedule import RETRY_DELAYS
from tjar.webhooks.worker import Worker, build_worker

WEBHOOKS = "/api/core/v1/webhooks"


async def place_order(client: httpx.AsyncClient) -> dict[str, Any]:
    item = await product(client)
    response = await client.post(
        ORDERS,
        json=order_body(item, 1),
    )
    assert response.status_code == 201
    data: dict[str, Any] = response.json()["data"]
    return data


async def deliveries(
    sessions: async_sessionmaker[AsyncSession], store_id: int
) -> list[WebhookDelivery]:
    async with store_session(sessions, store_id) as session:
        return list(
            await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
        )


async def webhook(client: httpx.AsyncClient, webhook_id: int) -> dict[str, Any]:
    data: dict[str, Any] = (await client.get(f"{WEBHOOKS}/{webhook_id}")).json()["data"]
    return data


def answering(status: int, **headers: str) -> Any:
    return lambda _: Answer(status, headers)


async def test_failures_are_retried_on_the_schedule_then_fail(
    client: httpx.AsyncClient,
    worker: Worker,
    receiver: Receiver,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    receiver.script = answering(503)
    webhook_id, secret = await register(client, receiver.url(), ["order.created"])
    await place_order(client)

    waits = []
    for _ in RETRY_DELAYS:
        await worker.run_once()
        [delivery] = await deliveries(sessions, alpha.store.id)
        assert delivery.status == "pending"
        assert delivery.next_attempt_at is not None
        waits.append(delivery.next_attempt_at - clock())
        # Not due a moment before its time...
        clock.current = delivery.next_attempt_at - timedelta(seconds=1)
        assert await worker.run_once() == 0
        clock.advance(seconds=1)
    await worker.run_once()

    [delivery] = await deliveries(sessions, alpha.store.id)
    assert delivery.status == "failed"
    assert delivery.attempts == 8
    for wait, planned in zip(waits, RETRY_DELAYS, strict=True):
        assert planned * 0.9 <= wait <= planned * 1.1
    arrived = receiver.received
    assert len(arrived) == 8
    assert len({item.headers["webhook-id"] for item in arrived}) == 1
    assert len({item.headers["webhook-timestamp"] for item in arrived}) == 8
    assert len({item.body for item in arrived}) == 1
    assert all(verified_by_reference(secret, item) for item in arrived)
    log = (await client.get(f"{WEBHOOKS}/{webhook_id}/deliveries")).json()["data"]
    [entry] = log["deliveries"]
    assert [a["number"] for a in entry["attempts"]] == list(range(1, 9))
    assert {a["status_code"] for a in entry["attempts"]} == {503}
    assert entry["status"] == "failed"
    assert entry["next_attempt_at"] is None


async def test_gone_disables_the_webhook_at_once_and_tells_the_owner(
    client: httpx.AsyncClient,
    worker: Worker,
    receiver: Receiver,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    receiver.script = answering(410)
    webhook_id, _ = await register(client, receiver.url(), ["order.created"])
    await place_order(client)
    await place_order(client)

    await worker.run_once(limit=1)
    await worker.run_once()

    assert len(receiver.received) == 1
    state = await webhook(client, webhook_id)
    assert state["status"] == "disabled"
    assert state["is_active"] is False
    assert state["disabled_reason"] == "gone"
    assert [d.status for d in await deliveries(sessions, alpha.store.id)] == [
        "failed",
        "failed",
    ]
    async with store_session(sessions, alpha.store.id) as session:
        [notice] = await session.scalars(select(StoreNotice))
    assert notice.kind == "webhook_disabled"
    assert notice.params["reason"] == "gone"

    # Nothing more is queued for it until the store turns it on again.
    await place_order(client)
    assert await worker.run_once() == 0
    again = await client.put(f"{WEBHOOKS}/{webhook_id}", json={"is_active": True})
    assert again.json()["data"]["status"] == "active"
    assert again.json()["data"]["disabled_reason"] is None


async def test_retry_after_is_honoured(
    client: httpx.AsyncClient,
    worker: Worker,
    receiver: Receiver,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    receiver.script = answering(429, **{"Retry-After": "120"})
    await register(client, receiver.url(), ["order.created"])
    await place_order(client)

    await worker.run_once()

    [delivery] = await deliveries(sessions, alpha.store.id)
    assert delivery.next_attempt_at == clock() + timedelta(seconds=120)


async def test_other_client_errors_are_tried_three_times_in_all(
    client: httpx.AsyncClient,
    worker: Worker,
    receiver: Receiver,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    receiver.script = answering(400)
    await register(client, receiver.url(), ["order.created"])
    await place_order(client)

    for _ in range(5):
        await worker.run_once()
        clock.advance(hours=3)

    [delivery] = await deliveries(sessions, alpha.store.id)
    assert delivery.status == "failed"
    assert delivery.attempts == 3
    assert len(receiver.received) == 3


async def test_redirects_are_not_followed(
    client: httpx.AsyncClient,
    worker: Worker,
    receiver: Receiver,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    target = receiver.url("/elsewhere")
    receiver.script = lambda item: (
        Answer(302, {"Location": target}) if item.path == "/hook" else Answer(200)
    )
    await register(client, receiver.url(), ["order.created"])
    await place_order(client)

    await worker.run_once()

    assert [item.path for item in receiver.received] == ["/hook"]
    [delivery] = await deliveries(sessions, alpha.store.id)
    assert delivery.last_status_code == 302
    assert delivery.status == "pending"


async def test_timeouts_and_refused_connections_are_logged_and_retried(
    client: httpx.AsyncClient,
    worker: Worker,
    receiver: Receiver,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    def slow(_: Received) -> Answer:
        time.sleep(0.5)
        return Answer(200)

    receiver.script = slow
    worker.sender.total_timeout = 0.2
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    slow_id, _ = await register(client, receiver.url(), ["order.created"])
    closed_id, _ = await register(
        client, f"http://127.0.0.1:{closed_port}/hook", ["order.created"]
    )
    await place_order(client)

    await worker.run_once()

    logs = {}
    for webhook_id in (slow_id, closed_id):
        data = (await client.get(f"{WEBHOOKS}/{webhook_id}/deliveries")).json()["data"]
        [entry] = data["deliveries"]
        assert entry["status"] == "pending"
        logs[webhook_id] = entry["attempts"][0]
    assert logs[slow_id]["error"] == "timeout"
    assert logs[slow_id]["status_code"] is None
    assert logs[closed_id]["error"].startswith("ConnectError")
    assert (await webhook(client, slow_id))["status"] == "failing"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, str]]:
    """A real SMTP server on loopback that keeps what it receives."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


async def test_five_days_of_failures_warn_then_disable_and_mail_the_owner(
    client: httpx.AsyncClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    resolver: FakeResolver,
    receiver: Receiver,
    alpha: StoreWithKey,
    clock: ManualClock,
    smtp: tuple[Inbox, str],
) -> None:
    inbox, url = smtp
    async with store_session(sessions, alpha.store.id) as session:
        await create_user(
            session, email="owner@example.com", role=Role.OWNER, password=None
        )
        await session.commit()
    worker = build_worker(settings, sessions, resolver=resolver)
    worker.mailer = Mailer(url, "Tjar <no-reply@tjar.test>")
    receiver.script = answering(500)
    webhook_id, _ = await register(client, receiver.url(), ["order.created"])
    started = clock()

    notices: list[tuple[datetime, str]] = []
    while clock() - started < timedelta(days=6):
        await place_order(client)
        await worker.run_once()
        async with store_session(sessions, alpha.store.id) as session:
            for notice in await session.scalars(select(StoreNotice)):
                if (notice.created_at, notice.kind) not in notices:
                    notices.append((notice.created_at, notice.kind))
        clock.advance(hours=6)
    await worker.housekeeping()
    await worker.sender.aclose()

    assert [kind for _, kind in notices] == ["webhook_failing", "webhook_disabled"]
    warned, disabled = (at - started for at, _ in notices)
    assert timedelta(days=1) <= warned < timedelta(days=1, hours=6)
    assert timedelta(days=5) <= disabled < timedelta(days=5, hours=6)
    state = await webhook(client, webhook_id)
    assert state["status"] == "disabled"
    assert state["disabled_reason"] == "failed_5_days"
    assert len(inbox.messages) == 2
    assert {m.rcpt_tos[0] for m in inbox.messages} == {"owner@example.com"}
    subjects = [
        str(make_header(decode_header(message_from_bytes(m.content)["Subject"])))
        for m in inbox.messages
    ]
    # The store reads Arabic.
    assert all("Receiver" in subject for subject in subjects)
    assert subjects[0] != subjects[1]
    async with store_session(sessions, alpha.store.id) as session:
        statuses = {n.email_status for n in await session.scalars(select(StoreNotice))}
    assert statuses == {"sent"}


async def test_odd_answers_from_one_receiver_do_not_hold_back_the_others(
    client: httpx.AsyncClient,
    worker: Worker,
    receiver: Receiver,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    answers = {
        "/huge-wait": Answer(429, {"Retry-After": "1" * 5000}),
        "/odd-digit": Answer(200, {"Retry-After": "²"}),
        "/nul": Answer(500, {}, b"bad\x00answer"),
        "/healthy": Answer(200),
    }
    receiver.script = lambda item: answers[item.path]
    await set_store(sessions, alpha.store.id, webhook_limit=4)
    for path in answers:
        await register(client, receiver.url(path), ["order.created"])
    await place_order(client)

    assert await worker.run_once() == 4

    by_path = {}
    for webhook in (await client.get(WEBHOOKS)).json()["data"]["webhooks"]:
        log = await client.get(f"{WEBHOOKS}/{webhook['id']}/deliveries")
        [delivery] = log.json()["data"]["deliveries"]
        by_path[webhook["url"].rsplit("/", 1)[1]] = delivery
    assert {path: d["attempt_count"] for path, d in by_path.items()} == {
        "huge-wait": 1,
        "odd-digit": 1,
        "nul": 1,
        "healthy": 1,
    }
    assert by_path["healthy"]["status"] == "succeeded"
    assert by_path["odd-digit"]["status"] == "succeeded"
    assert by_path["nul"]["attempts"][0]["response_excerpt"] == "bad\ufffdanswer"
    [waiting] = [
        d
        for d in await deliveries(sessions, alpha.store.id)
        if d.last_status_code == 429
    ]
    assert waiting.next_attempt_at == clock() + timedelta(hours=24)
