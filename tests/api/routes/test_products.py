from datetime import UTC, datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import StoreWithKey, make_product
from tjar.api.schemas import Envelope, ProductList, ProductRead
from tjar.clock import utcnow
from tjar.db.models import Product
from tjar.db.session import store_session

BASE = "/api/core/v1/products"


def ids(response: httpx.Response) -> list[int]:
    return [product["id"] for product in response.json()["data"]["products"]]


async def test_list_products_in_both_languages(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    product = await make_product(
        sessions,
        alpha.store,
        name_en="Sukkari Dates",
        name_ar="تمر سكري",
        price="79.99",
    )

    response = await client.get(BASE, headers={"Accept-Language": "en"})

    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Products retrieved successfully."
    item = body["data"]["products"][0]
    assert item["id"] == item["identifier"] == product.id
    assert item["name"] == {"ar": "تمر سكري", "en": "Sukkari Dates"}
    assert item["price"] == 79.99
    assert item["formatted_price"] == "SAR 79.99"
    assert item["type"] == "physical"
    assert item["type_id"] == 1
    Envelope[ProductList].model_validate(body)


async def test_search_folds_arabic_spellings_and_case(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    coffee = await make_product(
        sessions, alpha.store, name_ar="قَهْوَة أحمد", name_en="Ahmad's Coffee"
    )
    await make_product(sessions, alpha.store, name_ar="شاي", name_en="Tea")

    for term in ("قهوه", "احمد", "COFFEE", "ahmad"):
        assert ids(await client.get(BASE, params={"search": term})) == [coffee.id], term


async def test_sku_and_published_filters(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    listed = await make_product(sessions, alpha.store, sku="ABC-1")
    hidden = await make_product(sessions, alpha.store, sku="ABC-2", is_published=False)

    assert ids(await client.get(BASE, params={"sku": "  abc-1 "})) == [listed.id]
    assert ids(await client.get(BASE, params={"is_published": 0})) == [hidden.id]
    assert ids(await client.get(BASE, params={"is_published": "true"})) == [listed.id]
    bad = await client.get(BASE, params={"is_published": "maybe"})
    assert bad.status_code == 422
    assert list(bad.json()["errors"]) == ["is_published"]


async def test_date_and_cursor_paging_on_products(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    made = [
        await make_product(
            sessions, alpha.store, created_at=datetime(2026, 2, day, tzinfo=UTC)
        )
        for day in range(1, 6)
    ]

    in_range = await client.get(
        BASE, params={"date_from": "2026-02-02", "date_to": "2026-02-03"}
    )
    first = await client.get(BASE, params={"per_page": 3})
    second = await client.get(
        BASE,
        params={
            "per_page": 3,
            "cursor": first.json()["data"]["pagination"]["next_cursor"],
        },
    )

    assert ids(in_range) == [made[2].id, made[1].id]
    assert ids(first) + ids(second) == [product.id for product in reversed(made)]
    assert second.json()["data"]["pagination"]["next_cursor"] is None


async def test_deleted_products_are_gone_from_list_and_details(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    product = await make_product(sessions, alpha.store)
    async with store_session(sessions, alpha.store.id) as session:
        stored = await session.get_one(Product, product.id)
        stored.deleted_at = utcnow()
        await session.commit()

    assert ids(await client.get(BASE)) == []
    response = await client.get(f"{BASE}/{product.id}")
    assert response.status_code == 404
    assert response.json()["code"] == "product_not_found"


async def test_product_details(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    product = await make_product(sessions, alpha.store, name_en="", name_ar="عسل سدر")

    response = await client.get(f"{BASE}/{product.id}")

    assert response.json()["message"] == "تم استرجاع تفاصيل المنتج بنجاح"
    # A missing translation falls back to the other language.
    assert response.json()["data"]["name"] == {"ar": "عسل سدر", "en": "عسل سدر"}
    Envelope[ProductRead].model_validate(response.json())
