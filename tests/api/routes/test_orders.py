from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import StoreWithKey, make_order, make_product
from tjar.api.schemas import Envelope, OrderList, OrderRead, StatusList
from tjar.db.models import Order
from tjar.db.session import store_session

BASE = "/api/core/v1/orders"


async def test_list_orders_pages_with_totals(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    for index in range(7):
        await make_order(
            sessions, alpha.store, created_at=start + timedelta(days=index)
        )

    response = await client.get(BASE, params={"page": 2, "per_page": 3})

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    assert body["message"] == "تم استرجاع الطلبات بنجاح"
    pagination = body["data"]["pagination"]
    assert pagination["current_page"] == 2
    assert pagination["per_page"] == 3
    assert pagination["total"] == 7
    assert pagination["last_page"] == 3
    numbers = [order["order_id"] for order in body["data"]["orders"]]
    assert numbers == ["1004", "1003", "1002"]  # newest first
    Envelope[OrderList].model_validate(body)


async def test_per_page_defaults_to_15_and_refuses_over_100(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    for _ in range(16):
        await make_order(sessions, alpha.store)

    default = await client.get(BASE)
    too_many = await client.get(BASE, params={"per_page": 101})

    assert len(default.json()["data"]["orders"]) == 15
    assert too_many.status_code == 422
    assert too_many.json()["code"] == "validation_failed"
    assert list(too_many.json()["errors"]) == ["per_page"]


async def test_order_amounts_are_numbers_with_formatted_strings(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    product = await make_product(sessions, alpha.store, price="49.99")
    order = await make_order(sessions, alpha.store, product=product, quantity=3)

    response = await client.get(f"{BASE}/{order.id}", headers={"Accept-Language": "en"})

    data = response.json()["data"]
    assert data["id"] == data["identifier"] == order.id
    assert data["total_amount"] == 149.97
    assert data["formatted_total_amount"] == "SAR 149.97"
    assert data["tax"] == 19.56
    line = data["order_details"][0]
    assert line["price"] == 49.99
    assert line["qty"] == 3
    assert line["type"] == 1
    assert line["type_label"] == "Physical"
    assert line["name"] == {"ar": product.name_ar, "en": product.name_en}
    assert data["status"] == {
        "value": "pending",
        "label": {"ar": "قيد الانتظار", "en": "Pending"},
        "color": "warning",
    }
    assert data["created_at"].endswith("+03:00")
    Envelope[OrderRead].model_validate(response.json())


async def test_date_filters_read_whole_days_in_the_store_zone(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    # 22:30 UTC on 30 April is 01:30 on 1 May in Riyadh.
    may_first = await make_order(
        sessions, alpha.store, created_at=datetime(2026, 4, 30, 22, 30, tzinfo=UTC)
    )
    await make_order(
        sessions, alpha.store, created_at=datetime(2026, 4, 30, 20, 0, tzinfo=UTC)
    )
    await make_order(
        sessions, alpha.store, created_at=datetime(2026, 5, 1, 21, 0, tzinfo=UTC)
    )

    response = await client.get(
        BASE, params={"date_from": "2026-05-01", "date_to": "2026-05-01"}
    )

    ids = [order["id"] for order in response.json()["data"]["orders"]]
    assert ids == [may_first.id]


async def test_a_timestamp_without_offset_is_refused_not_guessed(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        BASE,
        params={"date_from": "2026-05-01T10:00:00"},
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "date_from": ["A timestamp needs its UTC offset."]
    }


async def test_status_filter_and_unknown_status(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    shipped = await make_order(sessions, alpha.store, status="shipped")
    await make_order(sessions, alpha.store, status="pending")

    matched = await client.get(BASE, params={"status": "shipped"})
    unknown = await client.get(BASE, params={"status": "lost"})

    assert [order["id"] for order in matched.json()["data"]["orders"]] == [shipped.id]
    assert unknown.status_code == 422
    assert list(unknown.json()["errors"]) == ["status"]


async def test_search_finds_by_name_email_and_number(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    nora = await make_order(
        sessions, alpha.store, customer_name="نورة القحطاني", email="noura@example.com"
    )
    await make_order(sessions, alpha.store, customer_name="Fatima Khan")

    by_name = await client.get(BASE, params={"search": "نورة"})
    by_email = await client.get(BASE, params={"search": "NOURA@"})
    by_number = await client.get(BASE, params={"search": str(nora.number)})
    wildcard = await client.get(BASE, params={"search": "%"})

    for response in (by_name, by_email, by_number):
        assert [order["id"] for order in response.json()["data"]["orders"]] == [nora.id]
    assert wildcard.json()["data"]["orders"] == []


async def test_cursor_never_skips_or_repeats_rows_while_rows_change(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    # Several orders share a timestamp, so the id tie-breaker matters.
    orders = [
        await make_order(
            sessions, alpha.store, created_at=start + timedelta(hours=index // 2)
        )
        for index in range(12)
    ]
    seen: list[int] = []

    first = await client.get(BASE, params={"per_page": 4})
    seen += [order["id"] for order in first.json()["data"]["orders"]]
    cursor = first.json()["data"]["pagination"]["next_cursor"]

    # Between pages a newer order arrives, and two are deleted: one the client
    # has already read and one it has not reached yet.
    await make_order(sessions, alpha.store, created_at=start + timedelta(days=30))
    gone = {orders[2].id, orders[10].id}
    async with store_session(sessions, alpha.store.id) as session:
        await session.execute(delete(Order).where(Order.id.in_(gone)))
        await session.commit()

    while cursor:
        page = await client.get(BASE, params={"per_page": 4, "cursor": cursor})
        assert page.json()["data"]["pagination"]["current_page"] is None
        seen += [order["id"] for order in page.json()["data"]["orders"]]
        cursor = page.json()["data"]["pagination"]["next_cursor"]

    assert len(seen) == len(set(seen))
    # Newest first: orders[10] was on the first page, orders[2] not yet reached.
    # Every order that existed throughout is seen exactly once; the one deleted
    # before it was reached is not; the newer one is for the next sync.
    assert set(seen) == {order.id for order in orders} - {orders[2].id}
    created = {order.id: order.created_at for order in orders}
    assert seen == sorted(seen, key=lambda i: (created[i], i), reverse=True)


async def test_a_cursor_from_another_sort_or_garbage_is_refused(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    for _ in range(3):
        await make_order(sessions, alpha.store)
    cursor = (await client.get(BASE, params={"per_page": 1})).json()["data"][
        "pagination"
    ]["next_cursor"]

    other_sort = await client.get(BASE, params={"cursor": cursor, "sort": "id"})
    garbage = await client.get(BASE, params={"cursor": "not-a-cursor"})

    assert other_sort.status_code == 422
    assert garbage.status_code == 422
    assert list(garbage.json()["errors"]) == ["cursor"]


async def test_statuses_list_every_status_with_next_moves(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(f"{BASE}/statuses")

    statuses = {item["value"]: item for item in response.json()["data"]["statuses"]}
    assert list(statuses) == [
        "pending",
        "processing",
        "ready_for_shipping",
        "shipped",
        "delivered",
        "completed",
        "cancelled",
        "refunded",
    ]
    assert statuses["pending"]["next"] == ["processing", "cancelled"]
    assert statuses["cancelled"]["next"] == []
    assert statuses["shipped"]["label"] == {"ar": "تم الشحن", "en": "Shipped"}
    Envelope[StatusList].model_validate(response.json())


async def test_unknown_order_is_404_in_the_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{BASE}/999999", headers={"Accept-Language": "en"})

    assert response.status_code == 404
    assert response.json() == {
        "status": "error",
        "message": "Order not found.",
        "code": "order_not_found",
    }


async def test_hostile_filters_are_422_never_500(client: httpx.AsyncClient) -> None:
    for params in (
        {"date_from": "0001-01-01"},
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01T00:00:00+14:00"},
        {"updated_since": "9999-12-31T23:59:59.999999-14:00"},
        {"date_from": "2026-W44-1"},
        {"search": "abc\x00"},
        {"status": "\x00"},
    ):
        response = await client.get(BASE, params=params)
        assert response.status_code == 422, (params, response.text)

    for term in ("²", "①", "1²", " "):
        response = await client.get(BASE, params={"search": term})
        assert response.status_code == 200, term


async def test_forged_cursors_are_422(client: httpx.AsyncClient) -> None:
    import base64

    import orjson

    def forge(payload: object) -> str:
        return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")

    for payload in (
        {"s": "-id", "v": 18446744073709551615, "id": 1},
        {"s": "-id", "v": 2147483648, "id": 1},
        {"s": "-id", "v": True, "id": 1},
        {"s": "-id", "v": 5, "id": -1},
        {
            "s": "-created_at",
            "v": "0001-01-01T00:00:00+14:00",
            "k": "datetime",
            "id": 1,
        },
        {"s": "-created_at", "v": "2026-01-01T00:00:00", "k": "datetime", "id": 1},
        [1, 2],
    ):
        sort = payload["s"] if isinstance(payload, dict) else "-id"
        response = await client.get(
            BASE, params={"cursor": forge(payload), "sort": sort}
        )
        assert response.status_code == 422, payload


async def test_an_inclusive_date_to_includes_the_second_it_names(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    order = await make_order(
        sessions,
        alpha.store,
        created_at=datetime(2026, 5, 1, 7, 33, 58, 412000, tzinfo=UTC),
    )
    shown = (await client.get(f"{BASE}/{order.id}")).json()["data"]["created_at"]

    found = await client.get(BASE, params={"date_from": shown, "date_to": shown})

    assert shown == "2026-05-01T10:33:58+03:00"
    assert [o["id"] for o in found.json()["data"]["orders"]] == [order.id]


async def test_identifiers_are_plain_digits(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    order = await make_order(sessions, alpha.store)

    assert (await client.get(f"{BASE}/{order.id}")).status_code == 200
    for spelling in (f"0{order.id}", f"+{order.id}", f"{order.id}.0", f"{order.id}_0"):
        assert (await client.get(f"{BASE}/{spelling}")).status_code == 422, spelling
