"""Events from the code that causes them, delivered over real HTTP on loopback."""

import asyncio
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.api.routes.test_order_writes import BUYER, ORDERS, PRODUCTS, product
from tests.conftest import client_for
from tests.factories import StoreWithKey
from tests.webhooks.fixtures import order_body, register
from tests.webhooks.receiver import Receiver, verified_by_reference
from tjar.clock import ManualClock
from tjar.db.models import WebhookDelivery, WebhookEvent
from tjar.db.session import store_session
from tjar.webhooks.worker import Worker

ALL_ORDER_EVENTS = [
    "order.created",
    "order.updated",
    "order.status.updated",
    "order.cancelled",
    "order.refunded",
]


def payloads(receiver: Receiver) -> list[dict[str, Any]]:
    return [orjson.loads(item.body) for item in receiver.received]


async def outbox_size(
    sessions: async_sessionmaker[AsyncSession], store_id: int
) -> tuple[int, int]:
    async with store_session(sessions, store_id) as session:
        events = await session.scalar(select(func.count(WebhookEvent.id)))
        deliveries = await session.scalar(select(func.count(WebhookDelivery.id)))
    return int(events or 0), int(deliveries or 0)


async def test_order_created_arrives_signed_in_the_apis_own_shape(
    client: httpx.AsyncClient,
    worker: Worker,
    receiver: Receiver,
    alpha: StoreWithKey,
    clock: ManualClock,
) -> None:
    webhook_id, secret = await register(client, receiver.url(), ALL_ORDER_EVENTS)
    item = await product(client)

    created = await client.post(
        ORDERS,
        json=order_body(item, 2),
    )
    assert created.status_code == 201
    sent = await worker.run_once()

    assert sent == 1  # order.created alone, not also order.updated
    [arrived] = receiver.wait_for(1)
    assert verified_by_reference(secret, arrived)
    payload = orjson.loads(arrived.body)
    order = created.json()["data"]
    assert payload["type"] == "order.created"
    assert payload["id"] == arrived.headers["webhook-id"]
    assert payload["id"].startswith("evt_")
    assert payload["store"] == {"id": alpha.store.id, "domain": alpha.domain}
    assert payload["data"] == order
    assert payload["data"]["version"] == 1
    assert payload["created_at"].endswith("+03:00")
    assert arrived.headers["content-type"] == "application/json"
    assert arrived.headers["x-tjar-event"] == "order.created"
    assert arrived.headers["x-tjar-store"] == alpha.domain
    assert arrived.headers["user-agent"].startswith("Tjar-Webhooks/")
    assert int(arrived.headers["webhook-timestamp"]) == int(clock().timestamp())

    log = await client.get(f"/api/core/v1/webhooks/{webhook_id}/deliveries")
    [delivery] = log.json()["data"]["deliveries"]
    assert delivery["status"] == "succeeded"
    assert delivery["event_id"] == payload["id"]
    assert [a["status_code"] for a in delivery["attempts"]] == [200]
    assert delivery["attempts"][0]["response_excerpt"] == "ok"


async def test_status_moves_emit_their_events_with_rising_versions(
    client: httpx.AsyncClient, worker: Worker, receiver: Receiver, clock: ManualClock
) -> None:
    await register(client, receiver.url(), ALL_ORDER_EVENTS)
    item = await product(client)
    order = (
        await client.post(
            ORDERS,
            json=order_body(item, 1),
        )
    ).json()["data"]
    path = f"{ORDERS}/{order['id']}"

    # A second apart, so the time-ordered event ids sort as the changes did.
    clock.advance(seconds=1)
    await client.post(f"{path}/status", json={"status": "processing"})
    clock.advance(seconds=1)
    await client.patch(path, json={"notes": "Ring twice"})
    clock.advance(seconds=1)
    await client.post(f"{path}/status", json={"status": "cancelled"})
    await worker.run_once()

    received = payloads(receiver)
    by_id = sorted(received, key=lambda p: p["id"])
    assert [p["type"] for p in by_id] == [
        "order.created",
        "order.status.updated",
        "order.updated",
        "order.status.updated",
        "order.cancelled",
    ]
    assert [p["data"]["version"] for p in by_id] == [1, 2, 3, 4, 4]
    assert by_id[2]["data"]["notes"] == "Ring twice"
    assert by_id[4]["data"]["status"]["value"] == "cancelled"


