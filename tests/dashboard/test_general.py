"""General Settings: the same settings the CLI changes, all or nothing."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.dashboard.helpers import add_user, sign_in, token
from tests.factories import StoreWithKey
from tjar.domain.users import Role

PAGE = "/dashboard/settings/general"
GOOD = {
    "name": "Alpha Store",
    "default_language": "en",
    "timezone": "Asia/Dubai",
    "prices_include_vat": "on",
    "vat_rate": "0.05",
    "shipping_fee": "25",
}


async def test_saved_settings_show_on_the_api(
    client: httpx.AsyncClient,
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    await add_user(sessions, alpha, "owner@alpha.sa")
    await sign_in(browser, "owner@alpha.sa")
    page = await browser.get(PAGE)

    saved = await browser.post(PAGE, data={"csrf_token": token(page), **GOOD})
    store = (await client.get("/api/core/v1/store")).json()["data"]

    assert saved.status_code == 303
    assert store["name"] == "Alpha Store"
    assert store["default_language"] == "en"
    assert store["timezone"] == "Asia/Dubai"
    assert store["prices_include_vat"] is True
    assert store["vat_rate"] == 0.05
    assert store["shipping_fee"] == 25


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("vat_rate", "1.5"),
        ("vat_rate", "lots"),
        ("timezone", "Mars/Base"),
        ("name", ""),
    ],
)
async def test_one_bad_setting_changes_nothing(
    client: httpx.AsyncClient,
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
    field: str,
    value: str,
) -> None:
    await add_user(sessions, alpha, "owner@alpha.sa")
    await sign_in(browser, "owner@alpha.sa")
    page = await browser.get(PAGE)
    before = (await client.get("/api/core/v1/store")).json()["data"]

    refused = await browser.post(
        PAGE, data={"csrf_token": token(page), **GOOD, field: value}
    )

    assert refused.status_code == 422
    assert 'class="error"' in refused.text
    assert (await client.get("/api/core/v1/store")).json()["data"] == before


async def test_staff_cannot_open_settings(
    browser: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    await add_user(sessions, alpha, "staff@alpha.sa", Role.STAFF)
    await sign_in(browser, "staff@alpha.sa")

    assert (await browser.get(PAGE)).status_code == 403
