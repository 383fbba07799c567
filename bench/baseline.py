"""The ceiling of the stack: the benchmarked endpoints on bare Starlette + asyncpg.

It runs the statements the platform runs for each endpoint and answers the
same JSON bytes, but with no framework, validation, authentication or
tenancy: one store (``TJAR_BENCH_STORE``, the big store), no checks. Rows are
handed to the platform's own representation functions as plain objects, so
the difference between the two servers is what the framework, the ORM, the
key check and tenancy cost, not the shape of the JSON.

    TJAR_DATABASE_URL=postgresql+asyncpg://... uvicorn bench.baseline:app
"""

import os
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import asyncpg
import orjson
from sqlalchemy import JSON
from sqlalchemy.dialects import postgresql
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tjar.config import Settings
from tjar.db.base import Base
from tjar.db.models import Category, Order, Product, Tag
from tjar.db.types import FixedDecimal, Money
from tjar.domain.orders import ORDER_SORTS
from tjar.domain.paging import decode_cursor, encode_cursor
from tjar.domain.products import PRODUCT_SORTS
from tjar.i18n import translate
from tjar.representation.common import Context
from tjar.representation.orders import order_data
from tjar.representation.products import product_data
from tjar.webhooks.outbox import new_event_id

STORE_ID = int(os.environ.get("TJAR_BENCH_STORE", "1"))
# Both lists are read newest first, the platform's default.
SORT = "-created_at"
# The columns the ORM selects, in its order, read off the models.
ORDER_COLUMNS = ", ".join(column.name for column in Order.__table__.columns)
PRODUCT_COLUMNS = ", ".join(column.name for column in Product.__table__.columns)
# Columns whose stored form differs from what the models hand out: amounts
# kept as scaled integers, and JSON. Their own types convert them back.
CONVERTED = {
    column.name: column.type
    for table in Base.metadata.tables.values()
    for column in table.columns
    if isinstance(column.type, FixedDecimal)
}
JSON_COLUMNS = {
    column.name
    for table in Base.metadata.tables.values()
    for column in table.columns
    if isinstance(column.type, JSON)
}
MONEY = Money()
DIALECT = postgresql.dialect()


def row(record: asyncpg.Record, **extra: Any) -> SimpleNamespace:
    """Turn a record into the attributes a model instance would have."""
    values = dict(record)
    for name, value in values.items():
        if value is None:
            continue
        if name in CONVERTED:
            values[name] = CONVERTED[name].process_result_value(value, DIALECT)
        elif name in JSON_COLUMNS and isinstance(value, str):
            values[name] = orjson.loads(value)
    return SimpleNamespace(**values, **extra)


def grouped(records: Iterable[asyncpg.Record], key: str) -> dict[int, list[Any]]:
    groups: dict[int, list[Any]] = defaultdict(list)
    for record in records:
        groups[record[key]].append(row(record))
    return groups


class Store:
    """What the representations read of the store."""

    timezone = "Asia/Riyadh"


def answer(data: Any, message: str, status: int = 200) -> Response:
    body = {"status": "success", "message": message, "data": data}
    return Response(orjson.dumps(body), status, media_type="application/json")


def context(request: Request) -> Context:
    language = request.headers.get("accept-language", "ar")[:2]
    host = request.headers.get("host", "")
    return Context(store=Store(), language=language, base_url=f"http://{host}")  # type: ignore[arg-type]


