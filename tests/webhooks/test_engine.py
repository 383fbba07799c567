"""The worker's machinery: leases, the send-time guard, waking, cleanup, size."""

import asyncio
from datetime import timedelta

import httpx
import orjson
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.api.routes.test_order_writes import ORDERS, product
from tests.factories import StoreWithKey
from tests.webhooks.fixtures import FakeResolver, order_body, register
from tests.webhooks.receiver import Receiver, verified_by_reference
from tjar.clock import ManualClock, utcnow
from tjar.config import Settings
from tjar.db.models import WebhookAttempt, WebhookDelivery, WebhookEvent
from tjar.db.session import store_session
from tjar.domain.webhooks import TargetPolicy, WebhookInput, create_webhook
from tjar.webhooks.outbox import MAX_PAYLOAD_BYTES, emit
from tjar.webhooks.sender import AttemptResult, Sender
from tjar.webhooks.vault import Vault
from tjar.webhooks.worker import LEASE, Done, Worker, build_worker, cleanup

WEBHOOKS = "/api/core/v1/webhooks"


async def only_delivery(
    sessions: async_sessionmaker[AsyncSession], store_id: int
) -> WebhookDelivery:
    async with store_session(sessions, store_id) as session:
        [delivery] = await session.scalars(select(WebhookDelivery))
    return delivery


async def test_a_worker_that_dies_leaves_its_work_to_another_after_the_lease(
    client: httpx.AsyncClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    resolver: FakeResolver,
    worker: Worker,
    receiver: Receiver,
    alpha: StoreWithKey,
    clock: ManualClock,
) -> None:
    webhook_id, _ = await register(client, receiver.url(), ["webhook.test"])
    await client.post(f"{WEBHOOKS}/{webhook_id}/test")
    other = build_worker(settings, sessions, concurrency=4, resolver=resolver)

    [taken] = await worker.claim(10)  # ... and this worker dies before sending
    assert await other.claim(10) == []
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert await other.run_once() == 0
    clock.advance(seconds=1)
    assert await other.run_once() == 1
    # The first worker wakes up late and reports: it no longer holds the lease.
    await worker.record([Done(taken, AttemptResult(500, 3), utcnow())])
    await other.sender.aclose()

    assert len(receiver.received) == 1
    delivery = await only_delivery(sessions, alpha.store.id)
    assert delivery.status == "succeeded"
    assert delivery.claims == 2
    assert delivery.last_status_code == 200


async def test_the_send_time_guard_refuses_a_name_that_now_points_inside(
    app: FastAPI,
    client: httpx.AsyncClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    resolver: FakeResolver,
    alpha: StoreWithKey,
    clock: ManualClock,
) -> None:
    strict = settings.model_copy(update={"webhook_allow_private_targets": False})
    app.state.target_policy = TargetPolicy(allow_private=False, resolver=resolver)
    resolver.names["hooks.example.com"] = ["93.184.216.34"]
    webhook_id, _ = await register(
        client, "https://hooks.example.com/in", ["webhook.test"]
    )
    # Saved while public; the name is then pointed at this machine.
    resolver.names["hooks.example.com"] = ["127.0.0.1"]
    await client.post(f"{WEBHOOKS}/{webhook_id}/test")
    guarded = build_worker(strict, sessions, resolver=resolver)

    await guarded.run_once()
    await guarded.sender.aclose()

    log = (await client.get(f"{WEBHOOKS}/{webhook_id}/deliveries")).json()["data"]
    [attempt] = log["deliveries"][0]["attempts"]
    assert attempt["status_code"] is None
    assert attempt["error"] == "ConnectError: address not allowed: 127.0.0.1"
    assert log["deliveries"][0]["status"] == "pending"


async def test_the_in_process_worker_wakes_on_commit_not_on_a_timer(
    client: httpx.AsyncClient,
    worker: Worker,
    receiver: Receiver,
) -> None:
    await register(client, receiver.url(), ["order.created"])
    item = await product(client)
    worker.poll_interval = 60.0  # only the commit's doorbell can wake it in time
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    await asyncio.sleep(0)

    for _ in range(3):
        response = await client.post(ORDERS, json=order_body(item))
        assert response.status_code == 201
    arrived = await asyncio.to_thread(receiver.wait_for, 3, 5.0)
    stop.set()
    await asyncio.wait_for(running, 5.0)

    assert [orjson.loads(a.body)["type"] for a in arrived] == ["order.created"] * 3


async def test_cleanup_keeps_fourteen_days_of_log(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    worker: Worker,
    receiver: Receiver,
    alpha: StoreWithKey,
    clock: ManualClock,
) -> None:
    webhook_id, _ = await register(client, receiver.url(), ["webhook.test"])
    await client.post(f"{WEBHOOKS}/{webhook_id}/test")
    await worker.run_once()
    clock.advance(days=10)
    await client.post(f"{WEBHOOKS}/{webhook_id}/test")
    await worker.run_once()
    clock.advance(days=5)

    removed = await cleanup(sessions, before=utcnow() - timedelta(days=14))

    assert removed == 1
    async with store_session(sessions, alpha.store.id) as session:
        kept = list(await session.scalars(select(WebhookDelivery)))
        events = await session.scalar(select(func.count(WebhookEvent.id)))
        attempts = await session.scalar(select(func.count(WebhookAttempt.id)))
    assert len(kept) == 1
    assert (events, attempts) == (1, 1)