async def test_refused_changes_emit_nothing(
    client: httpx.AsyncClient,
    worker: Worker,
    receiver: Receiver,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await register(client, receiver.url(), ALL_ORDER_EVENTS + ["product.created"])
    item = await product(client, quantity=1)
    before = await outbox_size(sessions, alpha.store.id)

    too_many = await client.post(
        ORDERS,
        json=order_body(item, 5),
    )
    bad_product = await client.post(PRODUCTS, json={"name_en": "No price"})

    assert too_many.status_code == 422
    assert bad_product.status_code == 422
    assert await outbox_size(sessions, alpha.store.id) == before
    assert await worker.run_once() == 1  # product.created only
    assert [p["type"] for p in payloads(receiver)] == ["product.created"]


async def test_product_and_customer_events(
    client: httpx.AsyncClient, worker: Worker, receiver: Receiver, clock: ManualClock
) -> None:
    await register(
        client,
        receiver.url(),
        [
            "product.created",
            "product.updated",
            "product.deleted",
            "product.quantity.low",
            "customer.created",
        ],
    )
    item = await product(
        client, quantity=5, is_inventory_warning=True, inventory_warning_threshold=2
    )
    clock.advance(seconds=1)
    await client.patch(f"{PRODUCTS}/{item['id']}", json={"price": "12.50"})
    # 5 -> 4 stays above the alert; 4 -> 2 reaches it; 2 -> 1 is already below.
    for quantity in (1, 2, 1):
        clock.advance(seconds=1)
        response = await client.post(
            ORDERS,
            json={
                "customer": BUYER,
                "products": [{"id": item["id"], "quantity": quantity}],
            },
        )
        assert response.status_code == 201
    clock.advance(seconds=1)
    await client.post(
        "/api/core/v1/customers", json={"name": "Sara", "email": "sara@example.com"}
    )
    clock.advance(seconds=1)
    await client.delete(f"{PRODUCTS}/{item['id']}")
    await worker.run_once()

    received = sorted(payloads(receiver), key=lambda p: p["id"])
    assert [p["type"] for p in received] == [
        "product.created",
        "product.updated",
        "customer.created",  # the first order's new buyer
        "product.quantity.low",
        "customer.created",
        "product.deleted",
    ]
    assert received[1]["data"]["price"] == 12.5
    assert received[3]["data"]["stock"] == 2
    assert received[4]["data"]["email"] == "sara@example.com"
    assert received[5]["data"]["id"] == item["id"]


async def test_nothing_is_written_when_no_webhook_listens(
    client: httpx.AsyncClient,
    receiver: Receiver,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await register(client, receiver.url(), ["customer.created"], is_active=False)
    await register(client, receiver.url("/other"), ["product.deleted"])

    await product(client)

    assert await outbox_size(sessions, alpha.store.id) == (0, 0)


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_payloads_use_the_stores_language_whatever_the_caller_reads(
    client: httpx.AsyncClient,
    worker: Worker,
    receiver: Receiver,
    language: str,
) -> None:
    await register(client, receiver.url(), ["order.created"])
    item = await product(client)
    response = await client.post(
        ORDERS,
        json=order_body(item, 1),
        headers={"Accept-Language": language},
    )
    await worker.run_once()

    [payload] = payloads(receiver)
    arabic = (
        await client.get(
            f"{ORDERS}/{response.json()['data']['id']}",
            headers={"Accept-Language": "ar"},
        )
    ).json()["data"]
    assert payload["data"] == arabic


async def test_a_refund_emits_order_refunded_and_a_payment_change_order_updated(
    client: httpx.AsyncClient, worker: Worker, receiver: Receiver, clock: ManualClock
) -> None:
    await register(client, receiver.url(), ALL_ORDER_EVENTS)
    item = await product(client)
    order = (await client.post(ORDERS, json=order_body(item))).json()["data"]
    path = f"{ORDERS}/{order['id']}/status"

    for change in (
        {"payment_status": "paid"},
        {"status": "processing"},
        {"status": "completed"},
        {"status": "refunded"},
    ):
        clock.advance(seconds=1)
        response = await client.post(path, json=change)
        assert response.status_code == 200, response.text
    await worker.run_once()

    received = sorted(payloads(receiver), key=lambda p: p["id"])
    assert [p["type"] for p in received] == [
        "order.created",
        "order.updated",
        "order.status.updated",
        "order.status.updated",
        "order.status.updated",
        "order.refunded",
    ]
    assert received[1]["data"]["payment_status"]["value"] == "paid"
    assert received[-1]["data"]["status"]["value"] == "refunded"


@pytest.mark.postgres_only
async def test_concurrent_deletes_of_one_product_emit_one_event(
    app: FastAPI,
    client: httpx.AsyncClient,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
) -> None:
    await register(client, receiver.url(), ["product.deleted"])
    item = await product(client)

    async def delete() -> int:
        async with client_for(app, alpha.domain) as http:
            http.headers["Authorization"] = f"Bearer {alpha.key}"
            return (await http.delete(f"{PRODUCTS}/{item['id']}")).status_code

    statuses = await asyncio.gather(*(delete() for _ in range(4)))

    assert sorted(statuses) == [200, 404, 404, 404]
    assert await outbox_size(sessions, alpha.store.id) == (1, 1)
