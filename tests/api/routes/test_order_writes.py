"""Creating, moving and editing orders: exact money, safe stock, nothing half-done."""

import asyncio
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import client_for
from tests.factories import StoreWithKey
from tjar.api.schemas import Envelope, OrderRead
from tjar.db.models import Customer, Order, Product, Store
from tjar.db.session import store_session

ORDERS = "/api/core/v1/orders"
PRODUCTS = "/api/core/v1/products"
BUYER = {"name": "نورة القحطاني", "email": "noura@example.com", "phone": "0501234567"}


async def product(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {
        "name_en": "Item",
        "name_ar": "منتج",
        "price": "10.00",
        "quantity": 10,
        **fields,
    }
    response = await client.post(PRODUCTS, json=body)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def stock(client: httpx.AsyncClient, product_id: int) -> int:
    return int((await client.get(f"{PRODUCTS}/{product_id}")).json()["data"]["stock"])


async def count(
    sessions: async_sessionmaker[AsyncSession], store_id: int, model: type
) -> int:
    async with store_session(sessions, store_id) as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def set_store(
    sessions: async_sessionmaker[AsyncSession], store_id: int, **values: Any
) -> None:
    async with store_session(sessions, store_id) as session:
        store = await session.get_one(Store, store_id)
        for name, value in values.items():
            setattr(store, name, value)
        await session.commit()


async def test_create_in_the_reference_shape_prices_inclusive_vat_exactly(
    client: httpx.AsyncClient,
) -> None:
    item = await product(client, price="6.99", quantity=5)

    response = await client.post(
        ORDERS,
        headers={"Accept-Language": "en"},
        json={
            "customer": BUYER,
            "products": [{"id": item["id"], "quantity": 3}],
            "shipping_address": {
                "address": "حي النرجس",
                "city": "الرياض",
                "country": "SA",
                "zip_code": "13321",
            },
            "payment_gateway": "cod",
            "payment_status": "pending",
            "notes": "اتصل قبل التوصيل",
            "source": "api",
        },
    )

    assert response.status_code == 201, response.text
    Envelope[OrderRead].model_validate(response.json())
    data = response.json()["data"]
    assert data["total_amount"] == 20.97
    assert data["tax"] == 2.74
    assert data["subtotal"] == 20.97
    assert data["formatted_total_amount"] == "SAR 20.97"
    assert data["status"]["value"] == "pending"
    assert data["phone"] == "+966501234567"
    assert data["customer"]["mobile"] == "+966501234567"
    assert data["zipcode"] == "13321"
    assert data["order_details"][0]["qty"] == 3
    assert data["order_details"][0]["price"] == 6.99
    assert [(c["from"], c["to"]) for c in data["status_history"]] == [(None, "pending")]
    assert await stock(client, item["id"]) == 2
    detail = (
        await client.get(f"{ORDERS}/{data['id']}", headers={"Accept-Language": "en"})
    ).json()
    assert detail["data"] == data


async def test_exclusive_vat_with_shipping_and_items_alias(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    await set_store(sessions, alpha.store.id, prices_include_vat=False)
    item = await product(client, price="545.75")

    response = await client.post(
        ORDERS,
        json={"customer": BUYER, "items": [{"product_id": item["id"], "quantity": 2}]},
    )

    data = response.json()["data"]
    assert (data["subtotal"], data["tax"], data["total_amount"]) == (
        1091.5,
        163.73,
        1255.23,
    )

    await set_store(sessions, alpha.store.id, shipping_fee=Decimal("25.00"))
    shipped = await client.post(
        ORDERS,
        json={"customer": BUYER, "items": [{"product_id": item["id"], "quantity": 1}]},
    )
    data = shipped.json()["data"]
    # 545.75 + 25 shipping, VAT 81.86 + 3.75
    assert (data["shipping"], data["tax"], data["total_amount"]) == (25, 85.61, 656.36)


async def test_options_variants_and_a_coupon_add_up(client: httpx.AsyncClient) -> None:
    shirt = await product(
        client,
        price="100",
        product_options=[
            {
                "type": "radio",
                "title": {"ar": "اللون", "en": "Colour"},
                "is_required": True,
                "options": {"ar": {"أزرق": 5, "أحمر": 0}, "en": {"Blue": 5, "Red": 0}},
            },
            {"type": "text", "title_en": "Engraving"},
        ],
        variants=[{"color": "Blue", "size": "L", "stock": 3, "additional_price": "10"}],
    )
    coupon = await client.post(
        "/api/core/v1/coupons", json={"code": "ten", "type": "percentage", "value": 10}
    )
    assert coupon.status_code == 201, coupon.text

    response = await client.post(
        ORDERS,
        json={
            "customer": BUYER,
            "coupon": "TEN",
            "products": [
                {
                    "id": shirt["id"],
                    "quantity": 2,
                    "variant_id": shirt["variants"][0]["id"],
                    "product_options": [
                        {"name": "اللون", "value": "Blue"},
                        {"name": "Engraving", "value": "N"},
                    ],
                }
            ],
        },
    )

    assert response.status_code == 201, response.text
    data = response.json()["data"]
    line = data["order_details"][0]
    assert line["price"] == 115  # 100 + 5 colour + 10 variant
    assert data["subtotal"] == 230
    assert data["coupon"] == "ten"
    assert data["coupon_discounted"] == 23
    assert data["total_amount"] == 207
    assert line["subtotal"] == 207
    assert line["tax"] == 27
    assert line["options"]["product_options"][0]["value"] == "Blue"
    after = (await client.get(f"{PRODUCTS}/{shirt['id']}")).json()["data"]
    assert after["variants"][0]["stock"] == 1


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"quantity": 0}, "products.0.quantity"),
        ({"quantity": -1}, "products.0.quantity"),
        ({"quantity": 1.5}, "products.0.quantity"),
        ({"quantity": 6}, "products.0.quantity"),
        ({"quantity": 11, "max": False}, "products.0.quantity"),
        ({"id": 999999, "quantity": 1}, "products.0.id"),
        ({"quantity": 1, "variant_id": 999999}, "products.0.variant_id"),
    ],
)
async def test_bad_lines_are_422_and_write_nothing(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
    line: dict[str, Any],
    field: str,
) -> None:
    limited = line.pop("max", True)
    item = await product(client, max_purchase=5 if limited else None)
    body_line = {"id": item["id"], **line}

    response = await client.post(
        ORDERS, json={"customer": BUYER, "products": [body_line]}
    )

    assert response.status_code == 422, response.text
    assert field in response.json()["errors"], response.json()["errors"]
    assert await count(sessions, alpha.store.id, Order) == 0
    assert await count(sessions, alpha.store.id, Customer) == 0
    assert await stock(client, item["id"]) == 10


