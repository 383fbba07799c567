"""``tjar``: run the platform and manage stores and keys from a shell.

Output is stable for scripts: ``tjar keys create`` prints the key alone on its
last line; ``tjar stores create`` prints the store's domain.
"""

import asyncio
import os
import secrets
import signal
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Annotated, TypeVar

import typer
import uvloop
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tjar.api.errors import MESSAGES
from tjar.config import Settings, get_settings
from tjar.db import migrate
from tjar.db.session import (
    bind_to_store,
    create_engine,
    create_sessionmaker,
    platform_session,
    store_session,
)
from tjar.domain.api_keys import create_api_key, revoke_api_key
from tjar.domain.demo import DEMO_OWNER, DEMO_SLUG, ensure_demo_store
from tjar.domain.numbers import NumberError, parse_decimal, parse_money
from tjar.domain.stores import (
    create_store,
    get_store_by_slug,
    list_stores,
    update_store_settings,
)
from tjar.domain.users import Role, create_user, set_password
from tjar.errors import TjarError, ValidationFailed
from tjar.i18n import _, translate
from tjar.logs import configure_logging
from tjar.webhooks.worker import build_worker

T = TypeVar("T")

app = typer.Typer(help="Tjar commerce platform.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
stores_app = typer.Typer(help="Stores.", no_args_is_help=True)
keys_app = typer.Typer(help="Store API keys.", no_args_is_help=True)
users_app = typer.Typer(help="Store users (dashboard sign-in).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(stores_app, name="stores")
app.add_typer(keys_app, name="keys")


def _run(
    work: Callable[[async_sessionmaker[AsyncSession], Settings], Awaitable[T]],
) -> T:
    """Run ``work`` with a session factory; turn domain errors into exit code 1."""
    settings = get_settings()

    async def main() -> T:
        engine = create_engine(settings.database_url)
        try:
            return await work(create_sessionmaker(engine), settings)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except TjarError as error:
        message = MESSAGES.get(error.code, error.code)
        typer.echo(f"error: {translate('en', message, **error.params)}", err=True)
        if details := getattr(error, "errors", None):
            for field, items in details.items():
                for text, params in items:
                    typer.echo(
                        f"  {field}: {translate('en', text, **params)}", err=True
                    )
        raise typer.Exit(1) from None


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Migrate the database to the newest schema (or to REVISION)."""
    settings = get_settings()
    migrate.ensure_sqlite_folder(settings)
    migrate.upgrade(settings.database_url, revision)
    typer.echo(f"database at {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION (``base`` empties it)."""
    settings = get_settings()
    migrate.downgrade(settings.database_url, revision)
    typer.echo(f"database at {revision}")


@stores_app.command("create")
def stores_create(
    slug: Annotated[
        str, typer.Option(help="Sub-domain name: letters, digits, hyphens.")
    ],
    name: Annotated[str, typer.Option(help="The store's display name.")],
    owner_email: Annotated[str, typer.Option(help="The owner's sign-in email.")],
    domain: Annotated[str | None, typer.Option(help="A custom domain as well.")] = None,
    owner_password: Annotated[
        str | None,
        typer.Option(help="Sets the owner's password (at least 8 characters)."),
    ] = None,
) -> None:
    """Create a store with its owner; print its domain."""

    async def work(
        sessions: async_sessionmaker[AsyncSession], settings: Settings
    ) -> str:
        async with platform_session(sessions) as session:
            store = await create_store(
                session,
                slug=slug,
                name=name,
                platform_domain=settings.platform_domain,
                custom_domain=domain,
                timezone=settings.default_timezone,
            )
            bind_to_store(session, store.id)
            await create_user(
                session, email=owner_email, role=Role.OWNER, password=owner_password
            )
            await session.commit()
            return f"{store.slug}.{settings.platform_domain}"

    typer.echo(_run(work))


@users_app.command("create")
def users_create(
    store: Annotated[str, typer.Option(help="The store's slug.")],
    email: Annotated[str, typer.Option(help="The user's sign-in email.")],
    role: Annotated[Role, typer.Option(help="owner, admin or staff.")],
    password: Annotated[
        str | None,
        typer.Option(help="Sets the password (at least 8 characters)."),
    ] = None,
) -> None:
    """Add a user to a store; print the user's email and role."""

    async def work(
        sessions: async_sessionmaker[AsyncSession], settings: Settings
    ) -> str:
        async with platform_session(sessions) as session:
            found = await get_store_by_slug(session, store)
            bind_to_store(session, found.id)
            user = await create_user(session, email=email, role=role, password=password)
            await session.commit()
            return f"{user.email}\t{user.role}"

    typer.echo(_run(work))


@users_app.command("set-password")
def users_set_password(
    store: Annotated[str, typer.Option(help="The store's slug.")],
    email: Annotated[str, typer.Option(help="The user's sign-in email.")],
    password: Annotated[str, typer.Option(help="At least 8 characters.")],
) -> None:
    """Give a store user a new password (for signing in to the dashboard)."""

    async def work(
        sessions: async_sessionmaker[AsyncSession], settings: Settings
    ) -> str:
        async with platform_session(sessions) as session:
            found = await get_store_by_slug(session, store)
            bind_to_store(session, found.id)
            await set_password(session, email=email, password=password)
            await session.commit()
            return f"password set for {email.strip().lower()}"

    typer.echo(_run(work))


@stores_app.command("update")
def stores_update(
    slug: Annotated[str, typer.Argument(help="The store's slug.")],
    prices_include_vat: Annotated[
        bool | None,
        typer.Option(
            "--prices-include-vat/--no-prices-include-vat", help="Price basis."
        ),
    ] = None,
    vat_rate: Annotated[str | None, typer.Option(help="e.g. 0.15")] = None,
    shipping_fee: Annotated[
        str | None, typer.Option(help="Amount in SAR; 'none' removes it.")
    ] = None,
    webhook_limit: Annotated[int | None, typer.Option(help="Webhooks allowed.")] = None,
) -> None:
    """Change a store's VAT basis and rate, shipping fee or webhook limit."""

    def amount(value: str, field: str) -> Decimal:
        try:
            return (
                parse_money(value) if field == "shipping_fee" else parse_decimal(value)
            )
        except NumberError:
            raise ValidationFailed.single(field, _("Enter a number.")) from None

    async def work(
        sessions: async_sessionmaker[AsyncSession], settings: Settings
    ) -> str:
        async with platform_session(sessions) as session:
            store = await get_store_by_slug(session, slug)
            bind_to_store(session, store.id)
            clear = shipping_fee is not None and shipping_fee.lower() == "none"
            await update_store_settings(
                session,
                store,
                prices_include_vat=prices_include_vat,
                vat_rate=amount(vat_rate, "vat_rate") if vat_rate else None,
                shipping_fee=(
                    amount(shipping_fee, "shipping_fee")
                    if shipping_fee and not clear
                    else None
                ),
                clear_shipping_fee=clear,
                webhook_limit=webhook_limit,
            )
            await session.commit()
            return (
                f"{store.slug}: prices_include_vat={store.prices_include_vat} "
                f"vat_rate={store.vat_rate} shipping_fee={store.shipping_fee} "
                f"webhook_limit={store.webhook_limit}"
            )

    typer.echo(_run(work))


@stores_app.command("list")
def stores_list() -> None:
    """List every store: id, slug, name and domains."""

    async def work(
        sessions: async_sessionmaker[AsyncSession], settings: Settings
    ) -> None:
        async with platform_session(sessions) as session:
            for store in await list_stores(session):
                domains = " ".join(domain.domain for domain in store.domains)
                typer.echo(f"{store.id}\t{store.slug}\t{store.name}\t{domains}")

    _run(work)


async def _issue_key(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, slug: str
) -> str:
    async with platform_session(sessions) as session:
        store = await get_store_by_slug(session, slug)
    async with store_session(sessions, store.id) as session:
        issued = await create_api_key(session, prefix=settings.api_key_prefix)
        await session.commit()
    return issued.secret


@keys_app.command("create")
def keys_create(store: Annotated[str, typer.Option(help="The store's slug.")]) -> None:
    """Issue the store's API key (revoking the old one); print it once."""
    secret = _run(lambda sessions, settings: _issue_key(sessions, settings, store))
    typer.echo("The key is shown once; store it somewhere safe.", err=True)
    typer.echo(secret)


@keys_app.command("revoke")
def keys_revoke(store: Annotated[str, typer.Option(help="The store's slug.")]) -> None:
    """Revoke the store's API key; it stops working on the next request."""

    async def work(
        sessions: async_sessionmaker[AsyncSession], settings: Settings
    ) -> bool:
        async with platform_session(sessions) as session:
            found = await get_store_by_slug(session, store)
        async with store_session(sessions, found.id) as session:
            revoked = await revoke_api_key(session)
            await session.commit()
        return revoked

    typer.echo("revoked" if _run(work) else "no active key")


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="The port the curl examples use.")] = 8000,
) -> None:
    """Create the demo store (once) and print a fresh key with curl examples."""

    async def work(
        sessions: async_sessionmaker[AsyncSession], settings: Settings
    ) -> tuple[bool, str]:
        result = await ensure_demo_store(
            sessions, platform_domain=settings.platform_domain
        )
        secret = await _issue_key(sessions, settings, DEMO_SLUG)
        async with store_session(sessions, result.store.id, write=True) as session:
            await set_password(session, email=DEMO_OWNER, password=password)
            await session.commit()
        return result.created, secret

    # Like the key, a fresh password each run: only its hash is kept.
    password = secrets.token_urlsafe(12)
    created, secret = _run(work)
    settings = get_settings()
    site = f"http://{DEMO_SLUG}.{settings.platform_domain}:{port}"
    base = f"{site}/api/core/v1"
    typer.echo(
        "Demo store " + ("created." if created else "already exists; data kept.")
    )
    typer.echo(f"Dashboard: {site}/dashboard")
    typer.echo(f"  sign in as {DEMO_OWNER} with the password {password}")
    typer.echo(f"Base URL: {base}")
    typer.echo("A new API key was issued (the previous one no longer works):")
    typer.echo(f"  {secret}")
    typer.echo("\nTry:")
    typer.echo(
        f"  curl -s '{base}/orders?per_page=5' -H 'Authorization: Bearer {secret}'"
    )
    typer.echo(
        f"  curl -s '{base}/orders?page=2&per_page=3'"
        f" -H 'Authorization: Bearer {secret}' -H 'Accept-Language: ar'"
    )
    typer.echo(f"  curl -s '{base}/orders' -H 'Authorization: Bearer wrong-key'")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    webhook_worker: Annotated[
        bool,
        typer.Option(
            help="Deliver webhooks from each server process (off when "
            "`tjar worker` runs apart)."
        ),
    ] = True,
) -> None:
    """Serve the store API with, by default, a webhook worker in each process."""
    import uvicorn

    if not webhook_worker:
        # Read by each server process as it builds the app.
        os.environ["TJAR_WORKER_IN_PROCESS"] = "false"
        get_settings.cache_clear()
    settings = get_settings()
    # Uvicorn's own lines go through the same structlog renderer.
    configure_logging(json=settings.json_logs, level=settings.log_level)
    uvicorn.run(
        "tjar.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        proxy_headers=True,
        server_header=False,
        log_config=None,
    )


@app.command("worker")
def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, max=1000, help="Requests in flight at once."),
    ] = None,
    once: Annotated[
        bool, typer.Option(help="Send what is due now, then stop.")
    ] = False,
) -> None:
    """Deliver webhooks. On PostgreSQL any number of workers share the queue."""
    settings = get_settings()
    configure_logging(json=settings.json_logs, level=settings.log_level)

    async def main() -> None:
        engine = create_engine(settings.database_url)
        delivery = build_worker(
            settings, create_sessionmaker(engine), concurrency=concurrency
        )
        try:
            if once:
                typer.echo(f"sent {await delivery.run_once()}")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signal_number in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signal_number, stop.set)
            await delivery.run(stop)
        finally:
            await delivery.sender.aclose()
            await engine.dispose()

    # The same event loop uvicorn runs the API on.
    uvloop.run(main())
