"""Dashboard sign-in, sessions, CSRF, throttling, language and the home page."""

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.dashboard.helpers import PASSWORD, add_user, sign_in, token
from tests.factories import StoreWithKey, make_order, make_product
from tjar.dashboard.sessions import COOKIE
from tjar.db.models import StoreUser
from tjar.db.session import store_session


async def test_sign_in_lands_on_home_with_the_stores_numbers(
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    await add_user(sessions, alpha, "owner@alpha.sa")
    product = await make_product(sessions, alpha.store, name_en="Desk lamp")
    await make_order(sessions, alpha.store, product=product, customer_name="Sara")

    signed_in = await sign_in(browser, "Owner@Alpha.sa")
    home = await browser.get("/dashboard?lang=en")

    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/dashboard"
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/dashboard" in cookie
    assert home.status_code == 200
    assert '<html lang="en" dir="ltr">' in home.text
    assert "Orders today" in home.text
    assert "Desk lamp" in home.text
    assert "Sara" in home.text


async def test_pages_are_arabic_and_right_to_left_by_default(
    browser: httpx.AsyncClient,
) -> None:
    page = await browser.get("/dashboard/login")

    assert page.status_code == 200
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "تسجيل الدخول" in page.text
    assert 'for="email"' in page.text
    assert 'for="password"' in page.text


async def test_the_language_choice_is_kept_on_the_user(
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    await add_user(sessions, alpha, "owner@alpha.sa")
    await sign_in(browser, "owner@alpha.sa")

    await browser.get("/dashboard?lang=en")
    later = await browser.get("/dashboard")

    assert '<html lang="en" dir="ltr">' in later.text
    async with store_session(sessions, alpha.store.id) as session:
        [user] = await session.scalars(select(StoreUser))
    assert user.language == "en"


@pytest.mark.parametrize(
    ("email", "password"),
    [("owner@alpha.sa", "wrong password"), ("nobody@alpha.sa", PASSWORD)],
)
async def test_wrong_credentials_are_refused_alike(
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
    email: str,
    password: str,
) -> None:
    await add_user(sessions, alpha, "owner@alpha.sa")

    refused = await sign_in(browser, email, password)
    home = await browser.get("/dashboard")

    assert refused.status_code == 401
    assert "البريد الإلكتروني أو كلمة المرور غير صحيحة." in refused.text
    assert home.status_code == 303
    assert home.headers["location"] == "/dashboard/login"


async def test_a_user_of_another_store_cannot_sign_in_here(
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    beta: StoreWithKey,
) -> None:
    await add_user(sessions, beta, "owner@beta.sa")

    refused = await sign_in(browser, "owner@beta.sa")

    assert refused.status_code == 401


async def test_forms_without_the_sessions_token_are_refused(
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    await add_user(sessions, alpha, "owner@alpha.sa")
    await browser.get("/dashboard/login")

    missing = await browser.post(
        "/dashboard/login", data={"email": "owner@alpha.sa", "password": PASSWORD}
    )
    forged = await browser.post(
        "/dashboard/login",
        data={"email": "owner@alpha.sa", "password": PASSWORD, "csrf_token": "x"},
    )

    assert missing.status_code == forged.status_code == 403
    assert (await browser.get("/dashboard")).status_code == 303


async def test_sign_in_is_throttled_after_repeated_failures(
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    await add_user(sessions, alpha, "owner@alpha.sa")

    failures = [
        (await sign_in(browser, "owner@alpha.sa", "guess")).status_code
        for _ in range(5)
    ]
    blocked = await sign_in(browser, "owner@alpha.sa")

    assert failures == [401] * 5
    assert blocked.status_code == 429
    assert (await browser.get("/dashboard")).status_code == 303


async def test_sign_out_ends_the_session_and_a_forged_cookie_is_nobody(
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    await add_user(sessions, alpha, "owner@alpha.sa")
    await sign_in(browser, "owner@alpha.sa")
    home = await browser.get("/dashboard")

    out = await browser.post("/dashboard/logout", data={"csrf_token": token(home)})
    after = await browser.get("/dashboard")
    browser.cookies.set(COOKIE, "eyJ1c2VyX2lkIjoxfQ.forged.sig", path="/dashboard")
    forged = await browser.get("/dashboard")

    assert out.status_code == 303
    assert after.status_code == 303
    assert forged.status_code == 303