async def test_unorderable_products_and_missing_parts_are_422(
    app: FastAPI, client: httpx.AsyncClient, beta: StoreWithKey
) -> None:
    hidden = await product(client, is_published=False)
    gone = await product(client)
    await client.delete(f"{PRODUCTS}/{gone['id']}")
    with_option = await product(
        client,
        product_options=[{"type": "text", "title_en": "Name", "is_required": True}],
    )
    async with client_for(app, beta.domain) as other:
        other.headers["Authorization"] = f"Bearer {beta.key}"
        foreign = await product(other)

    cases = [
        ({"products": [{"id": hidden["id"], "quantity": 1}]}, "products.0.id"),
        ({"products": [{"id": gone["id"], "quantity": 1}]}, "products.0.id"),
        ({"products": [{"id": foreign["id"], "quantity": 1}]}, "products.0.id"),
        (
            {"products": [{"id": with_option["id"], "quantity": 1}]},
            "products.0.product_options",
        ),
        ({"products": []}, "products"),
    ]
    for body, field in cases:
        response = await client.post(ORDERS, json={"customer": BUYER, **body})
        assert response.status_code == 422, body
        assert field in response.json()["errors"], (body, response.json()["errors"])


async def test_statuses_move_by_the_table_and_cancel_restocks_once(
    client: httpx.AsyncClient,
) -> None:
    item = await product(client)
    order = (
        await client.post(
            ORDERS,
            json={"customer": BUYER, "products": [{"id": item["id"], "quantity": 4}]},
        )
    ).json()["data"]
    path = f"{ORDERS}/{order['id']}/status"

    bad = await client.post(path, json={"status": "delivered"})
    assert bad.status_code == 409
    assert bad.json()["code"] == "invalid_status_transition"
    assert (await client.get(f"{ORDERS}/{order['id']}")).json()["data"]["status"][
        "value"
    ] == "pending"

    moved = await client.post(path, json={"status": "processing", "note": "Packed"})
    assert moved.json()["data"]["status"]["value"] == "processing"
    assert moved.json()["data"]["version"] == order["version"] + 1
    assert await stock(client, item["id"]) == 6

    cancelled = await client.post(path, json={"status": "cancelled"})
    again = await client.post(path, json={"status": "cancelled"})
    assert cancelled.status_code == 200
    assert again.status_code == 409
    assert await stock(client, item["id"]) == 10
    history = cancelled.json()["data"]["status_history"]
    assert [(c["from"], c["to"], c["note"]) for c in history] == [
        (None, "pending", None),
        ("pending", "processing", "Packed"),
        ("processing", "cancelled", None),
    ]
    unknown = await client.post(path, json={"status": "lost"})
    assert unknown.status_code == 422


