"""The benchmark's database: created, migrated, seeded once, reset every run."""

import asyncio
import os
from dataclasses import asdict
from pathlib import Path

import asyncpg
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bench.seed import BIG_SLUG, Plan, PostgresSeed, SqliteSeed
from tjar.db import migrate
from tjar.db.models import Store, Webhook
from tjar.db.session import (
    bind_to_store,
    create_engine,
    create_sessionmaker,
    platform_session,
)
from tjar.domain.webhooks import TargetPolicy, WebhookInput, create_webhook
from tjar.webhooks.vault import Vault

SECRET = "bench-secret-key"
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/tjar_bench"


def bench_url() -> str:
    """Return the PostgreSQL URL the benchmarks use (``TJAR_BENCH_DATABASE_URL``)."""
    return os.environ.get("TJAR_BENCH_DATABASE_URL") or DEFAULT_URL


def beside(url: str, database: str) -> str:
    """Return ``url`` naming another database on the same server."""
    return make_url(url).set(database=database).render_as_string(False)


# Orders the big store creates notify this webhook, so POST /orders writes an
# event and a delivery as it would for a store with an integration. The API
# runs without its in-process worker, so nothing is ever sent to it.
ORDER_HOOK = "http://127.0.0.1:9/orders"


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(False)


async def ensure_postgres_database(url: str) -> str:
    """Create ``url``'s database when missing; return the server's version."""
    target = make_url(url)
    admin = asyncpg_dsn(target.set(database="postgres").render_as_string(False))
    connection = await asyncpg.connect(admin)
    try:
        exists = await connection.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", target.database
        )
        if not exists:
            await connection.execute(f'CREATE DATABASE "{target.database}"')
        version = str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()
    return version.split()[0]


async def prepare(url: str, plan: Plan, *, reseed: bool = False) -> None:
    """Bring ``url`` to the newest schema holding ``plan``'s data, fresh for a run."""
    if url.startswith("sqlite"):
        path = make_url(url).database
        assert path, "a SQLite benchmark needs a file"
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # Alembic runs its own event loop.
    await asyncio.to_thread(migrate.upgrade, url)
    if url.startswith("sqlite"):
        assert path
        sqlite = SqliteSeed(path)
        try:
            if reseed or sqlite.seeded_plan() != asdict(plan):
                sqlite.seed(plan)
            else:
                print("reusing the seeded data", flush=True)
            sqlite.reset()
        finally:
            sqlite.close()
    else:
        connection = await asyncpg.connect(asyncpg_dsn(url))
        try:
            postgres = PostgresSeed(connection)
            if reseed or await postgres.seeded_plan() != asdict(plan):
                await postgres.seed(plan)
            else:
                print("reusing the seeded data", flush=True)
            await postgres.reset()
        finally:
            await connection.close()
    await _ensure_order_hook(url)


async def no_dns(host: str, port: int) -> list[str]:
    raise OSError(host)


async def _ensure_order_hook(url: str) -> None:
    engine = create_engine(url)
    try:
        sessions = create_sessionmaker(engine)
        async with platform_session(sessions) as session:
            store_id = await session.scalar(
                select(Store.id).where(Store.slug == BIG_SLUG)
            )
            assert store_id is not None
            bind_to_store(session, store_id)
            if await session.scalar(
                select(Webhook.id).where(Webhook.store_id == store_id)
            ):
                return
            await create_webhook(
                session,
                data=WebhookInput(
                    name="Orders", url=ORDER_HOOK, events=["order.created"]
                ),
                vault=Vault(SECRET),
                policy=TargetPolicy(allow_private=True, resolver=no_dns),
            )
            await session.commit()
    finally:
        await engine.dispose()
