"""Every catalogue rule, with refused writes changing nothing."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import client_for
from tests.factories import StoreWithKey, make_media
from tjar.clock import ManualClock, use_clock
from tjar.db.models import Product, ProductOption, ProductVariant, SkuClaim, Tag
from tjar.db.session import store_session

BASE = "/api/core/v1/products"


async def rows(
    sessions: async_sessionmaker[AsyncSession], store_id: int, model: type
) -> int:
    async with store_session(sessions, store_id) as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def create(client: httpx.AsyncClient, **fields: Any) -> httpx.Response:
    return await client.post(BASE, json={"name_en": "Thing", "price": 10, **fields})


@pytest.mark.parametrize(
    ("price", "stored"),
    [
        (2000, 2000),
        ("2000", 2000),
        ("79.99", 79.99),
        (79.99, 79.99),
        ("٧٩٫٩٩", 79.99),
        ("3.550", 3.55),
    ],
)
async def test_money_accepts_strings_numbers_and_arabic_digits(
    client: httpx.AsyncClient, price: object, stored: float
) -> None:
    response = await create(client, price=price)

    assert response.status_code == 201, response.text
    assert response.json()["data"]["price"] == stored


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("3.555", "Use at most two decimal places."),
        (-1, "Enter an amount of zero or more."),
        ("abc", "Enter a number."),
        (True, "Enter a number."),
        ("NaN", "Enter a number."),
    ],
)
async def test_bad_money_is_422_and_writes_nothing(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
    price: object,
    message: str,
) -> None:
    response = await client.post(
        BASE,
        json={"name_en": "Thing", "price": price},
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {"price": [message]}
    assert await rows(sessions, alpha.store.id, Product) == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"price": None}, "price"),
        ({"name_en": "", "name_ar": ""}, "name"),
        ({"sale_price": 10}, "sale_price"),
        ({"sale_price": 12}, "sale_price"),
        ({"min_purchase": 5, "max_purchase": 2}, "max_purchase"),
        ({"quantity": -1}, "quantity"),
        ({"quantity": "1.5"}, "quantity"),
        ({"is_inventory_warning": True}, "inventory_warning_threshold"),
        ({"colour": "red"}, "colour"),
        (
            {"booking": {"duration": 30, "capacity": 1, "availability": []}},
            "booking.availability",
        ),
        ({"item_color": ["Red", "Blue"], "item_stock_count": [1]}, "item_color"),
        ({"brand": 999999}, "brand"),
        ({"category_id": [999999]}, "category_id.0"),
        ({"tags": [999999]}, "tags.0"),
        ({"image_id": 999999}, "image_id"),
        (
            {"product_options": [{"type": "radio", "title_en": "Colour"}]},
            "product_options.0.options",
        ),
        (
            {"product_options": [{"type": "dropdown", "title_en": "x"}]},
            "product_options.0.type",
        ),
        (
            {
                "product_options": [
                    {
                        "type": "radio",
                        "title_en": "C",
                        "options": {"ar": {"أ": 1}, "en": {"A": 2}},
                    }
                ]
            },
            "product_options.0.options",
        ),
        ({"sku": "A", "variants": [{"sku": "a", "stock": 1}]}, "sku"),
        ({"type": "digital"}, "type"),
    ],
)
async def test_rule_breaking_writes_are_422_and_write_nothing(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
    fields: dict[str, Any],
    field: str,
) -> None:
    response = await create(client, **fields)

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_failed"
    assert field in response.json()["errors"], response.json()["errors"]
    for model in (Product, ProductOption, ProductVariant, SkuClaim, Tag):
        assert await rows(sessions, alpha.store.id, model) == 0, model


async def test_a_public_image_is_needed_for_images_and_a_private_file_for_files(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    private = await make_media(sessions, alpha.store, visibility="private")
    public = await make_media(sessions, alpha.store)

    as_image = await create(client, image_id=private.id)
    as_file = await client.post(
        f"{BASE}/digital", json={"name_en": "E", "price": 1, "files": [public.id]}
    )

    assert list(as_image.json()["errors"]) == ["image_id"]
    assert list(as_file.json()["errors"]) == ["files.0"]


async def test_fields_of_other_types_are_refused(client: httpx.AsyncClient) -> None:
    digital = await client.post(
        f"{BASE}/digital", json={"name_en": "E", "price": 1, "weight": 2}
    )
    physical = await create(client, codes=["X"])

    assert list(digital.json()["errors"]) == ["weight"]
    assert list(physical.json()["errors"]) == ["codes"]


async def test_sku_is_unique_per_store_across_products_and_variants(
    app: FastAPI, client: httpx.AsyncClient, beta: StoreWithKey
) -> None:
    first = await create(client, sku="ABC-1", variants=[{"sku": "ABC-2", "stock": 1}])
    same = await create(client, sku=" abc-1 ")
    as_variant = await create(client, variants=[{"sku": "ABC-2", "stock": 1}])
    async with client_for(app, beta.domain) as other:
        other.headers["Authorization"] = f"Bearer {beta.key}"
        elsewhere = await create(other, sku="ABC-1")

    assert first.status_code == 201
    assert same.status_code == 409
    assert same.json()["code"] == "sku_taken"
    assert list(same.json()["errors"]) == ["sku"]
    assert as_variant.status_code == 409
    assert elsewhere.status_code == 201

    await client.delete(f"{BASE}/{first.json()['data']['id']}")
    reused = await create(client, sku="abc-1")
    assert reused.status_code == 201


async def test_slugs_are_generated_unique_and_keep_arabic(
    client: httpx.AsyncClient,
) -> None:
    first = await client.post(BASE, json={"name_ar": "تمر سكري فاخر", "price": 1})
    second = await client.post(BASE, json={"name_ar": "تمر سكري فاخر", "price": 1})
    explicit = await create(client, slug="My Slug")
    duplicate = await create(client, slug="my-slug")

    assert first.json()["data"]["slug"] == "تمر-سكري-فاخر"
    assert second.json()["data"]["slug"] == "تمر-سكري-فاخر-2"
    assert explicit.json()["data"]["slug"] == "my-slug"
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "slug_taken"


async def test_descriptions_are_sanitised(client: httpx.AsyncClient) -> None:
    response = await create(
        client,
        description_en='<p>Hi <a href="javascript:alert(1)">x</a>'
        '<img src="a.png" onerror="y()"><script>bad()</script><strong>ok</strong></p>',
    )

    description = response.json()["data"]["description"]["en"]
    assert "script" not in description
    assert "javascript:" not in description
    assert "onerror" not in description
    assert "<strong>ok</strong>" in description


async def test_a_failed_patch_changes_nothing(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    created = (await create(client, sku="KEEP", tags=["one"])).json()["data"]

    refused = await client.patch(
        f"{BASE}/{created['id']}",
        json={"name_en": "Changed", "tags": ["two"], "sku": "NEW", "sale_price": 50},
    )
    after = (await client.get(f"{BASE}/{created['id']}")).json()["data"]

    assert refused.status_code == 422
    assert after == created
    assert await rows(sessions, alpha.store.id, Tag) == 1


async def test_updated_at_moves_when_only_options_change(
    client: httpx.AsyncClient,
) -> None:
    clock = ManualClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    with use_clock(clock):
        created = (await create(client)).json()["data"]
        clock.advance(minutes=5)
        patched = await client.patch(
            f"{BASE}/{created['id']}",
            json={"product_options": [{"type": "text", "title_en": "Note"}]},
        )

    assert patched.json()["data"]["updated_at"] == "2026-06-01T12:05:00+03:00"
    assert created["updated_at"] == "2026-06-01T12:00:00+03:00"


async def test_search_finds_arabic_spelling_variants(client: httpx.AsyncClient) -> None:
    target = (
        await client.post(BASE, json={"name_ar": "مِكْتَبَة إسلامية", "price": 1})
    ).json()["data"]
    await client.post(BASE, json={"name_ar": "كتاب", "price": 1})

    for term in ("مكتبه", "اسلاميه", "مكتبة إسلامية"):
        found = await client.get(BASE, params={"search": term})
        assert [p["id"] for p in found.json()["data"]["products"]] == [target["id"]], (
            term
        )


async def test_price_filters_use_the_price_a_buyer_pays(
    client: httpx.AsyncClient,
) -> None:
    cheap = (await create(client, price=100, sale_price=40)).json()["data"]
    await create(client, price=60)

    found = await client.get(BASE, params={"max_price": 50})

    assert [p["id"] for p in found.json()["data"]["products"]] == [cheap["id"]]


async def test_products_made_in_one_second_page_without_gaps(
    client: httpx.AsyncClient,
) -> None:
    clock = ManualClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    with use_clock(clock):
        made = [(await create(client)).json()["data"]["id"] for _ in range(21)]

    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"per_page": 4}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(BASE, params=params)).json()["data"]
        seen += [p["id"] for p in page["products"]]
        cursor = page["pagination"]["next_cursor"]
        if not cursor:
            break

    assert seen == sorted(made, reverse=True)


async def test_list_queries_stay_constant_as_the_page_grows(
    app: FastAPI,
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    image = await make_media(sessions, alpha.store)
    for index in range(30):
        await create(
            client,
            sku=f"N-{index}",
            tags=["t1", "t2"],
            image_id=image.id,
            product_gallery=[image.id],
            product_options=[
                {"type": "radio", "title_en": "C", "options": {"en": {"A": 1}}}
            ],
            variants=[{"color": "Red", "stock": 1}],
        )
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        counts = []
        for per_page in (1, 10, 30):
            statements.clear()
            response = await client.get(BASE, params={"per_page": per_page})
            assert len(response.json()["data"]["products"]) == per_page
            counts.append(len(statements))
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert counts[0] == counts[1] == counts[2], counts


@pytest.mark.postgres_only
async def test_parallel_creates_with_one_sku_give_one_201(
    app: FastAPI, alpha: StoreWithKey
) -> None:

    async def attempt(index: int, **fields: Any) -> int:
        async with client_for(app, alpha.domain) as http:
            http.headers["Authorization"] = f"Bearer {alpha.key}"
            return (await create(http, name_en=f"P{index}", **fields)).status_code

    by_sku = await asyncio.gather(*(attempt(i, sku="RACE") for i in range(6)))
    by_slug = await asyncio.gather(*(attempt(i, slug="race") for i in range(6)))

    assert sorted(by_sku) == [201] + [409] * 5
    assert sorted(by_slug) == [201] + [409] * 5


async def test_product_writes_check_the_body_and_honour_idempotency(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    body = {"name_en": "Once", "price": 5}
    wrong_type = await client.post(
        BASE,
        content=b'{"name_en": "x", "price": 1}',
        headers={"Content-Type": "text/plain"},
    )
    first = await client.post(BASE, json=body, headers={"Idempotency-Key": "p-1"})
    again = await client.post(BASE, json=body, headers={"Idempotency-Key": "p-1"})

    assert wrong_type.status_code == 415
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    assert await rows(sessions, alpha.store.id, Product) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"sku": "a" * 101}, "sku"),
        ({"name": {"en": "b" * 256}}, "name.en"),
        ({"variants": [{"color": "c" * 101, "stock": 1}]}, "variants.0.color"),
        ({"item_size": ["d" * 101]}, "item_size.0"),
        (
            {"product_options": [{"type": "text", "title": {"en": "e" * 256}}]},
            "product_options.0.title.en",
        ),
        ({"price": 1e30}, "price"),
        ({"price": "1e3"}, "price"),
        ({"price": "1_000"}, "price"),
        ({"price": "٬١٠٠٠"}, "price"),
        ({"price": 99999999999999999999999999999}, "price"),
        ({"item_color": ["x"] * 501}, "item_color"),
        (
            {"variants": [{"stock": 1}, {"stock": 1}], "sku": "X"} | {"slug": "!!!"},
            "slug",
        ),
        (
            {
                "product_options": [
                    {
                        "type": "radio",
                        "title_en": "C",
                        "options": {"en": {"": 1, "  ": 2}},
                    }
                ]
            },
            "product_options.0.options",
        ),
        (
            {
                "product_options": [
                    {
                        "type": "radio",
                        "title_en": "C",
                        "options": {"en": {"a ": 1, " a": 2}},
                    }
                ]
            },
            "product_options.0.options",
        ),
    ],
)
async def test_oversized_or_malformed_values_are_422_on_every_engine(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
    fields: dict[str, Any],
    field: str,
) -> None:
    response = await create(client, **fields)

    assert response.status_code == 422, response.text
    assert field in response.json()["errors"], response.json()["errors"]
    assert await rows(sessions, alpha.store.id, Product) == 0


async def test_label_names_longer_than_their_columns_are_422(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/api/core/v1/brands", "/api/core/v1/tags", "/api/core/v1/categories"):
        response = await client.post(path, json={"name": {"en": "x" * 256}})
        assert response.status_code == 422, path


async def test_error_keys_name_the_field_only(client: httpx.AsyncClient) -> None:
    response = await create(client, tags=[1.5, True])

    assert set(response.json()["errors"]) == {"tags.0", "tags.1"}


async def test_max_purchase_alone_and_numeric_tag_names(
    client: httpx.AsyncClient,
) -> None:
    response = await create(client, max_purchase=3, tags=["2024"])

    assert response.status_code == 201, response.text
    assert response.json()["data"]["max_purchase"] == 3
    assert [tag["name"]["en"] for tag in response.json()["data"]["tags"]] == ["2024"]


async def test_out_of_range_filters_and_days_are_422(client: httpx.AsyncClient) -> None:
    booking = await client.post(
        f"{BASE}/booking",
        json={
            "name_en": "B",
            "price": 1,
            "booking": {
                "duration": 30,
                "capacity": 1,
                "availability": [{"day": "friday", "from": "23:00", "to": "23:59"}],
            },
        },
    )
    slots = f"{BASE}/booking/{booking.json()['data']['id']}/slots"

    assert (
        await client.get(BASE, params={"tag_ids[]": 99999999999999999999})
    ).status_code == 422
    assert (
        await client.get(BASE, params={"category_ids[]": 3000000000})
    ).status_code == 422
    assert (await client.get(BASE, params={"min_price": "1e30"})).status_code == 422
    assert (await client.get(slots, params={"date": "9999-12-31"})).status_code == 422
    assert (await client.get(slots, params={"date": "1798761600"})).status_code == 422


async def test_type_rules_for_digital_service_and_booking(
    client: httpx.AsyncClient,
) -> None:
    digital = await client.post(f"{BASE}/digital", json={"name_en": "E", "price": 1})
    digital_quantity = await client.post(
        f"{BASE}/digital", json={"name_en": "E", "price": 1, "quantity": 3}
    )
    service = await client.post(
        f"{BASE}/service", json={"name_en": "S", "price": 1, "download_limit": 4}
    )
    too_long = await client.post(
        f"{BASE}/booking",
        json={
            "name_en": "B",
            "price": 1,
            "booking": {
                "duration": 120,
                "capacity": 1,
                "availability": [{"day": "monday", "from": "09:00", "to": "10:00"}],
            },
        },
    )

    assert digital.json()["data"]["stock"] is None
    assert digital.json()["data"]["is_unlimited"] is True
    assert list(digital_quantity.json()["errors"]) == ["quantity"]
    assert list(service.json()["errors"]) == ["download_limit"]
    assert list(too_long.json()["errors"]) == ["booking.duration"]


async def test_variant_skus_stay_searchable_and_ids_do_not_repeat(
    client: httpx.AsyncClient,
) -> None:
    made = (await create(client, variants=[{"sku": "SHIRT-001-M", "stock": 2}])).json()[
        "data"
    ]
    variant_id = made["variants"][0]["id"]

    await client.patch(f"{BASE}/{made['id']}", json={"name_en": "Blue Shirt v2"})
    repeated = await client.patch(
        f"{BASE}/{made['id']}",
        json={
            "variants": [{"id": variant_id, "stock": 1}, {"id": variant_id, "stock": 2}]
        },
    )

    for params in ({"search": "shirt-001-m"}, {"sku": "shirt-001-m"}):
        found = await client.get(BASE, params=params)
        assert [p["id"] for p in found.json()["data"]["products"]] == [made["id"]], (
            params
        )
    assert repeated.status_code == 422
    assert list(repeated.json()["errors"]) == ["variants.1.id"]


@pytest.mark.postgres_only
async def test_parallel_creates_of_one_tag_all_succeed(
    app: FastAPI, alpha: StoreWithKey
) -> None:
    async def attempt() -> httpx.Response:
        async with client_for(app, alpha.domain) as http:
            http.headers["Authorization"] = f"Bearer {alpha.key}"
            return await http.post("/api/core/v1/tags", json={"name_en": "race"})

    responses = await asyncio.gather(*(attempt() for _ in range(10)))

    assert {response.status_code for response in responses} == {201}
    assert len({response.json()["data"]["id"] for response in responses}) == 1