async def test_a_deleted_products_order_still_reads_and_cancels(
    client: httpx.AsyncClient,
) -> None:
    item = await product(client)
    order = (
        await client.post(
            ORDERS,
            json={"customer": BUYER, "products": [{"id": item["id"], "quantity": 2}]},
        )
    ).json()["data"]
    await client.delete(f"{PRODUCTS}/{item['id']}")

    read = await client.get(f"{ORDERS}/{order['id']}")
    cancelled = await client.post(
        f"{ORDERS}/{order['id']}/status", json={"status": "cancelled"}
    )

    assert read.json()["data"]["order_details"][0]["name"]["en"] == "Item"
    assert cancelled.status_code == 200


async def test_edit_adds_updates_and_removes_lines_with_stock_and_totals(
    client: httpx.AsyncClient,
) -> None:
    first = await product(client, price="10")
    second = await product(client, price="20")
    order = (
        await client.post(
            ORDERS,
            json={"customer": BUYER, "products": [{"id": first["id"], "quantity": 2}]},
        )
    ).json()["data"]
    line_id = order["order_details"][0]["id"]

    edited = await client.patch(
        f"{ORDERS}/{order['id']}",
        json={
            "products_to_update": [{"line_id": line_id, "quantity": 5}],
            "products_to_add": [{"id": second["id"], "quantity": 1}],
            "notes": "Gift wrap",
        },
    )
    assert edited.status_code == 200, edited.text
    data = edited.json()["data"]
    assert data["total_amount"] == 70
    assert data["notes"] == "Gift wrap"
    assert await stock(client, first["id"]) == 5
    assert await stock(client, second["id"]) == 9

    removed = await client.put(
        f"{ORDERS}/{order['id']}", json={"products_to_remove": [line_id]}
    )
    assert removed.json()["data"]["total_amount"] == 20
    assert await stock(client, first["id"]) == 10

    await client.post(f"{ORDERS}/{order['id']}/status", json={"status": "processing"})
    await client.post(f"{ORDERS}/{order['id']}/status", json={"status": "shipped"})
    closed = await client.patch(f"{ORDERS}/{order['id']}", json={"notes": "late"})
    assert closed.status_code == 409


async def test_creating_an_order_replays_with_the_same_idempotency_key(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    item = await product(client)
    body = {"customer": BUYER, "products": [{"id": item["id"], "quantity": 1}]}

    first = await client.post(ORDERS, json=body, headers={"Idempotency-Key": "o-1"})
    again = await client.post(ORDERS, json=body, headers={"Idempotency-Key": "o-1"})

    assert again.json() == first.json()
    assert await count(sessions, alpha.store.id, Order) == 1
    assert await stock(client, item["id"]) == 9


@pytest.mark.postgres_only
async def test_fifty_parallel_orders_for_ten_units_sell_exactly_ten(
    app: FastAPI, alpha: StoreWithKey, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with client_for(app, alpha.domain) as http:
        http.headers["Authorization"] = f"Bearer {alpha.key}"
        item = await product(http, quantity=10)

    async def buy(index: int) -> int:
        async with client_for(app, alpha.domain) as http:
            http.headers["Authorization"] = f"Bearer {alpha.key}"
            response = await http.post(
                ORDERS,
                json={
                    "customer": {"name": f"B{index}", "email": f"b{index}@example.com"},
                    "products": [{"id": item["id"], "quantity": 1}],
                },
            )
            return response.status_code

    statuses = await asyncio.gather(*(buy(i) for i in range(50)))

    assert statuses.count(201) == 10
    assert set(statuses) == {201, 422}
    async with store_session(sessions, alpha.store.id) as session:
        assert (await session.get_one(Product, item["id"])).stock == 0


@pytest.mark.postgres_only
async def test_parallel_cancels_restock_once(
    app: FastAPI, alpha: StoreWithKey, client: httpx.AsyncClient
) -> None:
    item = await product(client)
    order = (
        await client.post(
            ORDERS,
            json={"customer": BUYER, "products": [{"id": item["id"], "quantity": 3}]},
        )
    ).json()["data"]

    async def cancel() -> int:
        async with client_for(app, alpha.domain) as http:
            http.headers["Authorization"] = f"Bearer {alpha.key}"
            path = f"{ORDERS}/{order['id']}/status"
            return (await http.post(path, json={"status": "cancelled"})).status_code

    statuses = await asyncio.gather(*(cancel() for _ in range(8)))

    assert sorted(statuses) == [200] + [409] * 7
    assert await stock(client, item["id"]) == 10
