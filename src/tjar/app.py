"""The ASGI application: the store API under ``/api/core/v1``."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from limits.aio.strategies import MovingWindowRateLimiter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tjar import __version__
from tjar.api import errors
from tjar.api.deps import require_api_key
from tjar.api.forms import FormBodies
from tjar.api.middleware import BodyLimit, RequestContext, Tenancy
from tjar.api.ratelimit import RateLimiter, storage_for
from tjar.api.responses import JSON
from tjar.api.routes import (
    assets,
    customers,
    downloads,
    labels,
    media,
    orders,
    products,
    store,
    webhooks,
)
from tjar.api.routing import TjarRoute
from tjar.config import Environment, Settings, get_settings
from tjar.dashboard import developers, general, users
from tjar.dashboard import routes as dashboard
from tjar.dashboard.sessions import SessionCookies
from tjar.db.session import create_engine, create_sessionmaker
from tjar.domain.webhooks import TargetPolicy
from tjar.logs import configure_logging
from tjar.media.storage import LocalStorage, S3Storage, Storage
from tjar.webhooks.targets import system_resolver
from tjar.webhooks.vault import Vault
from tjar.webhooks.worker import build_worker

API_PREFIX = "/api/core/v1"
OPENAPI_URL = f"{API_PREFIX}/openapi.json"
DOCS_URL = f"{API_PREFIX}/docs"

DESCRIPTION = """
The Tjar store API. Every store has its own domain; send requests to
`https://{store-domain}/api/core/v1` with `Authorization: Bearer {API_KEY}`
(General Settings → Developers in the store dashboard).

Answers are JSON in the envelope `{"status", "message", "data"}`; errors are
`{"status": "error", "message", "code", "errors"}`. `message` follows
`Accept-Language` (`ar` or `en`); translatable content always carries both.
"""


def store_api() -> APIRouter:
    """Build the integration API; every route needs the store's API key."""
    router = APIRouter(
        prefix=API_PREFIX,
        route_class=TjarRoute,
        dependencies=[Depends(require_api_key)],
    )
    router.include_router(orders.router)
    router.include_router(products.router)
    router.include_router(labels.router)
    router.include_router(customers.router)
    router.include_router(store.router)
    router.include_router(media.router)
    router.include_router(webhooks.router)
    return router


def media_storage(settings: Settings) -> Storage:
    """Pick the media storage the settings name."""
    if settings.media_backend == "s3":
        if not settings.s3_bucket:
            raise ValueError("TJAR_S3_BUCKET is needed when TJAR_MEDIA_BACKEND=s3")
        return S3Storage(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            region=settings.s3_region,
        )
    return LocalStorage(settings.media_root)


@asynccontextmanager
async def in_process_worker(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[None]:
    """Run a webhook worker beside the API, unless the settings turn it off."""
    if not settings.worker_in_process:
        yield
        return
    worker = build_worker(settings, sessions)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield
    finally:
        stop.set()
        await task
        await worker.sender.aclose()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application; the engine connects lazily on first use."""
    settings = settings or get_settings()
    configure_logging(json=settings.json_logs, level=settings.log_level)
    pool = (
        {}
        if settings.database_url.startswith("sqlite")
        else {
            "pool_size": settings.db_pool_size,
            "max_overflow": settings.db_max_overflow,
        }
    )
    engine = create_engine(settings.database_url, **pool)
    sessions = create_sessionmaker(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with in_process_worker(settings, sessions):
            yield
        await engine.dispose()

    app = FastAPI(
        title="Tjar store API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=OPENAPI_URL,
        docs_url=DOCS_URL,
        redoc_url=None,
        default_response_class=JSON,
        redirect_slashes=False,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.rate_limiter = RateLimiter(
        per_minute=settings.rate_limit_per_minute,
        storage=storage_for(settings.redis_url),
    )

    app.state.storage = media_storage(settings)
    app.state.vault = Vault(settings.secret_key)
    app.state.target_policy = TargetPolicy(
        allow_private=settings.private_targets_allowed, resolver=system_resolver
    )

    errors.install(app)
    app.include_router(store_api())
    app.include_router(assets.router)
    app.include_router(downloads.router)
    app.include_router(dashboard.router)
    app.include_router(developers.router)
    app.include_router(general.router)
    app.include_router(users.router)
    app.state.dashboard_cookies = SessionCookies(
        settings.secret_key, secure=settings.env is Environment.PRODUCTION
    )
    app.state.sign_in_limiter = MovingWindowRateLimiter(storage_for(settings.redis_url))

    # Added innermost first: RequestContext ends up outermost.
    app.add_middleware(
        FormBodies, prefix=API_PREFIX, passthrough=(f"{API_PREFIX}/media",)
    )
    media = f"{API_PREFIX}/media"
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_json_bytes, exempt_prefixes=(media,)
    )
    # Uploads stream to temporary files; the request as a whole is still capped.
    upload_cap = settings.media_max_files * settings.media_max_file_bytes + 1024 * 1024
    app.add_middleware(BodyLimit, max_bytes=upload_cap, only_prefixes=(media,))
    app.add_middleware(
        Tenancy,
        sessions=sessions,
        platform_domain=settings.platform_domain,
        store_prefixes=("/api/", "/dashboard", "/assets/", "/downloads/"),
        public_paths=(OPENAPI_URL, DOCS_URL),
    )
    app.add_middleware(RequestContext)
    return app
