"""Engines and sessions. Every session is bound to one store or to the platform.

A store-bound session adds ``store_id = :store`` to every ORM query on a
tenant-owned table (loads, counts, updates, deletes, relationship loads) and
stamps new rows with its store, so a handler cannot forget the filter. Only
platform code (resolving a host, the CLI) opens a platform session.
"""

from functools import lru_cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from tjar.db.base import TenantOwned

STORE_KEY = "store_id"
PLATFORM_KEY = "platform"


class TenancyViolation(RuntimeError):
    """A query or a write that would cross a store boundary."""


class TjarSession(Session):
    """The sync session class behind every ``AsyncSession`` of the platform."""


@event.listens_for(TjarSession, "do_orm_execute")
def _scope_to_store(state: ORMExecuteState) -> None:
    info = state.session.info
    if info.get(PLATFORM_KEY):
        return
    store_id = info.get(STORE_KEY)
    if store_id is None:
        raise TenancyViolation("session is bound to neither a store nor the platform")
    if state.is_column_load or state.is_relationship_load:
        # Criteria added to the top-level statement already cover these.
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantOwned,
            lambda cls: cls.store_id == store_id,
            include_aliases=True,
        )
    )


@event.listens_for(TjarSession, "before_flush")
def _stamp_store(session: Session, flush_context: Any, instances: Any) -> None:
    if session.info.get(PLATFORM_KEY):
        return
    store_id = session.info.get(STORE_KEY)
    for obj in [*session.new, *session.dirty]:
        if not isinstance(obj, TenantOwned):
            continue
        if store_id is None:
            raise TenancyViolation("write outside a store-bound session")
        if obj.store_id is None:
            obj.store_id = store_id
        elif obj.store_id != store_id:
            raise TenancyViolation("row belongs to another store")


WRITE_OPTION = "tjar_write"


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # The driver's own BEGIN is switched off; _sqlite_begin sends ours.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine for ``url`` with the platform's connection setup."""
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        sync_engine: Engine = engine.sync_engine
        event.listen(sync_engine, "connect", _sqlite_pragmas)
        event.listen(sync_engine, "begin", _sqlite_begin)
    return engine


def _sqlite_begin(connection: Any) -> None:
    """Begin SQLite transactions that will write as ``IMMEDIATE``.

    A deferred transaction that reads and then writes cannot take the write
    lock once another writer has committed (SQLite answers "locked" at once);
    taking it up front makes concurrent writers queue instead, which is how
    SQLite serialises stock and uniqueness checks.
    """
    immediate = connection.get_execution_options().get(WRITE_OPTION)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


async def begin_write(session: AsyncSession) -> None:
    """Start ``session``'s transaction as a writer (a no-op on PostgreSQL)."""
    await session.connection(execution_options={WRITE_OPTION: True})


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        engine, expire_on_commit=False, sync_session_class=TjarSession
    )


def store_session(
    factory: async_sessionmaker[AsyncSession], store_id: int, *, write: bool = False
) -> AsyncSession:
    """Open a session that sees and writes only ``store_id``'s rows.

    With ``write``, its transaction begins as a writer when it first touches
    the database (see ``_sqlite_begin``), not before.
    """
    if write:
        engine: AsyncEngine = factory.kw["bind"]
        session = factory(bind=engine.execution_options(**{WRITE_OPTION: True}))
    else:
        session = factory()
    session.info[STORE_KEY] = store_id
    return session


@lru_cache(maxsize=8)
def _autocommit(engine: AsyncEngine) -> AsyncEngine:
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def lookup_session(
    factory: async_sessionmaker[AsyncSession], store_id: int | None
) -> AsyncSession:
    """Open a session for one read: a store's, or the platform's with ``None``.

    On PostgreSQL it runs outside a transaction, which saves the ``BEGIN``
    and ``ROLLBACK`` round trips around a single statement; never write
    through it, as each statement would commit on its own.
    """
    engine: AsyncEngine = factory.kw["bind"]
    bind = _autocommit(engine) if engine.dialect.name == "postgresql" else engine
    session = factory(bind=bind)
    if store_id is None:
        session.info[PLATFORM_KEY] = True
    else:
        session.info[STORE_KEY] = store_id
    return session


def platform_session(factory: async_sessionmaker[AsyncSession]) -> AsyncSession:
    """Open a session that sees every store (host lookup, CLI, workers)."""
    session = factory()
    session.info[PLATFORM_KEY] = True
    return session


def bind_to_store(session: AsyncSession, store_id: int) -> None:
    """Narrow a platform session to one store, inside the same transaction.

    Used where a store is created and filled in one go, so a failure leaves
    neither the store nor half its data.
    """
    session.info.pop(PLATFORM_KEY, None)
    session.info[STORE_KEY] = store_id
