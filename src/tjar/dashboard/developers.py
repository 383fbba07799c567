"""General Settings → Developers: the API key, webhooks and their delivery log.

Every action calls the same domain functions as the API, so a key made here
works on the API at once and a webhook added through the API shows here.
Owners and admins only; staff get ``403``.
"""

from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from tjar.api.errors import error_message, translated_fields
from tjar.dashboard.pages import Visit, not_found, record_id, visit
from tjar.db.models import Webhook
from tjar.db.session import store_session
from tjar.domain.api_keys import create_api_key, get_active_key, revoke_api_key
from tjar.domain.dates import in_zone
from tjar.domain.paging import PageRequest
from tjar.domain.users import Role
from tjar.domain.webhooks import (
    WebhookInput,
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
    state_of,
    update_webhook,
    webhook_usage,
)
from tjar.errors import NotFound, TjarError, ValidationFailed
from tjar.i18n import _, translate
from tjar.webhooks.events import EVENT_TYPES
from tjar.webhooks.notices import REASONS

router = APIRouter(prefix="/dashboard/settings/developers", include_in_schema=False)
MANAGERS = (Role.OWNER, Role.ADMIN)
KEY_ACTIONS = ("generate", "regenerate", "revoke")
PAGE = "/dashboard/settings/developers"


@router.get("")
async def developers_page(request: Request) -> Response:
    current = await visit(request, roles=MANAGERS)
    if isinstance(current, Response):
        return current
    return await _render(current)


@router.post("/key")
async def key_action(request: Request) -> Response:
    current = await visit(request, roles=MANAGERS)
    if isinstance(current, Response):
        return current
    form = await request.form()
    action = form.get("action")
    sessions = request.app.state.sessions
    async with store_session(sessions, current.store.id) as session:
        has_key = await get_active_key(session) is not None
    # Anything that ends the current key asks first.
    if has_key and action in KEY_ACTIONS and form.get("confirm") != "yes":
        return await _render(current, key_error=True, status_code=422)

    settings = request.app.state.settings
    new_key = None
    async with _writer(current) as session:
        if action == "revoke":
            await revoke_api_key(session)
        elif action in ("generate", "regenerate"):
            new_key = (
                await create_api_key(session, prefix=settings.api_key_prefix)
            ).secret
        await session.commit()
    return await _render(current, new_key=new_key)


@router.post("/webhooks")
async def add_webhook(request: Request) -> Response:
    current = await visit(request, roles=MANAGERS)
    if isinstance(current, Response):
        return current
    form = await request.form()
    data = _webhook_input(form)
    try:
        async with _writer(current) as session:
            webhook, secret = await create_webhook(
                session,
                data=data,
                vault=request.app.state.vault,
                policy=request.app.state.target_policy,
            )
            await session.commit()
    except TjarError as error:
        return await _render(
            current,
            form_errors=error_messages(current, error),
            status_code=422,
            draft=data,
        )
    return await _render(current, new_secret=(webhook.name, secret))


@router.get("/webhooks/{webhook_id}")
async def webhook_page(request: Request, webhook_id: str) -> Response:
    visited = await _webhook_visit(request, webhook_id)
    if isinstance(visited, Response):
        return visited
    return await _render_webhook(*visited)


@router.post("/webhooks/{webhook_id}")
async def edit_webhook(request: Request, webhook_id: str) -> Response:
    async def act(session: AsyncSession, current: Visit, found: int) -> None:
        form = await current.request.form()
        await update_webhook(
            session,
            webhook_id=found,
            data=_webhook_input(form),
            policy=current.request.app.state.target_policy,
        )

    return await _act_on_webhook(request, webhook_id, act)


@router.post("/webhooks/{webhook_id}/delete")
async def remove_webhook(request: Request, webhook_id: str) -> Response:
    async def act(session: AsyncSession, current: Visit, found: int) -> None:
        form = await current.request.form()
        if form.get("confirm") != "yes":
            raise ValidationFailed.single("confirm", _("Tick the box to confirm."))
        await delete_webhook(session, webhook_id=found)

    return await _act_on_webhook(request, webhook_id, act, done=PAGE)


@router.post("/webhooks/{webhook_id}/refresh-secret")
async def refresh_secret(request: Request, webhook_id: str) -> Response:
    visited = await _webhook_visit(request, webhook_id)
    if isinstance(visited, Response):
        return visited
    current, found = visited
    try:
        async with _writer(current) as session:
            webhook, secret = await refresh_webhook_secret(
                session, webhook_id=found, vault=request.app.state.vault
            )
            await session.commit()
    except NotFound:
        return not_found(current)
    return await _render(current, new_secret=(webhook.name, secret))


@router.post("/webhooks/{webhook_id}/test")
async def test_webhook(request: Request, webhook_id: str) -> Response:
    async def act(session: AsyncSession, current: Visit, found: int) -> None:
        await send_test_event(session, webhook_id=found)

    return await _act_on_webhook(request, webhook_id, act)


