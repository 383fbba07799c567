"""Webhooks: register endpoints, read their delivery log, test and replay."""

from typing import Annotated, Any

from fastapi import Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from tjar.api.deps import ReadContext, StoreSession
from tjar.api.inputs.webhooks import VerifyIn, WebhookIn
from tjar.api.responses import listing, success
from tjar.api.routes.common import Identifier, Paging
from tjar.api.routing import Idempotent, resource_router
from tjar.api.schemas import (
    ERRORS,
    DeliveryList,
    DeliveryRead,
    Envelope,
    EventTypeList,
    VerifyResult,
    WebhookList,
    WebhookRead,
    WebhookWithSecret,
)
from tjar.db.models import WebhookDelivery
from tjar.domain.webhooks import (
    attempts_of,
    create_webhook,
    delete_webhook,
    event_ids_of,
    get_webhook,
    last_deliveries,
    list_deliveries,
    list_webhooks,
    redeliver,
    refresh_webhook_secret,
    send_test_event,
    update_webhook,
    verify_signature,
    webhook_usage,
)
from tjar.i18n import _
from tjar.representation.common import Context
from tjar.representation.webhooks import delivery_data, event_list, webhook_data

router = resource_router(prefix="/webhooks", tags=["Webhooks"])


@router.get("", responses=ERRORS, response_model=Envelope[WebhookList])
async def list_webhooks_route(
    request: Request, session: StoreSession, ctx: ReadContext
) -> Response:
    """List the store's webhooks, with how many it has of how many it may have."""
    webhooks = await list_webhooks(session)
    last = await last_deliveries(session, [webhook.id for webhook in webhooks])
    used, limit = await webhook_usage(session)
    count = len(webhooks)
    data = {
        "webhooks": [webhook_data(ctx, w, last.get(w.id)) for w in webhooks],
        "usage": {"used": used, "limit": limit},
        "pagination": {
            "current_page": 1,
            "per_page": max(count, 1),
            "total": count,
            "last_page": 1,
            "next_cursor": None,
        },
    }
    return success(request, _("Webhooks retrieved successfully."), data)


@router.post(
    "",
    status_code=201,
    responses=ERRORS,
    response_model=Envelope[WebhookWithSecret],
    dependencies=[Idempotent],
)
async def create_webhook_route(
    request: Request, session: StoreSession, ctx: ReadContext, body: WebhookIn
) -> Response:
    """Register an endpoint. The answer shows its signing secret, once.

    A store may have as many webhooks as its limit (2 unless the platform
    changed it); past it the answer is `422` with `webhook_limit_reached`.
    """
    webhook, secret = await create_webhook(
        session,
        data=body.to_input(),
        vault=request.app.state.vault,
        policy=request.app.state.target_policy,
    )
    data = {**webhook_data(ctx, webhook), "secret": secret}
    return success(request, _("Webhook created successfully."), data, status_code=201)


@router.get("/events", responses=ERRORS, response_model=Envelope[EventTypeList])
async def list_events_route(request: Request, session: StoreSession) -> Response:
    """List every event a webhook can subscribe to, described in both languages."""
    return success(
        request, _("Webhook events retrieved successfully."), {"events": event_list()}
    )


@router.post(
    "/verify-signature", responses=ERRORS, response_model=Envelope[VerifyResult]
)
async def verify_signature_route(
    request: Request, session: StoreSession, body: VerifyIn
) -> Response:
    """Check a received delivery (raw body and headers) against a webhook's secret.

    Answers `valid`, and when it is false a `reason`: `bad_signature`,
    `timestamp_out_of_tolerance` (more than 5 minutes off), `unknown_webhook`
    or `missing_header`.
    """
    reason = await verify_signature(
        session, request=body.to_request(), vault=request.app.state.vault
    )
    message = (
        _("The signature is valid.")
        if reason is None
        else _("The signature is not valid.")
    )
    return success(request, message, {"valid": reason is None, "reason": reason})


@router.get("/{identifier}", responses=ERRORS, response_model=Envelope[WebhookRead])
async def get_webhook_route(
    request: Request, session: StoreSession, ctx: ReadContext, identifier: Identifier
) -> Response:
    """Get one webhook with its health and last delivery."""
    webhook = await get_webhook(session, identifier)
    last = await last_deliveries(session, [webhook.id])
    return success(
        request,
        _("Webhook retrieved successfully."),
        webhook_data(ctx, webhook, last.get(webhook.id)),
    )


