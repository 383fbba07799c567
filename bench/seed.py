"""Fill a benchmark database fast: bulk ``COPY`` on PostgreSQL, batches on SQLite.

One big store carries most of the load (products, orders with their lines
and histories, customers); the other stores are there so every query has to
pick one store's rows out of many. Rows are generated with a fixed random
seed, so two seeds of the same plan hold the same data.

A finished seed records its plan in ``bench_seed``; a later run with the
same plan reuses the data and clears the webhook log earlier runs left.
"""

import json
import random
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from tjar.domain.api_keys import digest
from tjar.domain.text import search_text

BIG_SLUG = "big"
KEY_PREFIX = "tjar_sk_"
# Enough stock that no run of POST /orders ever runs a product out.
BIG_STOCK = 1_000_000_000
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
SEARCH_WORD = "linen"

NOUNS = [
    ("قميص", "shirt"),
    ("فستان", "dress"),
    ("حذاء", "shoe"),
    ("حقيبة", "bag"),
    ("ساعة", "watch"),
    ("عطر", "perfume"),
    ("وشاح", "scarf"),
    ("قبعة", "hat"),
    ("كوب", "mug"),
    ("مصباح", "lamp"),
]
# One material in fifty is the search word: about 2 % of products match it.
MATERIALS = [(f"خامة {n}", f"material{n}") for n in range(49)] + [("كتان", "linen")]
CITIES = ["Riyadh", "Jeddah", "Dammam", "Makkah", "Madinah"]
STATUSES = ["pending", "processing", "shipped", "completed", "cancelled"]


@dataclass(frozen=True)
class Plan:
    stores: int
    big_products: int
    big_orders: int
    big_customers: int
    small_products: int
    small_orders: int
    small_customers: int
    lines_per_order: int = 2


FULL = Plan(
    stores=1_000,
    big_products=100_000,
    big_orders=300_000,
    big_customers=20_000,
    small_products=20,
    small_orders=1_000,
    small_customers=100,
)
QUICK = Plan(
    stores=10,
    big_products=5_000,
    big_orders=15_000,
    big_customers=1_000,
    small_products=10,
    small_orders=100,
    small_customers=20,
)
SMOKE = Plan(
    stores=3,
    big_products=60,
    big_orders=120,
    big_customers=10,
    small_products=5,
    small_orders=10,
    small_customers=5,
)


def api_key(store_id: int) -> str:
    """Return the seeded key of a store (benchmark data, never a real secret)."""
    return f"{KEY_PREFIX}bench{store_id:05d}{'x' * 30}"


def slug_of(store_id: int) -> str:
    return BIG_SLUG if store_id == 1 else f"store{store_id}"


@dataclass(frozen=True)
class Table:
    name: str
    columns: Sequence[str]
    count: int
    rows: Callable[[], Iterator[tuple[Any, ...]]]