async def test_payloads_over_256_kb_carry_identifiers_only(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    alpha: StoreWithKey,
) -> None:
    webhook_id, _ = await register(client, receiver.url(), ["order.updated"])
    huge = {"id": 7, "version": 3, "updated_at": "2026-12-04T10:00:00+03:00"}
    huge["notes"] = "x" * MAX_PAYLOAD_BYTES  # type: ignore[assignment]

    async with store_session(sessions, alpha.store.id) as session:
        event = await emit(session, "order.updated", lambda ctx: huge)
        await session.commit()

    assert event is not None
    assert len(event.body) < 1024
    assert orjson.loads(event.body)["data"] == {
        "id": 7,
        "version": 3,
        "updated_at": "2026-12-04T10:00:00+03:00",
        "truncated": True,
    }


async def test_an_attempt_for_a_webhook_deleted_meanwhile_is_dropped(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    worker: Worker,
    receiver: Receiver,
    alpha: StoreWithKey,
) -> None:
    webhook_id, _ = await register(client, receiver.url(), ["webhook.test"])
    await client.post(f"{WEBHOOKS}/{webhook_id}/test")
    [job] = await worker.claim(10)
    done = await worker.attempt(job)

    await client.delete(f"{WEBHOOKS}/{webhook_id}")
    await worker.record([done])

    async with store_session(sessions, alpha.store.id) as session:
        assert await session.scalar(select(func.count(WebhookAttempt.id))) == 0
        assert await session.scalar(select(func.count(WebhookDelivery.id))) == 0


LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "2130706433",
    "0x7f000001",
    "0x7f.1",
    "127.1",
    "[::ffff:127.0.0.1]",
    "[::1]",
    "localhost",
    "inside.example.com",
]


async def test_every_spelling_of_this_machine_is_refused_when_sending(
    resolver: FakeResolver, receiver: Receiver
) -> None:
    resolver.names["inside.example.com"] = ["127.0.0.1"]
    sender = Sender(allow_private=False, resolver=resolver)

    results = {
        host: await sender.send(
            f"https://{host}:{receiver.port}/hook", {"content-type": "text/plain"}, b"x"
        )
        for host in LOOPBACK_SPELLINGS
    }
    await sender.aclose()

    assert receiver.received == []
    for host, result in results.items():
        assert result.status_code is None, host
        assert result.error is not None
        assert "address not allowed" in result.error, (host, result.error)


async def test_plain_http_is_not_sent_where_private_targets_are_refused(
    resolver: FakeResolver, receiver: Receiver
) -> None:
    # Saved while allowed (development), sent by a production worker.
    sender = Sender(allow_private=False, resolver=resolver)

    result = await sender.send(receiver.url(), {}, b"{}")
    shouted = await sender.send(f"HTTPS://127.0.0.1:{receiver.port}/hook", {}, b"{}")
    await sender.aclose()

    assert receiver.received == []
    assert result.error == "refused: https is required"
    # The scheme is https whatever its case; this one stops at the address.
    assert shouted.error == "ConnectError: address not allowed: 127.0.0.1"


async def test_a_refresh_after_the_platform_key_changed_signs_again_at_once(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    worker: Worker,
    receiver: Receiver,
    alpha: StoreWithKey,
) -> None:
    # Sealed under a platform key this server no longer has.
    async with store_session(sessions, alpha.store.id) as session:
        webhook, _ = await create_webhook(
            session,
            data=WebhookInput(name="Old", url=receiver.url(), events=["order.created"]),
            vault=Vault("a key since replaced"),
            policy=TargetPolicy(allow_private=True, resolver=FakeResolver()),
        )
        await session.commit()

    refreshed = await client.post(f"{WEBHOOKS}/{webhook.id}/refresh-secret")
    await client.post(f"{WEBHOOKS}/{webhook.id}/test")
    await worker.run_once()

    [arrived] = receiver.wait_for(1)
    secret = refreshed.json()["data"]["secret"]
    assert arrived.headers["webhook-signature"].count("v1,") == 1
    assert verified_by_reference(secret, arrived)


async def test_who_listens_is_read_again_once_a_webhook_is_added(
    sessions: async_sessionmaker[AsyncSession], alpha: StoreWithKey
) -> None:
    """The session remembers the listeners, but not past a webhook change."""
    data = {"id": 7, "version": 1}
    async with store_session(sessions, alpha.store.id, write=True) as session:
        before = await emit(session, "order.updated", lambda ctx: data)
        await create_webhook(
            session,
            data=WebhookInput(
                name="Later", url="http://127.0.0.1:9/later", events=["order.updated"]
            ),
            vault=Vault("test-secret"),
            policy=TargetPolicy(allow_private=True, resolver=FakeResolver()),
        )
        after = await emit(session, "order.updated", lambda ctx: data)
        await session.commit()

    assert before is None
    assert after is not None
    async with store_session(sessions, alpha.store.id) as session:
        assert await session.scalar(select(func.count(WebhookDelivery.id))) == 1