def _without(values: dict[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in values.items() if key != name}


def listing(
    key: str,
    items: list[Any],
    total: int,
    per_page: int,
    page: int | None,
    cursor: str | None,
    message: str,
) -> Response:
    data = {
        key: items,
        "pagination": {
            "current_page": page,
            "per_page": per_page,
            "total": total,
            "last_page": max(1, -(-total // per_page)),
            "next_cursor": cursor,
        },
    }
    return answer(data, message)


async def load_orders(
    connection: asyncpg.Connection, orders: Sequence[asyncpg.Record]
) -> list[SimpleNamespace]:
    """Load lines, histories and customers the way ``selectinload`` does."""
    ids = [order["id"] for order in orders]
    lines = await connection.fetch(
        "SELECT order_id, id, product_id, variant_id, type_id, name_ar, name_en, sku, "
        "qty, unit_price, weight, options, discount, tax, subtotal, stock_taken, "
        "booking_start, store_id FROM order_lines "
        "WHERE order_id = ANY($2::int[]) AND store_id = $1 ORDER BY id",
        STORE_ID,
        ids,
    )
    changes = await connection.fetch(
        "SELECT order_id, id, from_status, to_status, note, actor, created_at, "
        "store_id FROM order_status_changes "
        "WHERE order_id = ANY($2::int[]) AND store_id = $1 ORDER BY id",
        STORE_ID,
        ids,
    )
    customer_ids = list({o["customer_id"] for o in orders if o["customer_id"]})
    customers = await connection.fetch(
        "SELECT id, name, email, mobile, avatar, store_id, created_at, updated_at "
        "FROM customers WHERE id = ANY($2::int[]) AND store_id = $1",
        STORE_ID,
        customer_ids,
    )
    by_order = grouped(lines, "order_id")
    histories = grouped(changes, "order_id")
    people = {customer["id"]: row(customer) for customer in customers}
    return [
        row(
            order,
            lines=by_order.get(order["id"], []),
            history=histories.get(order["id"], []),
            customer=people.get(order["customer_id"]),
        )
        for order in orders
    ]


async def list_orders(request: Request) -> Response:
    per_page = int(request.query_params.get("per_page", "15"))
    cursor = request.query_params.get("cursor")
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as connection, connection.transaction():
        total = await connection.fetchval(
            "SELECT count(*) FROM orders WHERE store_id = $1", STORE_ID
        )
        if cursor:
            at, last_id = decode_cursor(ORDER_SORTS[SORT], cursor)
            records = await connection.fetch(
                f"SELECT {ORDER_COLUMNS} FROM orders WHERE store_id = $1 "
                "AND (created_at, id) < ($2, $3) "
                "ORDER BY created_at DESC, id DESC LIMIT $4",
                STORE_ID,
                at,
                last_id,
                per_page + 1,
            )
        else:
            records = await connection.fetch(
                f"SELECT {ORDER_COLUMNS} FROM orders WHERE store_id = $1 "
                "ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET 0",
                STORE_ID,
                per_page + 1,
            )
        orders = await load_orders(connection, records[:per_page])
    ctx = context(request)
    following = (
        encode_cursor(ORDER_SORTS[SORT], orders[-1])
        if len(records) > per_page
        else None
    )
    return listing(
        "orders",
        [order_data(ctx, order) for order in orders],
        total,
        per_page,
        None if cursor else 1,
        following,
        translate(ctx.language, "Orders retrieved successfully."),
    )


async def get_order(request: Request) -> Response:
    identifier = int(request.path_params["identifier"])
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as connection, connection.transaction():
        records = await connection.fetch(
            f"SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1 AND store_id = $2",
            identifier,
            STORE_ID,
        )
        (order,) = await load_orders(connection, records)
    ctx = context(request)
    message = translate(ctx.language, "Order details retrieved successfully.")
    return answer(order_data(ctx, order), message)


async def list_products(request: Request) -> Response:
    per_page = int(request.query_params.get("per_page", "15"))
    pattern = f"%{request.query_params['search'].casefold()}%"
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as connection, connection.transaction():
        total = await connection.fetchval(
            "SELECT count(*) FROM products WHERE deleted_at IS NULL "
            "AND search_text LIKE $1 ESCAPE '\\' AND store_id = $2",
            pattern,
            STORE_ID,
        )
        records = await connection.fetch(
            f"SELECT {PRODUCT_COLUMNS} FROM products WHERE deleted_at IS NULL "
            "AND search_text LIKE $1 ESCAPE '\\' AND store_id = $2 "
            "ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET 0",
            pattern,
            STORE_ID,
            per_page + 1,
        )
        products = await load_products(connection, records[:per_page])
    ctx = context(request)
    following = (
        encode_cursor(PRODUCT_SORTS[SORT], products[-1])
        if len(records) > per_page
        else None
    )
    return listing(
        "products",
        [product_data(ctx, product) for product in products],
        total,
        per_page,
        1,
        following,
        translate(ctx.language, "Products retrieved successfully."),
    )


async def load_products(
    connection: asyncpg.Connection, products: Sequence[asyncpg.Record]
) -> list[SimpleNamespace]:
    ids = [product["id"] for product in products]
    found: dict[str, dict[int, list[Any]]] = {}
    for name, statement in PRODUCT_LOADS.items():
        records = await connection.fetch(statement, STORE_ID, ids)
        found[name] = grouped(records, "product_id")
    # The representation tells categories from other labels by their class.
    for name, model in (("categories", Category), ("tags", Tag)):
        found[name] = {
            key: [model(**_without(vars(item), "product_id")) for item in items]
            for key, items in found[name].items()
        }
    return [
        row(
            product,
            brand=None,
            image=None,
            **{name: found[name].get(product["id"], []) for name in PRODUCT_LOADS},
        )
        for product in products
    ]


PRODUCT_LOADS = {
    "categories": "SELECT product_categories.product_id, categories.id, "
    "categories.parent_id, categories.name_ar, categories.name_en FROM "
    "product_categories JOIN categories ON categories.id = "
    "product_categories.category_id AND categories.store_id = $1 "
    "WHERE product_categories.product_id = ANY($2::int[]) ORDER BY categories.id",
    "tags": "SELECT product_tags.product_id, tags.id, tags.name_ar, tags.name_en "
    "FROM product_tags JOIN tags ON tags.id = product_tags.tag_id AND "
    "tags.store_id = $1 WHERE product_tags.product_id = ANY($2::int[]) "
    "ORDER BY tags.id",
    "options": "SELECT product_id, id, position, type, title_ar, title_en, "
    "sub_title_ar, sub_title_en, is_required, multi_select, choices, store_id "
    "FROM product_options WHERE product_id = ANY($2::int[]) AND store_id = $1 "
    "ORDER BY position",
    "variants": "SELECT product_id, id, position, color, size, stock, sku, sku_key, "
    "additional_price, store_id, created_at, updated_at FROM product_variants "
    "WHERE product_id = ANY($2::int[]) AND store_id = $1 ORDER BY position",
    "media": "SELECT product_id, id, media_id, role, position, store_id "
    "FROM product_media WHERE product_id = ANY($2::int[]) AND store_id = $1 "
    "ORDER BY position",
    "codes": "SELECT product_id, id, code, order_line_id, assigned_at, store_id "
    "FROM product_codes WHERE product_id = ANY($2::int[]) AND store_id = $1 "
    "ORDER BY id",
}


async def create_order(request: Request) -> Response:
    """Take the stock, number and insert the order as the platform does."""
    body = orjson.loads(await request.body())
    ctx = context(request)
    wanted = {line["id"]: line["quantity"] for line in body["products"]}
    person = body["customer"]
    now = datetime.now(UTC)
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as connection, connection.transaction():
        customer = await connection.fetchrow(
            "SELECT id, name, email, mobile, avatar FROM customers "
            "WHERE email = $1 AND store_id = $2",
            person["email"],
            STORE_ID,
        )
        await connection.fetchrow(
            "SELECT id FROM customers WHERE mobile = $1 AND store_id = $2",
            person["mobile"],
            STORE_ID,
        )
        products = await connection.fetch(
            f"SELECT {PRODUCT_COLUMNS} FROM products WHERE id = ANY($2::int[]) "
            "AND deleted_at IS NULL AND store_id = $1",
            STORE_ID,
            list(wanted),
        )
        for name in ("options", "variants"):
            await connection.fetch(PRODUCT_LOADS[name], STORE_ID, list(wanted))
        lines = []
        for product in products:
            quantity = wanted[product["id"]]
            await connection.fetchval(
                "UPDATE products SET stock = stock - $1, updated_at = $2 "
                "WHERE id = $3 AND stock >= $1 AND store_id = $4 RETURNING stock",
                quantity,
                now,
                product["id"],
                STORE_ID,
            )
            amount = product["price"] * quantity
            lines.append((product, quantity, amount, round(amount * 15 / 115)))
        number = await connection.fetchval(
            "UPDATE stores SET next_order_number = next_order_number + 1, "
            "updated_at = $1 WHERE id = $2 RETURNING next_order_number",
            now,
            STORE_ID,
        )
        subtotal = sum(line[2] for line in lines)
        tax = sum(line[3] for line in lines)
        order_id = await connection.fetchval(
            "INSERT INTO orders (number, customer_id, name, email, phone, status, "
            "payment_status, subtotal, coupon_discounted, shipping, tax, "
            "total_amount, source, version, prices_include_vat, vat_rate, store_id, "
            "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'pending', "
            "'pending', $6, 0, 0, $7, $6, 'api', 1, true, 1500, $8, $9, $9) "
            "RETURNING id",
            number - 1,
            customer["id"] if customer else None,
            person["name"],
            person["email"],
            person["mobile"],
            subtotal,
            tax,
            STORE_ID,
            now,
        )
        options = '{"product_options": [], "product_options_cost": 0.0}'
        line_ids = await connection.fetch(
            "INSERT INTO order_lines (order_id, product_id, type_id, name_ar, "
            "name_en, sku, qty, unit_price, options, discount, tax, subtotal, "
            "stock_taken, store_id) SELECT $1, product_id, 1, name_ar, name_en, "
            "sku, qty, unit_price, $2, 0, tax, subtotal, true, $3 FROM unnest("
            "$4::int[], $5::text[], $6::text[], $7::text[], $8::int[], "
            "$9::bigint[], $10::bigint[], $11::bigint[]) AS line(product_id, "
            "name_ar, name_en, sku, qty, unit_price, tax, subtotal) RETURNING id",
            order_id,
            options,
            STORE_ID,
            [line[0]["id"] for line in lines],
            [line[0]["name_ar"] for line in lines],
            [line[0]["name_en"] for line in lines],
            [line[0]["sku"] for line in lines],
            [line[1] for line in lines],
            [line[0]["price"] for line in lines],
            [line[3] for line in lines],
            [line[2] for line in lines],
        )
        await connection.execute(
            "INSERT INTO order_status_changes (order_id, to_status, actor, "
            "created_at, store_id) VALUES ($1, 'pending', 'api_key:1', $2, $3)",
            order_id,
            now,
            STORE_ID,
        )
        order = new_order(order_id, number - 1, person, customer, lines, line_ids, now)
        data = order_data(ctx, order)
        hooks = await connection.fetch(
            "SELECT id, events FROM webhooks WHERE is_active AND store_id = $1",
            STORE_ID,
        )
        listeners = [
            hook["id"]
            for hook in hooks
            if "order.created" in orjson.loads(hook["events"])
        ]
        if listeners:
            public_id = new_event_id(now)
            event = {
                "id": public_id,
                "type": "order.created",
                "created_at": order.created_at.isoformat(),
                "store": {"id": STORE_ID, "domain": request.headers.get("host")},
                "data": data,
            }
            event_id = await connection.fetchval(
                "INSERT INTO webhook_events (public_id, type, body, created_at, "
                "store_id) VALUES ($1, 'order.created', $2, $3, $4) RETURNING id",
                public_id,
                orjson.dumps(event),
                now,
                STORE_ID,
            )
            await connection.executemany(
                "INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, "
                "status, attempts, claims, next_attempt_at, created_at, store_id) "
                "VALUES ($1, $2, 'order.created', 'pending', 0, 0, $3, $3, $4)",
                [(hook, event_id, now, STORE_ID) for hook in listeners],
            )
            await connection.execute("NOTIFY tjar_webhooks")
    message = translate(ctx.language, "Order created successfully.")
    return answer(data, message, status=201)


def new_order(
    order_id: int,
    number: int,
    person: dict[str, str],
    customer: asyncpg.Record | None,
    lines: list[tuple[asyncpg.Record, int, int, int]],
    line_ids: Sequence[asyncpg.Record],
    now: datetime,
) -> SimpleNamespace:
    """Build the inserted order as the representation reads it."""

    def cents(amount: int) -> Decimal | None:
        return MONEY.process_result_value(amount, DIALECT)

    subtotal = sum(line[2] for line in lines)
    items = [
        SimpleNamespace(
            id=record["id"],
            product_id=product["id"],
            name_ar=product["name_ar"],
            name_en=product["name_en"],
            sku=product["sku"],
            qty=quantity,
            unit_price=cents(product["price"]),
            variant_id=None,
            weight=None,
            type_id=1,
            options={"product_options": [], "product_options_cost": 0.0},
            discount=cents(0),
            tax=cents(tax),
            subtotal=cents(amount),
        )
        for (product, quantity, amount, tax), record in zip(
            lines, line_ids, strict=True
        )
    ]
    history = SimpleNamespace(
        from_status=None, to_status="pending", note=None, actor="api_key:1"
    )
    history.created_at = now
    return SimpleNamespace(
        id=order_id,
        number=number,
        name=person["name"],
        email=person["email"],
        phone=person["mobile"],
        customer=row(customer) if customer else None,
        address=None,
        city=None,
        state=None,
        country=None,
        zipcode=None,
        status="pending",
        payment_status="pending",
        payment_gateway=None,
        transaction_id=None,
        coupon_code=None,
        coupon_discounted=cents(0),
        lines=items,
        subtotal=cents(subtotal),
        shipping=cents(0),
        tax=cents(sum(line[3] for line in lines)),
        total_amount=cents(subtotal),
        notes=None,
        source="api",
        version=1,
        history=[history],
        created_at=now,
        updated_at=now,
    )


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    url = os.environ["TJAR_DATABASE_URL"].replace("postgresql+asyncpg", "postgresql")
    # The same pool as the platform's engine: TJAR_DB_POOL_SIZE kept open,
    # TJAR_DB_MAX_OVERFLOW more under load.
    settings = Settings()
    size = settings.db_pool_size
    async with asyncpg.create_pool(
        url, min_size=size, max_size=size + settings.db_max_overflow
    ) as pool:
        app.state.pool = pool
        yield


PREFIX = "/api/core/v1"
app = Starlette(
    routes=[
        Route(f"{PREFIX}/orders", list_orders, methods=["GET"]),
        Route(f"{PREFIX}/orders", create_order, methods=["POST"]),
        Route(f"{PREFIX}/orders/{{identifier:int}}", get_order, methods=["GET"]),
        Route(f"{PREFIX}/products", list_products, methods=["GET"]),
    ],
    lifespan=lifespan,
)