class Generator:
    """The rows of a plan, table by table, with ids assigned here."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.random = random.Random(20261204)
        # Per store: (first product id, count) and (first customer id, count).
        self.products: dict[int, tuple[int, int]] = {}
        self.customers: dict[int, tuple[int, int]] = {}
        product_id = customer_id = 1
        for store in range(1, plan.stores + 1):
            big = store == 1
            products = plan.big_products if big else plan.small_products
            customers = plan.big_customers if big else plan.small_customers
            self.products[store] = (product_id, products)
            self.customers[store] = (customer_id, customers)
            product_id += products
            customer_id += customers

    def orders_of(self, store: int) -> int:
        return self.plan.big_orders if store == 1 else self.plan.small_orders

    @property
    def total_orders(self) -> int:
        return self.plan.big_orders + self.plan.small_orders * (self.plan.stores - 1)

    def tables(self) -> list[Table]:
        plan, stores = self.plan, self.plan.stores
        products = plan.big_products + plan.small_products * (stores - 1)
        customers = plan.big_customers + plan.small_customers * (stores - 1)
        orders = self.total_orders
        return [
            Table("stores", STORE_COLUMNS, stores, self.store_rows),
            Table("store_domains", DOMAIN_COLUMNS, stores, self.domain_rows),
            Table("api_keys", KEY_COLUMNS, stores, self.key_rows),
            Table("customers", CUSTOMER_COLUMNS, customers, self.customer_rows),
            Table("products", PRODUCT_COLUMNS, products, self.product_rows),
            Table("sku_claims", CLAIM_COLUMNS, products, self.claim_rows),
            Table("orders", ORDER_COLUMNS, orders, self.order_rows),
            Table(
                "order_lines",
                LINE_COLUMNS,
                orders * plan.lines_per_order,
                self.line_rows,
            ),
            Table("order_status_changes", CHANGE_COLUMNS, orders, self.change_rows),
        ]

    def store_rows(self) -> Iterator[tuple[Any, ...]]:
        for store in range(1, self.plan.stores + 1):
            name = "Big store" if store == 1 else f"Store {store}"
            yield (
                store,
                slug_of(store),
                name,
                "ar",
                "Asia/Riyadh",
                True,
                1500,
                EPOCH,
                EPOCH,
            )

    def store_counters(self) -> Iterator[tuple[int, int]]:
        for store in range(1, self.plan.stores + 1):
            yield store, 1001 + self.orders_of(store)

    def domain_rows(self) -> Iterator[tuple[Any, ...]]:
        for store in range(1, self.plan.stores + 1):
            yield (store, store, f"{slug_of(store)}.localhost", True, EPOCH)

    def key_rows(self) -> Iterator[tuple[Any, ...]]:
        for store in range(1, self.plan.stores + 1):
            secret = api_key(store)
            yield (store, store, digest(secret), secret[-4:], EPOCH)

    def customer_rows(self) -> Iterator[tuple[Any, ...]]:
        for store, (first, count) in self.customers.items():
            for offset in range(count):
                customer = first + offset
                at = EPOCH + timedelta(minutes=customer)
                yield (
                    customer,
                    store,
                    f"Customer {customer}",
                    f"c{customer}@example.com",
                    f"+9665{customer:08d}",
                    at,
                    at,
                )

    def product_rows(self) -> Iterator[tuple[Any, ...]]:
        pick = self.random
        for store, (first, count) in self.products.items():
            for offset in range(count):
                product = first + offset
                noun_ar, noun_en = NOUNS[product % len(NOUNS)]
                material_ar, material_en = MATERIALS[pick.randrange(len(MATERIALS))]
                name_ar = f"{noun_ar} {material_ar} {product}"
                name_en = f"{material_en.capitalize()} {noun_en} {product}"
                sku = f"SKU-{product}"
                at = EPOCH + timedelta(seconds=product * 30)
                yield (
                    product,
                    store,
                    1,
                    name_ar,
                    name_en,
                    f"وصف {name_ar}",
                    f"About the {name_en}",
                    search_text(name_ar, name_en, sku),
                    f"p-{product}",
                    sku,
                    sku.casefold(),
                    pick.randrange(1_000, 100_000),
                    BIG_STOCK if store == 1 else 1_000,
                    at,
                    at,
                )

    def claim_rows(self) -> Iterator[tuple[Any, ...]]:
        for store, (first, count) in self.products.items():
            for product in range(first, first + count):
                yield (product, store, f"sku-{product}", product)

    def _orders(self) -> Iterator[tuple[int, int, int, datetime]]:
        """Each order's id, store, number and creation time, in id order."""
        order = 1
        span = timedelta(days=365)
        for store in range(1, self.plan.stores + 1):
            count = self.orders_of(store)
            step = span / max(count, 1)
            for offset in range(count):
                yield order, store, 1001 + offset, EPOCH + step * offset
                order += 1

    def order_rows(self) -> Iterator[tuple[Any, ...]]:
        pick = self.random
        lines = self.plan.lines_per_order
        for order, store, number, at in self._orders():
            first_customer, customers = self.customers[store]
            customer = first_customer + order % customers
            unit = 5_750
            subtotal = unit * lines
            shipping = 2_500
            total = subtotal + shipping
            yield (
                order,
                store,
                number,
                customer,
                f"Customer {customer}",
                f"c{customer}@example.com",
                f"+9665{customer:08d}",
                f"{order % 90 + 1} King Fahd Road",
                CITIES[order % len(CITIES)],
                "SA",
                "12345",
                STATUSES[pick.randrange(len(STATUSES))],
                "paid",
                "cod",
                subtotal,
                0,
                shipping,
                round(total * 15 / 115),
                total,
                "api",
                1,
                True,
                1500,
                at,
                at,
            )

    def line_rows(self) -> Iterator[tuple[Any, ...]]:
        pick = self.random
        line = 1
        for order, store, _, _ in self._orders():
            first_product, products = self.products[store]
            for _ in range(self.plan.lines_per_order):
                product = first_product + pick.randrange(products)
                noun_ar, noun_en = NOUNS[product % len(NOUNS)]
                yield (
                    line,
                    store,
                    order,
                    product,
                    1,
                    f"{noun_ar} {product}",
                    f"{noun_en.capitalize()} {product}",
                    f"SKU-{product}",
                    1,
                    5_750,
                    "{}",
                    0,
                    750,
                    5_750,
                    True,
                )
                line += 1

    def change_rows(self) -> Iterator[tuple[Any, ...]]:
        for order, store, _, at in self._orders():
            yield (order, store, order, None, "pending", "api_key:1", at)


