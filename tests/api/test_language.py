import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import client_for
from tests.factories import make_store
from tjar.i18n import negotiate


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en", "en"),
        ("ar", "ar"),
        ("AR", "ar"),
        ("ar-SA", "ar"),
        ("en-GB,en;q=0.9", "en"),
        ("ar;q=0.9,en;q=0.8", "ar"),
        ("en;q=0.5,ar;q=0.9", "ar"),
        ("fr-FR,fr;q=0.9,en;q=0.3", "en"),
        ("fr", "store-default"),
        ("*", "store-default"),
        ("en;q=0", "store-default"),
        ("", "store-default"),
        (None, "store-default"),
        ("en;q=abc", "store-default"),
        (";;;,,,", "store-default"),
    ],
)
def test_negotiate(header: str | None, expected: str) -> None:
    assert negotiate(header, "store-default") == expected


async def test_fallback_is_the_stores_default_language(
    app: FastAPI, sessions: async_sessionmaker[AsyncSession]
) -> None:
    english = await make_store(sessions, "english-shop", default_language="en")

    async with client_for(app, english.domain) as http:
        http.headers["Authorization"] = f"Bearer {english.key}"
        fallback = await http.get(
            "/api/core/v1/orders", headers={"Accept-Language": "de"}
        )
        asked = await http.get("/api/core/v1/orders", headers={"Accept-Language": "ar"})

    assert fallback.headers["content-language"] == "en"
    assert fallback.json()["message"] == "Orders retrieved successfully."
    assert asked.headers["content-language"] == "ar"
    assert asked.json()["message"] == "تم استرجاع الطلبات بنجاح"


async def test_arabic_is_the_default_when_a_store_did_not_choose(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/core/v1/orders")

    assert response.headers["content-language"] == "ar"
    assert "Accept-Language" in response.headers["vary"]
