import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from tjar.db import migrate
from tjar.db.base import Base
from tjar.db.session import create_engine


def _inspect(url: str, work):  # type: ignore[no-untyped-def]
    async def run():  # type: ignore[no-untyped-def]
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(work)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def _drift(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def test_upgrade_downgrade_and_upgrade_again(database_url: str) -> None:
    # The session fixture already migrated to head.
    assert _inspect(database_url, _tables) == set(Base.metadata.tables)

    migrate.downgrade(database_url, "base")
    assert _inspect(database_url, _tables) == set()

    migrate.upgrade(database_url)
    assert _inspect(database_url, _tables) == set(Base.metadata.tables)


def test_migrations_match_the_models(database_url: str) -> None:
    assert _inspect(database_url, _drift) == []


def test_every_tenant_index_starts_with_store_id() -> None:
    # Looked up before a store is known, or scanned by workers across stores.
    platform_wide = {
        ("store_domains", "domain"),
        ("webhook_deliveries", "next_attempt_at"),
        ("webhook_deliveries", "completed_at"),
        ("store_notices", "id"),
    }
    for table in Base.metadata.tables.values():
        if "store_id" not in table.c:
            continue
        for index in table.indexes:
            first = index.columns[0].name
            assert first == "store_id" or (table.name, first) in platform_wide, (
                index.name
            )
        for constraint in table.constraints:
            columns = [column.name for column in getattr(constraint, "columns", [])]
            if columns and constraint.__class__.__name__ == "UniqueConstraint":
                assert (
                    columns[0] == "store_id"
                    or (table.name, columns[0]) in platform_wide
                )
