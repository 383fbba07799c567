"""The owner adds users from the dashboard; they sign in at once."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.dashboard.helpers import add_user, sign_in, token
from tests.factories import StoreWithKey
from tjar.domain.users import Role

PAGE = "/dashboard/settings/users"


async def test_the_owner_adds_a_staff_user_who_can_sign_in(
    app: object,
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    await add_user(sessions, alpha, "owner@alpha.sa")
    await sign_in(browser, "owner@alpha.sa")
    page = await browser.get(f"{PAGE}?lang=en")

    added = await browser.post(
        PAGE,
        data={
            "csrf_token": token(page),
            "email": "Clerk@Alpha.sa",
            "role": "staff",
            "password": "a long password",
        },
    )
    listed = await browser.get(PAGE)
    again = await browser.post(
        PAGE,
        data={
            "csrf_token": token(page),
            "email": "clerk@alpha.sa",
            "role": "admin",
            "password": "another password",
        },
    )
    bad_role = await browser.post(
        PAGE,
        data={
            "csrf_token": token(page),
            "email": "boss@alpha.sa",
            "role": "boss",
            "password": "a long password",
        },
    )
    await browser.post("/dashboard/logout", data={"csrf_token": token(page)})
    clerk = await sign_in(browser, "clerk@alpha.sa", "a long password")

    assert added.status_code == 303
    assert "clerk@alpha.sa" in listed.text
    assert again.status_code == 422
    assert "already exists" in again.text
    assert bad_role.status_code == 422
    assert "boss@alpha.sa" not in (await browser.get(PAGE)).text
    assert clerk.status_code == 303


async def test_only_the_owner_manages_users(
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    await add_user(sessions, alpha, "admin@alpha.sa", Role.ADMIN)
    await sign_in(browser, "admin@alpha.sa")

    assert (await browser.get(PAGE)).status_code == 403
