"""The store's own settings, as integrators need them to read amounts."""

from fastapi import Request
from starlette.responses import Response

from tjar.api.deps import ReadContext, StoreSession
from tjar.api.responses import success
from tjar.api.routing import resource_router
from tjar.api.schemas import ERRORS, Envelope, StoreRead
from tjar.i18n import _
from tjar.representation.common import money
from tjar.representation.common import timestamp as _ts

router = resource_router(tags=["Store"])


@router.get("/store", responses=ERRORS, response_model=Envelope[StoreRead])
async def get_store_route(
    request: Request, session: StoreSession, ctx: ReadContext
) -> Response:
    """Get the store's name, domain, language, time zone and money settings."""
    store = ctx.store
    host = (request.headers.get("host") or "").rsplit(":", 1)[0]
    data = {
        "id": store.id,
        "name": store.name,
        "domain": host,
        "default_language": store.default_language,
        "timezone": store.timezone,
        "prices_include_vat": store.prices_include_vat,
        "vat_rate": float(store.vat_rate),
        "shipping_fee": money(ctx, store.shipping_fee),
        "webhook_limit": store.webhook_limit,
        "created_at": _ts(ctx, store.created_at),
    }
    return success(request, _("Store retrieved successfully."), data)