STORE_COLUMNS = (
    "id",
    "slug",
    "name",
    "default_language",
    "timezone",
    "prices_include_vat",
    "vat_rate",
    "created_at",
    "updated_at",
)
DOMAIN_COLUMNS = ("id", "store_id", "domain", "is_primary", "created_at")
KEY_COLUMNS = ("id", "store_id", "key_hash", "last_four", "created_at")
CUSTOMER_COLUMNS = (
    "id",
    "store_id",
    "name",
    "email",
    "mobile",
    "created_at",
    "updated_at",
)
PRODUCT_COLUMNS = (
    "id",
    "store_id",
    "type_id",
    "name_ar",
    "name_en",
    "summary_ar",
    "summary_en",
    "search_text",
    "slug",
    "sku",
    "sku_key",
    "price",
    "stock",
    "created_at",
    "updated_at",
)
CLAIM_COLUMNS = ("id", "store_id", "sku_key", "product_id")
ORDER_COLUMNS = (
    "id",
    "store_id",
    "number",
    "customer_id",
    "name",
    "email",
    "phone",
    "address",
    "city",
    "country",
    "zipcode",
    "status",
    "payment_status",
    "payment_gateway",
    "subtotal",
    "coupon_discounted",
    "shipping",
    "tax",
    "total_amount",
    "source",
    "version",
    "prices_include_vat",
    "vat_rate",
    "created_at",
    "updated_at",
)
LINE_COLUMNS = (
    "id",
    "store_id",
    "order_id",
    "product_id",
    "type_id",
    "name_ar",
    "name_en",
    "sku",
    "qty",
    "unit_price",
    "options",
    "discount",
    "tax",
    "subtotal",
    "stock_taken",
)
CHANGE_COLUMNS = (
    "id",
    "store_id",
    "order_id",
    "from_status",
    "to_status",
    "actor",
    "created_at",
)
# Columns the models fill with a default that COPY does not apply.
DEFAULTS = {
    "stores": {"webhook_limit": 2, "next_order_number": 1001},
    "products": {
        "description_ar": "",
        "description_en": "",
        "is_unlimited": False,
        "is_published": True,
        "is_refundable": True,
        "min_purchase": 1,
        "is_inventory_warning": False,
    },
}
SEEDED_TABLES = [
    "order_status_changes",
    "order_lines",
    "orders",
    "sku_claims",
    "products",
    "customers",
    "api_keys",
    "store_domains",
]


