"""The webhook management API: register, limit, validate, re-key, verify, replay."""

import asyncio
import time
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks.webhooks import Webhook as Reference

from tests.api.routes.test_order_writes import BUYER, ORDERS, product, set_store
from tests.conftest import client_for
from tests.factories import StoreWithKey
from tests.webhooks.fixtures import FakeResolver, register
from tests.webhooks.receiver import Receiver, verified_by_reference
from tjar.api.schemas import (
    DeliveryList,
    Envelope,
    EventTypeList,
    WebhookList,
    WebhookWithSecret,
)
from tjar.clock import ManualClock
from tjar.db.models import IdempotencyRecord, Webhook
from tjar.db.session import store_session
from tjar.domain.webhooks import TargetPolicy
from tjar.webhooks.worker import Worker

WEBHOOKS = "/api/core/v1/webhooks"
LIMIT_EN = "This store has reached its limit of 2 webhooks. " + (
    "Delete one to add another."
)
HOOK = {
    "name": "ERP",
    "url": "https://erp.example.com/hooks",
    "events": ["order.created"],
}


@pytest.fixture
def public_dns(resolver: FakeResolver) -> FakeResolver:
    resolver.names["erp.example.com"] = ["93.184.216.34"]
    resolver.names["oms.example.com"] = ["93.184.216.35"]
    resolver.names["sneaky.example.com"] = ["93.184.216.36", "10.0.0.5"]
    resolver.names["inside.example.com"] = ["127.0.0.1"]
    resolver.names["meta.example.com"] = ["169.254.169.254"]
    return resolver


async def webhook_rows(
    sessions: async_sessionmaker[AsyncSession], store_id: int
) -> list[tuple[str, str, list[str], str]]:
    async with store_session(sessions, store_id) as session:
        rows = await session.scalars(select(Webhook).order_by(Webhook.id))
        return [(w.name, w.url, list(w.events), w.secret) for w in rows]


async def test_register_shows_the_secret_once_and_lists_usage(
    client: httpx.AsyncClient,
    public_dns: FakeResolver,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    created = await client.post(WEBHOOKS, json=HOOK, headers={"Accept-Language": "en"})

    assert created.status_code == 201
    body = created.json()
    Envelope[WebhookWithSecret].model_validate(body)
    data = body["data"]
    assert body["message"] == "Webhook created successfully."
    assert data["secret"].startswith("whsec_")
    assert len(Reference(data["secret"])._whsecret) == 32
    assert data["status"] == "active"
    assert data["events"] == ["order.created"]
    # Stored encrypted, never as given.
    [(_, _, _, stored)] = await webhook_rows(sessions, alpha.store.id)
    assert data["secret"] not in stored

    listed = (await client.get(WEBHOOKS)).json()
    Envelope[WebhookList].model_validate(listed)
    assert listed["data"]["usage"] == {"used": 1, "limit": 2}
    assert "secret" not in listed["data"]["webhooks"][0]
    assert "secret" not in (await client.get(f"{WEBHOOKS}/{data['id']}")).json()["data"]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", LIMIT_EN),
        ("ar", "بلغ هذا المتجر حده من نقاط الاستقبال (2). احذف واحدة لتضيف أخرى."),
    ],
)
async def test_a_third_webhook_is_refused_in_the_callers_language(
    client: httpx.AsyncClient,
    public_dns: FakeResolver,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
    language: str,
    message: str,
) -> None:
    await register(client, "https://erp.example.com/a", ["order.created"])
    await register(client, "https://erp.example.com/b", ["order.created"])
    before = await webhook_rows(sessions, alpha.store.id)

    third = await client.post(
        WEBHOOKS,
        json={**HOOK, "url": "https://erp.example.com/c"},
        headers={"Accept-Language": language},
    )

    assert third.status_code == 422
    assert third.json()["code"] == "webhook_limit_reached"
    assert third.json()["message"] == message
    assert await webhook_rows(sessions, alpha.store.id) == before