@router.put("/{identifier}", responses=ERRORS, response_model=Envelope[WebhookRead])
async def update_webhook_route(
    request: Request,
    session: StoreSession,
    ctx: ReadContext,
    identifier: Identifier,
    body: WebhookIn,
) -> Response:
    """Change the fields sent; the rest stay. `is_active: true` re-enables it."""
    webhook = await update_webhook(
        session,
        webhook_id=identifier,
        data=body.to_input(),
        policy=request.app.state.target_policy,
    )
    last = await last_deliveries(session, [webhook.id])
    return success(
        request,
        _("Webhook updated successfully."),
        webhook_data(ctx, webhook, last.get(webhook.id)),
    )


@router.delete("/{identifier}", responses=ERRORS, response_model=Envelope[None])
async def delete_webhook_route(
    request: Request, session: StoreSession, identifier: Identifier
) -> Response:
    """Delete a webhook with its delivery log; its slot of the limit is free again."""
    await delete_webhook(session, webhook_id=identifier)
    return success(request, _("Webhook deleted successfully."), None)


@router.post(
    "/{identifier}/refresh-secret",
    responses=ERRORS,
    response_model=Envelope[WebhookWithSecret],
    dependencies=[Idempotent],
)
async def refresh_secret_route(
    request: Request, session: StoreSession, ctx: ReadContext, identifier: Identifier
) -> Response:
    """Make a new secret, shown once; the old one also signs for 24 hours."""
    webhook, secret = await refresh_webhook_secret(
        session, webhook_id=identifier, vault=request.app.state.vault
    )
    last = await last_deliveries(session, [webhook.id])
    data = {**webhook_data(ctx, webhook, last.get(webhook.id)), "secret": secret}
    return success(request, _("Webhook secret refreshed successfully."), data)


@router.get(
    "/{identifier}/deliveries", responses=ERRORS, response_model=Envelope[DeliveryList]
)
async def list_deliveries_route(
    request: Request,
    session: StoreSession,
    ctx: ReadContext,
    identifier: Identifier,
    paging: Paging,
    status: Annotated[
        str | None, Query(max_length=16, description="pending, succeeded or failed.")
    ] = None,
    event: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """List a webhook's deliveries, newest first, each with all its attempts."""
    page = await list_deliveries(
        session, webhook_id=identifier, page=paging, status=status, event=event
    )
    items = await _deliveries(session, ctx, list(page.items))
    return listing(
        request,
        _("Deliveries retrieved successfully."),
        key="deliveries",
        page=page,
        items=items,
    )


@router.post(
    "/{identifier}/deliveries/{delivery}/redeliver",
    status_code=202,
    responses=ERRORS,
    response_model=Envelope[DeliveryRead],
    dependencies=[Idempotent],
)
async def redeliver_route(
    request: Request,
    session: StoreSession,
    ctx: ReadContext,
    identifier: Identifier,
    delivery: Identifier,
) -> Response:
    """Send a delivery's event again, with the same `webhook-id`, as a new delivery."""
    queued = await redeliver(session, webhook_id=identifier, delivery_id=delivery)
    [data] = await _deliveries(session, ctx, [queued])
    return success(request, _("Delivery queued."), data, status_code=202)


@router.post(
    "/{identifier}/test",
    status_code=202,
    responses=ERRORS,
    response_model=Envelope[DeliveryRead],
    dependencies=[Idempotent],
)
async def test_webhook_route(
    request: Request, session: StoreSession, ctx: ReadContext, identifier: Identifier
) -> Response:
    """Send a `webhook.test` event to this webhook now, whatever it subscribes to."""
    queued = await send_test_event(session, webhook_id=identifier)
    [data] = await _deliveries(session, ctx, [queued])
    return success(request, _("Test event queued."), data, status_code=202)


async def _deliveries(
    session: AsyncSession, ctx: Context, deliveries: list[WebhookDelivery]
) -> list[dict[str, Any]]:
    attempts = await attempts_of(session, [delivery.id for delivery in deliveries])
    events = await event_ids_of(session, deliveries)
    return [
        delivery_data(
            ctx,
            delivery,
            event_id=events[delivery.event_id],
            attempts=attempts[delivery.id],
        )
        for delivery in deliveries
    ]
