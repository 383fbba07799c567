"""Alembic environment: runs migrations over the platform's async engine."""

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from tjar.db import models  # noqa: F401 - registers every table
from tjar.db.base import Base
from tjar.db.session import create_engine
from tjar.db.types import AwareDateTime, FixedDecimal

config = context.config


def _render_item(
    kind: str, obj: Any, autogen_context: AutogenContext
) -> str | Literal[False]:
    """Write the platform's column types as their plain storage types.

    Migrations must not import application code that may change later.
    """
    if kind == "type" and isinstance(obj, FixedDecimal):
        return "sa.BigInteger()"
    if kind == "type" and isinstance(obj, AwareDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(config.attributes["database_url"])
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; connect to a database")

asyncio.run(_run_async())
