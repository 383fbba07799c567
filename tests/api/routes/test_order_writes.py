"""Creating, moving and editing orders: exact money, safe stock, nothing half-done."""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
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
from tjar.clock import ManualClock, use_clock
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


async def sunday_sessions(
    client: httpx.AsyncClient, *, capacity: int, until: str
) -> dict[str, Any]:
    """Create a booking product with hour-long slots on Sundays from 09:00."""
    response = await client.post(
        f"{PRODUCTS}/booking",
        json={
            "name_en": "Session",
            "price": 50,
            "booking": {
                "duration": 60,
                "capacity": capacity,
                "availability": [{"day": "sunday", "from": "09:00", "to": until}],
            },
        },
    )
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


async def test_edit_in_the_reference_form_shape_with_method_spoofing(
    client: httpx.AsyncClient,
) -> None:
    first = await product(client, price="10")
    second = await product(
        client,
        price="20",
        product_options=[
            {"type": "radio", "title_en": "Colour", "options": {"en": {"Red": 2}}}
        ],
        variants=[{"color": "Red", "size": "L", "stock": 5}],
    )
    order = (
        await client.post(
            ORDERS,
            json={"customer": BUYER, "products": [{"id": first["id"], "quantity": 1}]},
        )
    ).json()["data"]

    form = {
        "_method": "PUT",
        "customer[user_id]": str(order["customer"]["id"]),
        "customer[different_recipient]": "1",
        "customer[user_recipient_name]": "سارة",
        "customer[user_email_recipient]": "sara@example.com",
        "customer[user_mobile_recipient]": "٠٥٥١٢٣٤٥٦٧",
        "shipping_address[address]": "حي الياسمين",
        "shipping_address[country_id]": "1",
        "shipping_address[city_id]": "3",
        "shipping_address[zip_code]": "",
        "products_to_add[0][id]": str(second["id"]),
        "products_to_add[0][quantity]": "2",
        "products_to_add[0][variant_id]": str(second["variants"][0]["id"]),
        "products_to_add[0][color_name]": "Red",
        "products_to_add[0][size_name]": "L",
        "products_to_add[0][product_options][0][name]": "Colour",
        "products_to_add[0][product_options][0][type]": "radio",
        "products_to_add[0][product_options][0][value]": "Red",
        "notes": "ملاحظة",
    }
    response = await client.post(f"{ORDERS}/{order['id']}", data=form)

    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["name"] == "سارة"
    assert data["phone"] == "+966551234567"
    assert data["address"] == "حي الياسمين"
    assert data["notes"] == "ملاحظة"
    assert data["total_amount"] == 10 + 2 * 22
    assert len(data["order_details"]) == 2


async def test_customers_store_mobiles_as_e164_and_stay_unique(
    client: httpx.AsyncClient,
) -> None:
    base = "/api/core/v1/customers"
    forms = ["0501234567", "501234567", "966501234567", "+966501234567", "٠٥٠١٢٣٤٥٦٧"]
    created = await client.post(
        base, json={"name": "Ali", "email": "A.Li+shop@Example.com", "phone": forms[0]}
    )
    assert created.status_code == 201, created.text
    assert created.json()["data"]["mobile"] == "+966501234567"
    assert created.json()["data"]["email"] == "a.li+shop@example.com"

    for form in forms[1:]:
        again = await client.post(base, json={"name": "Ali", "phone": form})
        assert again.status_code == 409, form
        assert again.json()["code"] == "customer_exists"
    by_email = await client.get(base, params={"email": "a.li+shop@example.com"})
    by_phone = await client.get(base, params={"phone": "٠٥٠١٢٣٤٥٦٧"})
    assert by_email.json()["data"]["pagination"]["total"] == 1
    assert by_phone.json()["data"]["pagination"]["total"] == 1
    invalid = await client.post(base, json={"name": "X", "phone": "0512"})
    assert invalid.status_code == 422
    assert list(invalid.json()["errors"]) == ["phone"]