def _batches(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _progress() -> Progress:
    return Progress(
        "[progress.description]{task.description:<22}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )


def _with_defaults(table: Table) -> tuple[list[str], Callable[[Any], Any]]:
    """Add the model defaults COPY would leave NULL to each row of ``table``."""
    extra = DEFAULTS.get(table.name, {})
    columns = [*table.columns, *extra]
    values = tuple(extra.values())
    return columns, (lambda row: row + values) if extra else (lambda row: row)


class PostgresSeed:
    """Seed over one asyncpg connection with binary ``COPY``."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def seeded_plan(self) -> dict[str, Any] | None:
        exists = await self.connection.fetchval("SELECT to_regclass('bench_seed')")
        if exists is None:
            return None
        text = await self.connection.fetchval("SELECT plan FROM bench_seed")
        return None if text is None else dict(json.loads(text))

    async def seed(self, plan: Plan) -> None:
        generator = Generator(plan)
        connection = self.connection
        await connection.execute("DROP TABLE IF EXISTS bench_seed")
        await connection.execute(
            "TRUNCATE stores, webhook_events, idempotency_records "
            "RESTART IDENTITY CASCADE"
        )
        with _progress() as progress:
            for table in generator.tables():
                task = progress.add_task(table.name, total=table.count)
                columns, complete = _with_defaults(table)
                for batch in _batches(table.rows(), 50_000):
                    await connection.copy_records_to_table(
                        table.name,
                        records=[complete(row) for row in batch],
                        columns=columns,
                    )
                    progress.advance(task, len(batch))
        await connection.executemany(
            "UPDATE stores SET next_order_number = $2 WHERE id = $1",
            list(generator.store_counters()),
        )
        for table in generator.tables():
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT max(id) FROM {table.name}))"
            )
        print("analysing ...", flush=True)
        await connection.execute("ANALYZE")
        await connection.execute("CREATE TABLE bench_seed (plan text, orders bigint)")
        await connection.execute(
            "INSERT INTO bench_seed VALUES ($1, $2)",
            json.dumps(asdict(plan)),
            generator.total_orders,
        )

    async def reset(self) -> None:
        """Empty the webhook log and idempotency records earlier runs left.

        Orders earlier runs created stay: deleting them would cascade to the
        order lines one order at a time, each a scan of millions of rows.
        ``--reseed`` restores the plan exactly.
        """
        await self.connection.execute("TRUNCATE webhook_events CASCADE")
        await self.connection.execute("TRUNCATE idempotency_records")


class SqliteSeed:
    """Seed a SQLite file with ``executemany`` in large transactions."""

    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path)

    def close(self) -> None:
        self.connection.close()

    def seeded_plan(self) -> dict[str, Any] | None:
        try:
            row = self.connection.execute("SELECT plan FROM bench_seed").fetchone()
        except sqlite3.OperationalError:
            return None
        return None if row is None else dict(json.loads(row[0]))

    def seed(self, plan: Plan) -> None:
        generator = Generator(plan)
        db = self.connection
        db.execute("DROP TABLE IF EXISTS bench_seed")
        db.execute("PRAGMA foreign_keys=OFF")
        for name in ["webhook_events", "idempotency_records", *SEEDED_TABLES, "stores"]:
            db.execute(f"DELETE FROM {name}")
        with _progress() as progress:
            for table in generator.tables():
                task = progress.add_task(table.name, total=table.count)
                columns, complete = _with_defaults(table)
                marks = ", ".join("?" * len(columns))
                statement = (
                    f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"
                )
                for batch in _batches(table.rows(), 20_000):
                    db.executemany(statement, [_sqlite(complete(r)) for r in batch])
                    progress.advance(task, len(batch))
        db.executemany(
            "UPDATE stores SET next_order_number = ? WHERE id = ?",
            [(number, store) for store, number in generator.store_counters()],
        )
        db.execute("CREATE TABLE bench_seed (plan text, orders integer)")
        db.execute(
            "INSERT INTO bench_seed VALUES (?, ?)",
            (json.dumps(asdict(plan)), generator.total_orders),
        )
        db.commit()
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("ANALYZE")

    def reset(self) -> None:
        """Empty the webhook log and idempotency records (see PostgresSeed)."""
        db = self.connection
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("DELETE FROM webhook_events")
        db.execute("DELETE FROM idempotency_records")
        db.commit()


def _sqlite(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Store values the way the models' column types do on SQLite."""
    return tuple(
        value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, datetime)
        else value
        for value in row
    )
