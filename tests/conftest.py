"""Fixtures: every database test runs on SQLite and, when reachable, PostgreSQL.

PostgreSQL is used when ``TJAR_TEST_POSTGRES_URL`` is set (then it must
answer) or when a server answers on 127.0.0.1:5432. Each run works in a
database of its own, created and dropped here.
"""

import asyncio
import os
import secrets
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import StoreWithKey, make_store
from tjar.app import create_app
from tjar.config import Environment, Settings
from tjar.db import migrate
from tjar.db.base import Base
from tjar.db.session import create_engine, create_sessionmaker, platform_session

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def postgres_base_url() -> str | None:
    configured = os.environ.get("TJAR_TEST_POSTGRES_URL")
    if configured:
        return configured
    return DEFAULT_POSTGRES if _port_open("127.0.0.1", 5432) else None


def _asyncpg_dsn(url: str) -> str:
    return (
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated, empty database for the whole run, on each engine."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "tjar.db"
        url = f"sqlite+aiosqlite:///{path}"
        migrate.upgrade(url)
        yield url
        return

    base = postgres_base_url()
    if base is None:
        pytest.skip("no PostgreSQL server answers on 127.0.0.1:5432")
    name = f"tjar_test_{os.getpid()}_{secrets.token_hex(3)}"
    asyncio.run(_admin(base, f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(autouse=True)
def _postgres_only(request: pytest.FixtureRequest) -> None:
    """Skip tests marked ``postgres_only`` on the SQLite run."""
    if request.node.get_closest_marker("postgres_only") is None:
        return
    url = request.getfixturevalue("database_url")
    if not url.startswith("postgresql"):
        pytest.skip("runs on PostgreSQL, where writes are truly parallel")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        env=Environment.TEST,
        database_url=database_url,
        platform_domain="localhost",
        secret_key="test-secret",
        rate_limit_per_minute=1000,
        log_json=True,
        log_level="WARNING",
        media_root=tmp_path / "media",
        worker_in_process=False,
    )


@pytest.fixture
async def sessions(
    settings: Settings,
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A session factory on the test database; every table is emptied after."""
    engine = create_engine(settings.database_url)
    factory = create_sessionmaker(engine)
    yield factory
    async with platform_session(factory) as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(delete(table))
        await session.commit()
    await engine.dispose()


@pytest.fixture
async def app(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    yield application
    await application.state.engine.dispose()


def client_for(application: FastAPI, host: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=application)
    return httpx.AsyncClient(transport=transport, base_url=f"http://{host}")


@pytest.fixture
async def alpha(sessions: async_sessionmaker[AsyncSession]) -> StoreWithKey:
    return await make_store(sessions, "alpha")


@pytest.fixture
async def beta(sessions: async_sessionmaker[AsyncSession]) -> StoreWithKey:
    return await make_store(sessions, "beta")


@pytest.fixture
async def client(app: FastAPI, alpha: StoreWithKey) -> AsyncIterator[httpx.AsyncClient]:
    """A client on alpha's domain that sends alpha's key."""
    async with client_for(app, alpha.domain) as http:
        http.headers["Authorization"] = f"Bearer {alpha.key}"
        yield http


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


# Webhook fixtures (a loopback receiver, test DNS, a worker, a test clock).
from tests.webhooks.fixtures import clock, receiver, resolver, worker  # noqa: E402, F401