async def test_coupons_refuse_expired_used_up_and_small_orders(
    client: httpx.AsyncClient,
) -> None:
    item = await product(client, price="50")
    coupons = "/api/core/v1/coupons"
    await client.post(
        coupons,
        json={
            "code": "OLD",
            "type": "fixed",
            "value": 5,
            "expires_at": "2020-01-01T00:00:00+03:00",
        },
    )
    await client.post(
        coupons, json={"code": "ONCE", "type": "fixed", "value": 5, "usage_limit": 1}
    )
    await client.post(
        coupons, json={"code": "BIG", "type": "fixed", "value": 5, "min_order": 100}
    )

    def body(code: str) -> dict[str, Any]:
        return {
            "customer": BUYER,
            "coupon": code,
            "products": [{"id": item["id"], "quantity": 1}],
        }

    assert (await client.post(ORDERS, json=body("OLD"))).status_code == 422
    assert (await client.post(ORDERS, json=body("BIG"))).status_code == 422
    assert (await client.post(ORDERS, json=body("NOPE"))).status_code == 422
    first = await client.post(ORDERS, json=body("once"))
    second = await client.post(ORDERS, json=body("ONCE"))
    assert first.status_code == 201
    assert first.json()["data"]["total_amount"] == 45
    assert second.status_code == 422
    assert list(second.json()["errors"]) == ["coupon"]
    assert await stock(client, item["id"]) == 9