async def test_the_limit_is_a_store_setting(
    client: httpx.AsyncClient,
    public_dns: FakeResolver,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await set_store(sessions, alpha.store.id, webhook_limit=3)
    for path in ("a", "b", "c"):
        await register(client, f"https://erp.example.com/{path}", ["order.created"])

    listed = (await client.get(WEBHOOKS)).json()["data"]

    assert listed["usage"] == {"used": 3, "limit": 3}


@pytest.mark.postgres_only
async def test_the_limit_holds_when_three_creates_race(
    app: FastAPI,
    public_dns: FakeResolver,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def create(path: str) -> int:
        async with client_for(app, alpha.domain) as http:
            http.headers["Authorization"] = f"Bearer {alpha.key}"
            response = await http.post(
                WEBHOOKS, json={**HOOK, "url": f"https://erp.example.com/{path}"}
            )
            return response.status_code

    for _ in range(3):
        statuses = await asyncio.gather(*(create(p) for p in ("a", "b", "c")))
        assert sorted(statuses) == [201, 201, 422]
        assert len(await webhook_rows(sessions, alpha.store.id)) == 2
        async with store_session(sessions, alpha.store.id) as session:
            for webhook in await session.scalars(select(Webhook)):
                await session.delete(webhook)
            await session.commit()


async def test_a_retried_register_takes_one_slot_and_shows_the_same_secret(
    client: httpx.AsyncClient,
    public_dns: FakeResolver,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    headers = {"Idempotency-Key": "register-erp-1"}
    first = await client.post(WEBHOOKS, json=HOOK, headers=headers)
    again = await client.post(WEBHOOKS, json=HOOK, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert len(await webhook_rows(sessions, alpha.store.id)) == 1
    # The stored answer holds the secret encrypted, not in the clear.
    async with store_session(sessions, alpha.store.id) as session:
        [record] = await session.scalars(select(IdempotencyRecord))
    assert first.json()["data"]["secret"].encode() not in (record.response_body or b"")


BAD_URLS = {
    "ftp://erp.example.com/hooks": "Use an http or https URL.",
    "https://user:pw@erp.example.com/hooks": (
        "Leave user names and passwords out of the URL."
    ),
    "not a url": "Use an http or https URL.",
    "https://erp.example.com:99999/": "Enter a valid URL.",
    "https://１２７.0.0.1/": "Enter a valid URL.",
    "https://erp.example.com:0/": "Enter a valid URL.",
    "https://erp.example.com/hooks#frag": "Leave the fragment (#...) out of the URL.",
}
PRIVATE = (
    "This URL points to a private, local or reserved address; "
    "webhooks are sent only to public addresses."
)
# Each a way of writing a loopback, private, link-local or metadata address.
PRIVATE_SPELLINGS = [
    "https://127.0.0.1/",
    "https://localhost/",
    "https://api.localhost/",
    "https://2130706433/",
    "https://0x7f000001/",
    "https://0x7f.1/",
    "https://0177.0.0.1/",
    "https://127.1/",
    "https://[::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:7f00:1]/",
    "https://[64:ff9b::7f00:1]/",
    "https://10.1.2.3/",
    "https://172.16.0.1/",
    "https://192.168.1.1/",
    "https://100.64.0.1/",
    "https://169.254.169.254/latest/meta-data/",
    "https://2852039166/",
    "https://[fe80::1]/",
    "https://[fd00:ec2::254]/",
    "https://100.100.100.200/",
    "https://224.0.0.1/",
    "https://0.0.0.0/",
    "https://[::]/",
    "https://inside.example.com/",
    "https://sneaky.example.com/",
    "https://[::ffff:10.0.0.1]/",
    "https://[2002:7f00:1::]/",
]


@pytest.fixture
def strict_targets(app: FastAPI, public_dns: FakeResolver) -> FakeResolver:
    """Targets as production checks them: https and public addresses only."""
    app.state.target_policy = TargetPolicy(allow_private=False, resolver=public_dns)
    return public_dns


@pytest.mark.parametrize("url", PRIVATE_SPELLINGS)
async def test_private_targets_are_refused_at_save_time(
    client: httpx.AsyncClient,
    strict_targets: FakeResolver,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
    url: str,
) -> None:
    response = await client.post(
        WEBHOOKS, json={**HOOK, "url": url}, headers={"Accept-Language": "en"}
    )

    assert response.status_code == 422, url
    assert response.json()["errors"] == {"url": [PRIVATE]}
    assert await webhook_rows(sessions, alpha.store.id) == []


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/",
        "http://[fe80::1]/",
        "http://[fd00:ec2::254]/",
        "http://[::ffff:169.254.169.254]/",
    ],
)
async def test_link_local_and_metadata_are_refused_even_where_private_is_allowed(
    client: httpx.AsyncClient, public_dns: FakeResolver, url: str
) -> None:
    response = await client.post(
        WEBHOOKS, json={**HOOK, "url": url}, headers={"Accept-Language": "en"}
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {"url": [PRIVATE]}


async def test_http_is_refused_in_production(
    client: httpx.AsyncClient, strict_targets: FakeResolver
) -> None:
    response = await client.post(
        WEBHOOKS,
        json={**HOOK, "url": "http://erp.example.com/hooks"},
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {"url": ["Use an https URL."]}


@pytest.mark.parametrize(("url", "message"), list(BAD_URLS.items()))
async def test_bad_urls_are_refused(
    client: httpx.AsyncClient, public_dns: FakeResolver, url: str, message: str
) -> None:
    response = await client.post(
        WEBHOOKS, json={**HOOK, "url": url}, headers={"Accept-Language": "en"}
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {"url": [message]}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"events": []}, {"events": ["Choose at least one event."]}),
        (
            {"events": ["order.created", "order.shipped"]},
            {"events.1": ["There is no event called order.shipped."]},
        ),
        ({"name": "  "}, {"name": ["This field is required."]}),
        (
            {"name": "Evil\nBcc: victim@example.com"},
            {"name": ["Leave out control characters such as line breaks."]},
        ),
        (
            {"name": "Two\u2028lines"},
            {"name": ["Leave out control characters such as line breaks."]},
        ),
        ({"events": "order.created"}, {"events": ["Send a list."]}),
        ({"secret": "mine"}, {"secret": ["This field is not accepted."]}),
    ],
)
async def test_bad_bodies_are_422_and_write_nothing(
    client: httpx.AsyncClient,
    public_dns: FakeResolver,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
    body: dict[str, Any],
    errors: dict[str, list[str]],
) -> None:
    response = await client.post(
        WEBHOOKS, json={**HOOK, **body}, headers={"Accept-Language": "en"}
    )

    assert response.status_code == 422
    assert response.json()["errors"] == errors
    assert await webhook_rows(sessions, alpha.store.id) == []


async def test_a_url_is_used_once_per_store(
    client: httpx.AsyncClient,
    public_dns: FakeResolver,
    alpha: StoreWithKey,
    beta: StoreWithKey,
    app: FastAPI,
) -> None:
    await register(client, HOOK["url"], ["order.created"])  # type: ignore[arg-type]
    again = await client.post(WEBHOOKS, json=HOOK, headers={"Accept-Language": "en"})
    async with client_for(app, beta.domain) as other:
        other.headers["Authorization"] = f"Bearer {beta.key}"
        elsewhere = await other.post(WEBHOOKS, json=HOOK)

    assert again.status_code == 422
    assert again.json()["errors"] == {
        "url": ["Another webhook of this store already uses this URL."]
    }
    assert elsewhere.status_code == 201


async def test_update_changes_what_is_sent_and_refuses_what_create_refuses(
    client: httpx.AsyncClient,
    public_dns: FakeResolver,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    webhook_id, _ = await register(client, HOOK["url"], ["order.created"])  # type: ignore[arg-type]
    path = f"{WEBHOOKS}/{webhook_id}"

    changed = await client.put(
        path, json={"name": "OMS", "events": ["product.created", "order.created"]}
    )
    before = await webhook_rows(sessions, alpha.store.id)
    refused = await client.put(path, json={"url": "https://meta.example.com/"})
    off = await client.put(path, json={"is_active": False})

    assert changed.status_code == 200
    assert changed.json()["data"]["name"] == "OMS"
    assert changed.json()["data"]["url"] == HOOK["url"]
    assert changed.json()["data"]["events"] == ["product.created", "order.created"]
    assert refused.status_code == 422
    assert off.json()["data"]["status"] == "disabled"
    assert off.json()["data"]["disabled_reason"] is None
    assert [row[:3] for row in await webhook_rows(sessions, alpha.store.id)] == [
        row[:3] for row in before
    ]


async def test_delete_frees_a_slot(
    client: httpx.AsyncClient, public_dns: FakeResolver
) -> None:
    first, _ = await register(client, "https://erp.example.com/a", ["order.created"])
    await register(client, "https://erp.example.com/b", ["order.created"])

    deleted = await client.delete(f"{WEBHOOKS}/{first}")
    third = await client.post(WEBHOOKS, json=HOOK)

    assert deleted.status_code == 200
    assert (await client.get(f"{WEBHOOKS}/{first}")).status_code == 404
    assert third.status_code == 201


async def test_events_are_listed_in_both_languages(client: httpx.AsyncClient) -> None:
    body = (await client.get(f"{WEBHOOKS}/events")).json()

    Envelope[EventTypeList].model_validate(body)
    names = [event["name"] for event in body["data"]["events"]]
    assert names[:3] == ["order.created", "order.updated", "order.status.updated"]
    assert "webhook.test" in names
    assert len(names) == 13
    assert all(
        e["description"]["ar"] and e["description"]["en"]
        for e in body["data"]["events"]
    )


async def test_refreshed_secret_signs_beside_the_old_one_for_a_day(
    client: httpx.AsyncClient,
    worker: Worker,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    webhook_id, old = await register(client, receiver.url(), ["webhook.test"])

    refreshed = await client.post(f"{WEBHOOKS}/{webhook_id}/refresh-secret")
    new = refreshed.json()["data"]["secret"]
    await client.post(f"{WEBHOOKS}/{webhook_id}/test")
    await worker.run_once()
    clock.advance(hours=24, seconds=1)
    await client.post(f"{WEBHOOKS}/{webhook_id}/test")
    await worker.run_once()

    assert refreshed.status_code == 200
    assert new != old
    during, after = receiver.wait_for(2)
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert verified_by_reference(new, during)
    assert verified_by_reference(old, during)
    assert after.headers["webhook-signature"].count("v1,") == 1
    assert verified_by_reference(new, after)
    assert not verified_by_reference(old, after)


async def test_verify_signature_says_why(
    client: httpx.AsyncClient,
    worker: Worker,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    webhook_id, _ = await register(client, receiver.url(), ["webhook.test"])
    await client.post(f"{WEBHOOKS}/{webhook_id}/test")
    await worker.run_once()
    [arrived] = receiver.wait_for(1)
    headers = {
        name: arrived.headers[name]
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
    }

    async def verify(**changes: Any) -> dict[str, Any]:
        body = {
            "webhook_id": webhook_id,
            "payload": arrived.body.decode(),
            "headers": headers,
            **changes,
        }
        response = await client.post(f"{WEBHOOKS}/verify-signature", json=body)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    assert await verify() == {"valid": True, "reason": None}
    tampered = arrived.body.decode().replace("test", "tset")
    assert await verify(payload=tampered) == {"valid": False, "reason": "bad_signature"}
    assert await verify(webhook_id=99999) == {
        "valid": False,
        "reason": "unknown_webhook",
    }
    missing = {k: v for k, v in headers.items() if k != "webhook-signature"}
    assert await verify(headers=missing) == {"valid": False, "reason": "missing_header"}
    # Checked byte for byte, and the timestamp exactly as it was signed.
    bad = {"valid": False, "reason": "bad_signature"}
    assert await verify(payload=arrived.body.decode() + "\n") == bad
    assert await verify(payload=" " + arrived.body.decode()) == bad
    assert await verify(headers={**headers, "webhook-signature": "v1,é"}) == bad
    stamp = headers["webhook-timestamp"]
    for odd in ("+" + stamp, "0" + stamp, stamp[:3] + "_" + stamp[3:], "9" * 4000):
        changed = {**headers, "webhook-timestamp": odd}
        assert await verify(headers=changed) == {
            "valid": False,
            "reason": "timestamp_out_of_tolerance",
        }, odd
    clock.advance(minutes=5, seconds=1)
    assert await verify() == {"valid": False, "reason": "timestamp_out_of_tolerance"}


async def test_test_event_goes_to_its_webhook_whatever_it_subscribes_to(
    client: httpx.AsyncClient,
    worker: Worker,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    webhook_id, secret = await register(client, receiver.url(), ["order.refunded"])
    await register(client, receiver.url("/other"), ["order.refunded"])

    queued = await client.post(f"{WEBHOOKS}/{webhook_id}/test")
    await worker.run_once()

    assert queued.status_code == 202
    assert queued.json()["data"]["status"] == "pending"
    [arrived] = receiver.wait_for(1)
    assert arrived.path == "/hook"
    payload = orjson.loads(arrived.body)
    assert payload["type"] == "webhook.test"
    assert payload["data"]["webhook"]["id"] == webhook_id
    assert verified_by_reference(secret, arrived)


async def test_redeliver_sends_the_same_event_again(
    client: httpx.AsyncClient,
    worker: Worker,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    webhook_id, _ = await register(client, receiver.url(), ["order.created"])
    item = await product(client)
    order = (
        await client.post(
            ORDERS,
            json={"customer": BUYER, "products": [{"id": item["id"], "quantity": 1}]},
        )
    ).json()["data"]
    await worker.run_once()
    log = (await client.get(f"{WEBHOOKS}/{webhook_id}/deliveries")).json()["data"]
    first = log["deliveries"][0]
    # The order changes; the replay still carries the event as it happened.
    await client.post(f"{ORDERS}/{order['id']}/status", json={"status": "processing"})

    queued = await client.post(
        f"{WEBHOOKS}/{webhook_id}/deliveries/{first['id']}/redeliver"
    )
    await worker.run_once()

    assert queued.status_code == 202
    assert queued.json()["data"]["event_id"] == first["event_id"]
    original, replay = receiver.wait_for(2)
    assert replay.body == original.body
    assert replay.headers["webhook-id"] == original.headers["webhook-id"]
    missing = await client.post(f"{WEBHOOKS}/{webhook_id}/deliveries/99999/redeliver")
    assert missing.status_code == 404
    assert missing.json()["code"] == "delivery_not_found"


async def test_the_log_filters_by_status_and_event_and_pages(
    client: httpx.AsyncClient,
    worker: Worker,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    webhook_id, _ = await register(
        client, receiver.url(), ["product.created", "product.updated"]
    )
    item = await product(client)
    for price in ("11", "12"):
        await client.patch(f"/api/core/v1/products/{item['id']}", json={"price": price})
    await worker.run_once()
    await client.post(f"{WEBHOOKS}/{webhook_id}/test")
    log = f"{WEBHOOKS}/{webhook_id}/deliveries"

    everything = (await client.get(log)).json()
    updated = (await client.get(log, params={"event": "product.updated"})).json()
    pending = (await client.get(log, params={"status": "pending"})).json()
    paged = (await client.get(log, params={"per_page": 2})).json()
    bad = await client.get(log, params={"status": "lost"})

    Envelope[DeliveryList].model_validate(everything)
    assert len(everything["data"]["deliveries"]) == 4
    assert everything["data"]["deliveries"][0]["event"] == "webhook.test"
    assert [d["event"] for d in updated["data"]["deliveries"]] == [
        "product.updated"
    ] * 2
    assert [d["event"] for d in pending["data"]["deliveries"]] == ["webhook.test"]
    assert paged["data"]["pagination"]["total"] == 4
    assert len(paged["data"]["deliveries"]) == 2
    assert bad.status_code == 422


async def test_a_turned_off_webhook_cannot_be_tested_or_replayed(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    webhook_id, _ = await register(client, receiver.url(), ["order.created"])
    await client.put(f"{WEBHOOKS}/{webhook_id}", json={"is_active": False})

    response = await client.post(
        f"{WEBHOOKS}/{webhook_id}/test", headers={"Accept-Language": "en"}
    )

    assert response.status_code == 409
    assert response.json()["message"] == "This webhook is turned off; turn it on first."


async def test_signature_timestamps_are_unix_seconds_of_the_attempt(
    client: httpx.AsyncClient, worker: Worker, receiver: Receiver
) -> None:
    webhook_id, secret = await register(client, receiver.url(), ["order.created"])
    await client.post(f"{WEBHOOKS}/{webhook_id}/test")
    before = int(time.time())

    await worker.run_once()

    [arrived] = receiver.wait_for(1)
    assert before <= int(arrived.headers["webhook-timestamp"]) <= int(time.time())
    Reference(secret).verify(arrived.body, arrived.headers, json_parse=False)


async def test_no_webhooks_means_an_empty_list(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    body = (await client.get(WEBHOOKS)).json()["data"]

    assert body["webhooks"] == []
    assert body["usage"] == {"used": 0, "limit": 2}
    async with store_session(sessions, alpha.store.id) as session:
        assert await session.scalar(select(func.count(Webhook.id))) == 0
