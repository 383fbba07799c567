"""What every dashboard page shares: templates, the session, the language."""

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import RedirectResponse, Response

from tjar.api.deps import get_store
from tjar.dashboard.sessions import (
    CSRF_FIELD,
    DashboardSession,
    SessionCookies,
    csrf_matches,
)
from tjar.db.models import Store, StoreUser
from tjar.db.session import begin_write, store_session
from tjar.domain.dates import in_zone
from tjar.domain.money import format_money
from tjar.domain.statuses import ORDER_STATUSES
from tjar.domain.users import Role
from tjar.i18n import LANGUAGES, _, negotiate, translate

STATES = {"active": _("Active"), "failing": _("Failing"), "disabled": _("Disabled")}

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def cookies(request: Request) -> SessionCookies:
    cookies: SessionCookies = request.app.state.dashboard_cookies
    return cookies


def language_of(request: Request, store: Store, user: StoreUser | None) -> str:
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if user is not None and user.language in LANGUAGES:
        return str(user.language)
    return negotiate(request.headers.get("accept-language"), store.default_language)


def page(
    request: Request,
    name: str,
    *,
    store: Store,
    session: DashboardSession,
    language: str,
    user: StoreUser | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    def gettext(message: str, **params: object) -> str:
        return translate(language, message, **params)

    response = templates.TemplateResponse(
        request,
        name,
        {
            "store": store,
            "user": user,
            "language": language,
            "csrf": session.csrf,
            "_": gettext,
            "money": _money(language),
            "status_label": _status_label(language),
            "state_label": lambda state: translate(language, STATES[state]),
            "when": lambda instant: in_zone(instant, ZoneInfo(store.timezone))[
                :16
            ].replace("T", " "),
            **context,
        },
        status_code=status_code,
    )
    # Pages may show a key or a secret once: never keep them in a cache.
    response.headers["Cache-Control"] = "no-store"
    cookies(request).save(response, session)
    return response


def _money(language: str) -> Callable[[Decimal], str]:
    return lambda amount: format_money(amount, language)


def _status_label(language: str) -> Callable[[str], str]:
    def label(value: str) -> str:
        status = ORDER_STATUSES.get(value)
        if status is None:
            return value
        return status.label_ar if language == "ar" else status.label_en

    return label


async def signed_in(
    request: Request, store: Store, session: DashboardSession
) -> StoreUser | None:
    """Return the session's user, unless they signed out after it was made."""
    if session.user_id is None:
        return None
    async with store_session(request.app.state.sessions, store.id) as db:
        user = await db.get(StoreUser, session.user_id)
    if user is None or user.signed_out_at is None:
        return user
    signed = session.issued_at
    if signed is None or signed <= user.signed_out_at.timestamp():
        return None
    return user


MAX_ID = 2**31 - 1


def record_id(value: str) -> int | None:
    """Read an id from a URL: plain digits in the database's range, else None."""
    if not (value.isascii() and value.isdigit()) or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def not_found(current: "Visit") -> Response:
    return current.render("denied.html", status_code=404, missing=True)


class Visit:
    """A signed-in request: its store, session, user and language."""

    def __init__(
        self, request: Request, store: Store, session: DashboardSession, user: StoreUser
    ) -> None:
        self.request = request
        self.store = store
        self.session = session
        self.user = user
        self.language = language_of(request, store, user)

    def render(self, name: str, *, status_code: int = 200, **context: Any) -> Response:
        return page(
            self.request,
            name,
            store=self.store,
            session=self.session,
            language=self.language,
            user=self.user,
            status_code=status_code,
            **context,
        )

    def t(self, message: str, **params: object) -> str:
        return translate(self.language, message, **params)


async def visit(
    request: Request, *, roles: tuple[Role, ...] = tuple(Role)
) -> Visit | Response:
    """Return the signed-in visit, or the answer for one that may not be here.

    Not signed in: to the sign-in page. A role not in ``roles``: ``403``. A
    POST whose form token does not match the session's: ``403``.
    """
    store = get_store(request)
    session = cookies(request).load(request)
    user = await signed_in(request, store, session)
    if user is None:
        return RedirectResponse("/dashboard/login", status_code=303)
    await remember_language(request, store, user)
    current = Visit(request, store, session, user)
    if user.role not in {role.value for role in roles}:
        return current.render("denied.html", status_code=403)
    if request.method == "POST":
        form = await request.form()
        if not csrf_matches(session, form.get(CSRF_FIELD)):
            return current.render("denied.html", status_code=403, expired=True)
    return current


async def remember_language(request: Request, store: Store, user: StoreUser) -> None:
    """Keep a ``?lang=`` choice on the user, so every page follows it."""
    chosen = request.query_params.get("lang")
    if chosen not in LANGUAGES or chosen == user.language:
        return
    async with store_session(request.app.state.sessions, store.id) as db:
        await begin_write(db)
        found = await db.get(StoreUser, user.id)
        if found is not None:
            found.language = chosen
            await db.commit()
    user.language = chosen
