"""General Settings → Developers: the key, webhooks, the log, and who may see it."""

import re

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import client_for
from tests.dashboard.helpers import add_user, sign_in, token
from tests.factories import StoreWithKey
from tests.webhooks.fixtures import register
from tests.webhooks.receiver import Answer, Receiver
from tjar.clock import ManualClock
from tjar.domain.users import Role
from tjar.webhooks.worker import Worker

PAGE = "/dashboard/settings/developers"
API = "/api/core/v1"


async def signed_in_owner(
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    store: StoreWithKey,
    role: Role = Role.OWNER,
) -> httpx.Response:
    await add_user(sessions, store, f"{role.value}@alpha.sa", role)
    await sign_in(browser, f"{role.value}@alpha.sa")
    return await browser.get(f"{PAGE}?lang=en")


async def api_status(app: FastAPI, store: StoreWithKey, key: str) -> int:
    async with client_for(app, store.domain) as api:
        response = await api.get(
            f"{API}/orders", headers={"Authorization": f"Bearer {key}"}
        )
        return response.status_code


async def test_staff_get_403_and_no_link(
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    page = await signed_in_owner(browser, sessions, alpha, Role.STAFF)
    home = await browser.get("/dashboard?lang=en")

    assert page.status_code == 403
    assert "Your role cannot open this page." in page.text
    assert PAGE not in home.text


async def test_regenerate_needs_confirmation_and_the_new_key_works_at_once(
    app: FastAPI,
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    page = await signed_in_owner(browser, sessions, alpha)
    assert f"ending in {alpha.key[-4:]}" in page.text

    unconfirmed = await browser.post(
        f"{PAGE}/key", data={"csrf_token": token(page), "action": "regenerate"}
    )
    assert unconfirmed.status_code == 422
    assert await api_status(app, alpha, alpha.key) == 200

    regenerated = await browser.post(
        f"{PAGE}/key",
        data={"csrf_token": token(page), "action": "regenerate", "confirm": "yes"},
    )
    found = re.search(r'<code id="new-key">([^<]+)</code>', regenerated.text)
    assert found is not None
    new_key = found.group(1)
    assert await api_status(app, alpha, new_key) == 200
    assert await api_status(app, alpha, alpha.key) == 401
    again = await browser.get(f"{PAGE}?lang=en")
    assert new_key not in again.text
    assert f"ending in {new_key[-4:]}" in again.text


async def test_revoke_then_generate(
    app: FastAPI,
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    page = await signed_in_owner(browser, sessions, alpha)

    revoked = await browser.post(
        f"{PAGE}/key",
        data={"csrf_token": token(page), "action": "revoke", "confirm": "yes"},
    )
    generated = await browser.post(
        f"{PAGE}/key", data={"csrf_token": token(page), "action": "generate"}
    )

    assert "This store has no API key." in revoked.text
    assert await api_status(app, alpha, alpha.key) == 401
    found = re.search(r'<code id="new-key">([^<]+)</code>', generated.text)
    assert found is not None
    assert await api_status(app, alpha, found.group(1)) == 200


async def test_webhooks_added_here_or_by_api_share_one_limit(
    client: httpx.AsyncClient,
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
    receiver: Receiver,
) -> None:
    page = await signed_in_owner(browser, sessions, alpha)
    await register(client, receiver.url("/api"), ["order.created"])

    added = await browser.post(
        f"{PAGE}/webhooks",
        data={
            "csrf_token": token(page),
            "name": "From the dashboard",
            "url": receiver.url("/dash"),
            "events": ["order.created", "product.created"],
        },
    )
    listed = (await client.get(f"{API}/webhooks")).json()["data"]
    full = await browser.get(f"{PAGE}?lang=en")
    third = await browser.post(
        f"{PAGE}/webhooks",
        data={
            "csrf_token": token(page),
            "name": "Third",
            "url": receiver.url("/third"),
            "events": ["order.created"],
        },
    )

    assert added.status_code == 200
    assert re.search(r'<code id="new-secret">whsec_[^<]+</code>', added.text)
    assert [w["name"] for w in listed["webhooks"]] == ["Receiver", "From the dashboard"]
    assert listed["webhooks"][1]["events"] == ["order.created", "product.created"]
    assert "2 / 2" in full.text
    assert "<fieldset disabled" in full.text
    assert "reached its limit of 2 webhooks" in full.text
    assert third.status_code == 422
    assert len((await client.get(f"{API}/webhooks")).json()["data"]["webhooks"]) == 2


async def test_forms_without_the_token_change_nothing(
    client: httpx.AsyncClient,
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
    receiver: Receiver,
) -> None:
    await signed_in_owner(browser, sessions, alpha)

    forged = await browser.post(
        f"{PAGE}/webhooks",
        data={"name": "x", "url": receiver.url(), "events": ["order.created"]},
    )
    revoke = await browser.post(
        f"{PAGE}/key", data={"action": "revoke", "confirm": "yes"}
    )

    assert forged.status_code == revoke.status_code == 403
    assert (await client.get(f"{API}/webhooks")).json()["data"]["webhooks"] == []


async def test_test_event_shows_in_the_log_and_can_be_redelivered(
    client: httpx.AsyncClient,
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
    receiver: Receiver,
    worker: Worker,
    clock: ManualClock,
) -> None:
    receiver.script = lambda item: Answer(500, body=b"down for lunch")
    page = await signed_in_owner(browser, sessions, alpha)
    webhook_id, _ = await register(client, receiver.url(), ["order.created"])
    hook_page = f"{PAGE}/webhooks/{webhook_id}"

    sent = await browser.post(f"{hook_page}/test", data={"csrf_token": token(page)})
    await worker.run_once()
    log = await browser.get(f"{hook_page}?lang=en")
    developers = await browser.get(f"{PAGE}?lang=en")
    delivery_id = re.search(r"/deliveries/(\d+)/redeliver", log.text)
    assert delivery_id is not None
    again = await browser.post(
        f"{hook_page}/deliveries/{delivery_id.group(1)}/redeliver",
        data={"csrf_token": token(page)},
    )
    await worker.run_once()

    assert sent.status_code == 303
    assert "webhook.test" in log.text
    assert "500" in log.text
    assert "down for lunch" in log.text
    assert "Webhook problem" in developers.text
    assert "Failing" in developers.text
    assert again.status_code == 303
    assert len(receiver.received) == 2
    assert (
        receiver.received[0].headers["webhook-id"]
        == receiver.received[1].headers["webhook-id"]
    )