async def test_store_settings_read_back(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    await set_store(
        sessions,
        alpha.store.id,
        shipping_fee=Decimal("15.00"),
        prices_include_vat=False,
    )

    data = (await client.get("/api/core/v1/store")).json()["data"]

    assert data["prices_include_vat"] is False
    assert data["vat_rate"] == 0.15
    assert data["shipping_fee"] == 15
    assert data["webhook_limit"] == 2
    assert data["domain"] == alpha.domain


async def test_digital_codes_are_held_then_handed_over_when_paid(
    client: httpx.AsyncClient,
) -> None:
    card = (
        await client.post(
            f"{PRODUCTS}/digital",
            json={"name_en": "Gift card", "price": 100, "codes": ["A-1", "A-2", "A-3"]},
        )
    ).json()["data"]

    order = (
        await client.post(
            ORDERS,
            json={"customer": BUYER, "products": [{"id": card["id"], "quantity": 2}]},
        )
    ).json()["data"]
    assert "codes" not in order["order_details"][0]["options"]
    assert (await client.get(f"{PRODUCTS}/{card['id']}")).json()["data"]["stock"] == 1
    too_many = await client.post(
        ORDERS,
        json={"customer": BUYER, "products": [{"id": card["id"], "quantity": 2}]},
    )
    assert too_many.status_code == 422

    paid = await client.post(
        f"{ORDERS}/{order['id']}/status", json={"payment_status": "paid"}
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["data"]["payment_status"]["value"] == "paid"
    assert paid.json()["data"]["order_details"][0]["options"]["codes"] == ["A-1", "A-2"]

    unpaid = (
        await client.post(
            ORDERS,
            json={"customer": BUYER, "products": [{"id": card["id"], "quantity": 1}]},
        )
    ).json()["data"]
    await client.post(f"{ORDERS}/{unpaid['id']}/status", json={"status": "cancelled"})
    assert (await client.get(f"{PRODUCTS}/{card['id']}")).json()["data"]["stock"] == 1


@pytest.fixture
def before_june() -> Iterator[None]:
    """Bookings must be in the future: run these tests in May 2026."""
    with use_clock(ManualClock(datetime(2026, 5, 1, tzinfo=UTC))):
        yield


@pytest.mark.usefixtures("before_june")
async def test_bookings_hold_places_in_their_slot(client: httpx.AsyncClient) -> None:
    session_product = await sunday_sessions(client, capacity=2, until="11:00")
    slot = {"date": "2026-06-07", "time": "09:00"}

    def line(quantity: int, booking: dict[str, str] | None = slot) -> dict[str, Any]:
        return {
            "customer": BUYER,
            "products": [
                {"id": session_product["id"], "quantity": quantity, "booking": booking}
            ],
        }

    first = await client.post(ORDERS, json=line(1))
    full = await client.post(ORDERS, json=line(2))
    off_slot = await client.post(
        ORDERS, json=line(1, {"date": "2026-06-07", "time": "09:30"})
    )
    no_slot = await client.post(ORDERS, json=line(1, None))
    slots = await client.get(
        f"{PRODUCTS}/booking/{session_product['id']}/slots",
        params={"date": "2026-06-07"},
    )

    assert first.status_code == 201, first.text
    assert first.json()["data"]["order_details"][0]["options"]["booking"][
        "start"
    ].startswith("2026-06-07T09:00")
    assert full.status_code == 422
    assert list(full.json()["errors"]) == ["products.0.booking"]
    assert list(off_slot.json()["errors"]) == ["products.0.booking"]
    assert list(no_slot.json()["errors"]) == ["products.0.booking"]
    assert [s["available"] for s in slots.json()["data"]["slots"]] == [1, 2]

    await client.post(
        f"{ORDERS}/{first.json()['data']['id']}/status", json={"status": "cancelled"}
    )
    freed = await client.get(
        f"{PRODUCTS}/booking/{session_product['id']}/slots",
        params={"date": "2026-06-07"},
    )
    assert [s["available"] for s in freed.json()["data"]["slots"]] == [2, 2]


@pytest.mark.postgres_only
@pytest.mark.usefixtures("before_june")
async def test_parallel_bookings_never_overfill_a_slot(
    app: FastAPI, alpha: StoreWithKey, client: httpx.AsyncClient
) -> None:
    booked = await sunday_sessions(client, capacity=2, until="10:00")

    async def attempt(index: int) -> int:
        async with client_for(app, alpha.domain) as http:
            http.headers["Authorization"] = f"Bearer {alpha.key}"
            response = await http.post(
                ORDERS,
                json={
                    "customer": {"name": f"C{index}", "email": f"c{index}@example.com"},
                    "products": [
                        {
                            "id": booked["id"],
                            "quantity": 1,
                            "booking": {"date": "2026-06-07", "time": "09:00"},
                        }
                    ],
                },
            )
            return response.status_code

    statuses = await asyncio.gather(*(attempt(i) for i in range(8)))

    assert statuses.count(201) == 2
    assert set(statuses) == {201, 422}


async def test_editing_digital_lines_moves_their_held_codes(
    client: httpx.AsyncClient,
) -> None:
    card = (
        await client.post(
            f"{PRODUCTS}/digital",
            json={"name_en": "Card", "price": 10, "codes": ["C1", "C2", "C3"]},
        )
    ).json()["data"]
    order = (
        await client.post(
            ORDERS,
            json={"customer": BUYER, "products": [{"id": card["id"], "quantity": 1}]},
        )
    ).json()["data"]
    line_id = order["order_details"][0]["id"]

    async def left() -> int:
        return int(
            (await client.get(f"{PRODUCTS}/{card['id']}")).json()["data"]["stock"]
        )

    grown = await client.patch(
        f"{ORDERS}/{order['id']}",
        json={"products_to_update": [{"line_id": line_id, "quantity": 3}]},
    )
    assert grown.status_code == 200, grown.text
    assert await left() == 0
    too_big = await client.post(
        ORDERS,
        json={"customer": BUYER, "products": [{"id": card["id"], "quantity": 1}]},
    )
    assert too_big.status_code == 422

    other = await product(client)
    shrunk = await client.patch(
        f"{ORDERS}/{order['id']}",
        json={
            "products_to_remove": [line_id],
            "products_to_add": [{"id": other["id"], "quantity": 1}],
        },
    )
    assert shrunk.status_code == 200, shrunk.text
    assert await left() == 3


@pytest.mark.usefixtures("before_june")
async def test_a_booking_in_the_past_is_refused(client: httpx.AsyncClient) -> None:
    made = await sunday_sessions(client, capacity=5, until="10:00")

    past = await client.post(
        ORDERS,
        json={
            "customer": BUYER,
            "products": [
                {
                    "id": made["id"],
                    "quantity": 1,
                    "booking": {"date": "2026-04-26", "time": "09:00"},
                }
            ],
        },
    )

    assert past.status_code == 422
    assert list(past.json()["errors"]) == ["products.0.booking"]


async def place(
    client: httpx.AsyncClient, product_id: int, quantity: int, **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        ORDERS,
        json={
            "customer": BUYER,
            "products": [{"id": product_id, "quantity": quantity}],
            **extra,
        },
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def test_an_edit_keeps_the_price_basis_the_order_was_placed_on(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    item = await product(client, price="6.99")
    order = await place(client, item["id"], 3)
    await set_store(
        sessions, alpha.store.id, prices_include_vat=False, shipping_fee=Decimal("25")
    )

    edited = await client.patch(f"{ORDERS}/{order['id']}", json={"notes": "changed"})

    data = edited.json()["data"]
    assert (data["total_amount"], data["tax"], data["shipping"]) == (20.97, 2.74, 0)


async def test_edits_keep_purchase_limits_and_name_the_sent_field(
    client: httpx.AsyncClient,
) -> None:
    item = await product(client, min_purchase=2, max_purchase=4)
    order = await place(client, item["id"], 4)
    line_id = order["order_details"][0]["id"]

    too_many = await client.patch(
        f"{ORDERS}/{order['id']}",
        json={"products_to_update": [{"line_id": line_id, "quantity": 50}]},
    )
    added = await client.patch(
        f"{ORDERS}/{order['id']}",
        json={"products_to_add": [{"id": item["id"], "quantity": 4}]},
    )
    too_few = await client.patch(
        f"{ORDERS}/{order['id']}",
        json={"products_to_update": [{"line_id": line_id, "quantity": 1}]},
    )

    assert list(too_many.json()["errors"]) == ["products_to_update.0.quantity"]
    assert too_many.status_code == added.status_code == too_few.status_code == 422
    assert await stock(client, item["id"]) == 6


async def test_a_cancel_returns_only_what_was_taken(client: httpx.AsyncClient) -> None:
    item = await product(client, is_unlimited=True)
    order = await place(client, item["id"], 3)
    await client.patch(
        f"{PRODUCTS}/{item['id']}", json={"is_unlimited": False, "quantity": 5}
    )

    await client.post(f"{ORDERS}/{order['id']}/status", json={"status": "cancelled"})

    assert await stock(client, item["id"]) == 5


async def test_coupons_through_edits(client: httpx.AsyncClient) -> None:
    item = await product(client, price="30")
    await client.post(
        "/api/core/v1/coupons",
        json={
            "code": "ONE",
            "type": "fixed",
            "value": 5,
            "usage_limit": 1,
            "min_order": 50,
        },
    )
    order = await place(client, item["id"], 2, coupon="ONE")
    line_id = order["order_details"][0]["id"]

    resent = await client.patch(
        f"{ORDERS}/{order['id']}", json={"coupon": "ONE", "notes": "again"}
    )
    below = await client.patch(
        f"{ORDERS}/{order['id']}",
        json={"products_to_update": [{"line_id": line_id, "quantity": 1}]},
    )
    cleared = await client.patch(f"{ORDERS}/{order['id']}", json={"coupon": None})
    reused = await place(client, item["id"], 2, coupon="ONE")

    assert resent.status_code == 200, resent.text
    assert resent.json()["data"]["total_amount"] == 55
    assert below.status_code == 422
    assert list(below.json()["errors"]) == ["coupon"]
    assert cleared.json()["data"]["coupon"] is None
    assert reused["coupon_discounted"] == 5


async def test_the_recipient_is_as_given_for_a_known_customer(
    client: httpx.AsyncClient,
) -> None:
    item = await product(client)
    first = await place(client, item["id"], 1)

    response = await client.post(
        ORDERS,
        json={
            "customer": {"name": "Eve", "email": BUYER["email"], "phone": "0559876543"},
            "products": [{"id": item["id"], "quantity": 1}],
        },
    )

    data = response.json()["data"]
    assert data["customer"]["id"] == first["customer"]["id"]
    assert (data["name"], data["phone"]) == ("Eve", "+966559876543")


async def test_method_override_in_json_and_refused_forms(
    client: httpx.AsyncClient,
) -> None:
    item = await product(client)
    order = await place(client, item["id"], 1)

    spoofed = await client.post(
        f"{ORDERS}/{order['id']}", json={"_method": "PUT", "notes": "via json"}
    )
    deleting = await client.post(f"{PRODUCTS}/{item['id']}", data={"_method": "DELETE"})
    malformed = await client.post(
        f"{ORDERS}/{order['id']}", data={"notes[": "x", "_method": "PUT"}
    )
    both = await client.post(
        ORDERS,
        json={
            "customer": BUYER,
            "products": [{"id": item["id"], "quantity": 1}],
            "items": [{"product_id": item["id"], "quantity": 1}],
        },
    )

    assert spoofed.status_code == 200, spoofed.text
    assert spoofed.json()["data"]["notes"] == "via json"
    assert deleting.status_code in (405, 422)
    assert (await client.get(f"{PRODUCTS}/{item['id']}")).status_code == 200
    assert malformed.status_code == 400
    assert both.status_code == 422


@pytest.mark.postgres_only
async def test_parallel_edits_and_cancels_keep_stock_exact(
    app: FastAPI, alpha: StoreWithKey, client: httpx.AsyncClient
) -> None:
    item = await product(client, quantity=20)
    order = await place(client, item["id"], 2)
    line_id = order["order_details"][0]["id"]

    async def send(index: int) -> int:
        async with client_for(app, alpha.domain) as http:
            http.headers["Authorization"] = f"Bearer {alpha.key}"
            if index == 5:
                response = await http.post(
                    f"{ORDERS}/{order['id']}/status", json={"status": "cancelled"}
                )
            elif index % 2:
                response = await http.patch(
                    f"{ORDERS}/{order['id']}",
                    json={"products_to_update": [{"line_id": line_id, "quantity": 3}]},
                )
            else:
                response = await http.patch(
                    f"{ORDERS}/{order['id']}", json={"notes": f"n{index}"}
                )
            return response.status_code

    statuses = await asyncio.gather(*(send(i) for i in range(10)))

    assert 500 not in statuses
    final = (await client.get(f"{ORDERS}/{order['id']}")).json()["data"]
    held = (
        0
        if final["status"]["value"] == "cancelled"
        else final["order_details"][0]["qty"]
    )
    assert await stock(client, item["id"]) == 20 - held


@pytest.mark.postgres_only
async def test_parallel_orders_by_one_new_customer_share_the_customer(
    app: FastAPI,
    alpha: StoreWithKey,
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    item = await product(client, quantity=50)

    async def buy() -> int:
        async with client_for(app, alpha.domain) as http:
            http.headers["Authorization"] = f"Bearer {alpha.key}"
            response = await http.post(
                ORDERS,
                json={
                    "customer": {"name": "New", "email": "new@example.com"},
                    "products": [{"id": item["id"], "quantity": 1}],
                },
            )
            return response.status_code

    statuses = await asyncio.gather(*(buy() for _ in range(8)))

    assert statuses == [201] * 8
    assert await count(sessions, alpha.store.id, Customer) == 1