@router.post("/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver")
async def redeliver_one(
    request: Request, webhook_id: str, delivery_id: str
) -> Response:
    async def act(session: AsyncSession, current: Visit, found: int) -> None:
        delivery = record_id(delivery_id)
        if delivery is None:
            raise NotFound("delivery_not_found")
        await redeliver(session, webhook_id=found, delivery_id=delivery)

    return await _act_on_webhook(request, webhook_id, act)


Action = Callable[[AsyncSession, Visit, int], Awaitable[None]]


async def _webhook_visit(request: Request, raw_id: str) -> tuple[Visit, int] | Response:
    """Return the manager's visit and the webhook id in the URL, or the answer."""
    current = await visit(request, roles=MANAGERS)
    if isinstance(current, Response):
        return current
    found = record_id(raw_id)
    if found is None:
        return not_found(current)
    return current, found


async def _act_on_webhook(
    request: Request, webhook_id: str, act: Action, *, done: str | None = None
) -> Response:
    """Run one webhook action in a transaction, then go back to its page.

    A missing webhook or delivery (or a malformed id) is the 404 page; a
    refused action shows the webhook's page again with why, and changes
    nothing.
    """
    visited = await _webhook_visit(request, webhook_id)
    if isinstance(visited, Response):
        return visited
    current, found = visited
    try:
        async with _writer(current) as session:
            await act(session, current, found)
            await session.commit()
    except NotFound:
        return not_found(current)
    except TjarError as error:
        return await _render_webhook(
            current,
            found,
            form_errors=error_messages(current, error),
            status_code=422 if isinstance(error, ValidationFailed) else 409,
        )
    return RedirectResponse(done or f"{PAGE}/webhooks/{found}", status_code=303)


def _writer(current: Visit) -> Any:
    return store_session(
        current.request.app.state.sessions, current.store.id, write=True
    )


def _webhook_input(form: FormData) -> WebhookInput:
    """Read the add or edit form; the events are its ticked boxes (none: refused)."""

    def text(name: str) -> str | None:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else None

    return WebhookInput(
        name=text("name"),
        url=text("url"),
        events=[str(value) for value in form.getlist("events")],
        # The add form has no switch: a new webhook starts on.
        is_active=form.get("is_active") == "on" if "is_active_shown" in form else True,
    )


def error_messages(current: Visit, error: TjarError) -> list[str]:
    """Word a domain error for the page: each field's messages, else the error's."""
    if isinstance(error, ValidationFailed) and error.errors:
        fields = translated_fields(current.language, error.errors)
        return [message for messages in fields.values() for message in messages]
    return [error_message(current.language, error)]


async def _render(current: Visit, *, status_code: int = 200, **extra: Any) -> Response:
    sessions = current.request.app.state.sessions
    async with store_session(sessions, current.store.id) as session:
        key = await get_active_key(session)
        webhooks = await list_webhooks(session)
        last = await last_deliveries(session, [w.id for w in webhooks])
        used, limit = await webhook_usage(session)
    host = current.request.headers.get("host", "")
    base_url = f"{current.request.url.scheme}://{host}/api/core/v1"
    return current.render(
        "developers.html",
        status_code=status_code,
        key=key,
        webhooks=webhooks,
        last=last,
        used=used,
        limit=limit,
        problems=[p for p in (_problem(current, w) for w in webhooks) if p],
        state_of=state_of,
        events=list(EVENT_TYPES.values()),
        base_url=base_url,
        **extra,
    )


def _problem(current: Visit, webhook: Webhook) -> str | None:
    """Say what is wrong with a webhook, in the visitor's language."""
    params = {"url": webhook.url, "name": webhook.name}
    if webhook.disabled_reason in REASONS:
        return translate(current.language, REASONS[webhook.disabled_reason], **params)
    if webhook.is_active and webhook.failing_since is not None:
        since = in_zone(webhook.failing_since, ZoneInfo(current.store.timezone))
        since = since[:16].replace("T", " ")
        return translate(current.language, REASONS["failing"], since=since, **params)
    return None


async def _render_webhook(
    current: Visit, webhook_id: int, *, status_code: int = 200, **extra: Any
) -> Response:
    sessions = current.request.app.state.sessions
    async with store_session(sessions, current.store.id) as session:
        try:
            webhook = await get_webhook(session, webhook_id)
        except NotFound:
            return not_found(current)
        page = await list_deliveries(
            session, webhook_id=webhook.id, page=PageRequest(per_page=50)
        )
        deliveries = list(page.items)
        attempts = await attempts_of(session, [d.id for d in deliveries])
        event_ids = await event_ids_of(session, deliveries)
    return current.render(
        "webhook.html",
        status_code=status_code,
        webhook=webhook,
        deliveries=deliveries,
        attempts=attempts,
        event_ids=event_ids,
        problem=_problem(current, webhook),
        state_of=state_of,
        events=list(EVENT_TYPES.values()),
        **extra,
    )
