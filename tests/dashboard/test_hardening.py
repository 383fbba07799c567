"""What a break-test of the dashboard found, kept from coming back."""

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import client_for
from tests.dashboard.helpers import PASSWORD, add_user, sign_in, token
from tests.factories import StoreWithKey, make_webhook
from tests.webhooks.fixtures import register
from tests.webhooks.receiver import Receiver
from tjar.dashboard.sessions import COOKIE

PAGE = "/dashboard/settings/developers"


async def owner(
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    store: StoreWithKey,
) -> str:
    await add_user(sessions, store, "owner@alpha.sa")
    await sign_in(browser, "owner@alpha.sa")
    return token(await browser.get(f"{PAGE}?lang=en"))


@pytest.mark.parametrize(
    "email", ["o\x00@alpha.sa", "owner\x07@alpha.sa", "owner\u200b@alpha.sa"]
)
async def test_odd_characters_in_a_sign_in_are_a_plain_refusal(
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
    email: str,
) -> None:
    await add_user(sessions, alpha, "owner@alpha.sa")

    assert (await sign_in(browser, email)).status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        f"{PAGE}/webhooks/99999999999999999999999",
        f"{PAGE}/webhooks/3000000000",
        f"{PAGE}/webhooks/abc",
        f"{PAGE}/webhooks/0",
    ],
)
async def test_malformed_ids_are_the_404_page(
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
    path: str,
) -> None:
    csrf = await owner(browser, sessions, alpha)

    shown = await browser.get(path)
    posted = await browser.post(f"{path}/refresh-secret", data={"csrf_token": csrf})

    assert shown.status_code == posted.status_code == 404
    assert shown.headers["content-type"].startswith("text/html")


async def test_another_stores_webhook_and_a_missing_delivery_are_404(
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
    beta: StoreWithKey,
    client: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    csrf = await owner(browser, sessions, alpha)
    foreign, delivery = await make_webhook(sessions, beta.store)
    own, _ = await register(client, receiver.url(), ["order.created"])

    answers = [
        await browser.post(
            f"{PAGE}/webhooks/{foreign.id}/delete",
            data={"csrf_token": csrf, "confirm": "yes"},
        ),
        await browser.post(
            f"{PAGE}/webhooks/{foreign.id}/refresh-secret", data={"csrf_token": csrf}
        ),
        await browser.post(
            f"{PAGE}/webhooks/{own}/deliveries/{delivery.id}/redeliver",
            data={"csrf_token": csrf},
        ),
    ]

    assert [a.status_code for a in answers] == [404, 404, 404]
    assert all(a.headers["content-type"].startswith("text/html") for a in answers)


async def test_dashboard_forms_keep_the_apis_limits(
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
    client: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    csrf = await owner(browser, sessions, alpha)
    webhook_id, _ = await register(client, receiver.url(), ["order.created"])
    edit = f"{PAGE}/webhooks/{webhook_id}"
    form = {"csrf_token": csrf, "url": receiver.url(), "is_active_shown": "1"}

    long_name = await browser.post(
        edit, data={**form, "name": "x" * 101, "events": ["order.created"]}
    )
    no_events = await browser.post(edit, data={**form, "name": "Renamed"})
    repeated = await browser.post(
        edit,
        data={**form, "name": "Renamed", "events": ["order.created"] * 50},
    )
    bad_name = await browser.post(
        "/dashboard/settings/general",
        data={"csrf_token": csrf, "name": "Bad\x00Name", "default_language": "ar",
              "timezone": "Asia/Riyadh", "vat_rate": "0.15", "shipping_fee": ""},
    )  # fmt: skip
    no_password = await browser.post(
        "/dashboard/settings/users",
        data={"csrf_token": csrf, "email": "new@alpha.sa", "role": "staff"},
    )

    assert long_name.status_code == 422
    assert no_events.status_code == 422
    assert "Choose at least one event." in no_events.text
    assert repeated.status_code == 303
    data = (await client.get(f"/api/core/v1/webhooks/{webhook_id}")).json()["data"]
    assert data["events"] == ["order.created"]
    assert data["name"] == "Renamed"
    assert bad_name.status_code == 422
    assert no_password.status_code == 422


async def test_signing_out_ends_every_copy_of_the_session(
    app: FastAPI,
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    csrf = await owner(browser, sessions, alpha)
    copied = browser.cookies.get(COOKIE, path="/dashboard")
    assert copied is not None

    await browser.post("/dashboard/logout", data={"csrf_token": csrf})

    async with client_for(app, alpha.domain) as thief:
        thief.cookies.set(COOKIE, copied, path="/dashboard")
        replay = await thief.get(PAGE)
    assert replay.status_code == 303
    assert replay.headers["location"] == "/dashboard/login"
    assert (await sign_in(browser, "owner@alpha.sa")).status_code == 303


async def test_successful_sign_ins_do_not_count_toward_the_throttle(
    app: FastAPI,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    await add_user(sessions, alpha, "owner@alpha.sa")

    statuses = []
    for _ in range(7):
        async with client_for(app, alpha.domain) as fresh:
            statuses.append(
                (await sign_in(fresh, "owner@alpha.sa", PASSWORD)).status_code
            )

    assert statuses == [303] * 7


async def test_generating_over_a_key_needs_confirmation_and_pages_are_not_cached(
    app: FastAPI,
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    csrf = await owner(browser, sessions, alpha)

    refused = await browser.post(
        f"{PAGE}/key", data={"csrf_token": csrf, "action": "generate"}
    )

    assert refused.status_code == 422
    assert refused.headers["cache-control"] == "no-store"
    async with client_for(app, alpha.domain) as api:
        still = await api.get(
            "/api/core/v1/orders", headers={"Authorization": f"Bearer {alpha.key}"}
        )
    assert still.status_code == 200


async def test_parallel_guesses_cannot_slip_past_the_throttle(
    app: FastAPI,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    await add_user(sessions, alpha, "owner@alpha.sa")
    async with client_for(app, alpha.domain) as guesser:
        csrf = token(await guesser.get("/dashboard/login"))

        async def guess(number: int) -> int:
            answer = await guesser.post(
                "/dashboard/login",
                data={
                    "email": "owner@alpha.sa",
                    "password": f"guess {number}",
                    "csrf_token": csrf,
                },
            )
            return answer.status_code

        statuses = await asyncio.gather(*(guess(n) for n in range(12)))

    assert statuses.count(401) == 5
    assert statuses.count(429) == 7


@pytest.mark.postgres_only
async def test_adding_one_user_twice_at_once_is_one_user(
    app: FastAPI,
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    csrf = await owner(browser, sessions, alpha)

    async def add() -> int:
        answer = await browser.post(
            "/dashboard/settings/users",
            data={
                "csrf_token": csrf,
                "email": "race@alpha.sa",
                "role": "staff",
                "password": "a long password",
            },
        )
        return answer.status_code

    statuses = await asyncio.gather(*(add() for _ in range(6)))

    assert sorted(statuses) == [303] + [422] * 5


async def test_passwords_too_long_to_sign_in_with_are_refused(
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    csrf = await owner(browser, sessions, alpha)

    refused = await browser.post(
        "/dashboard/settings/users",
        data={
            "csrf_token": csrf,
            "email": "long@alpha.sa",
            "role": "staff",
            "password": "x" * 1025,
        },
    )

    assert refused.status_code == 422
