"""Dashboard pages: sign-in, sign-out and the home page.

Every page is on the store's own domain; the store comes from ``Host`` as
for the API, and a user is looked up only within that store, so a user of
one store cannot sign in on another's domain.
"""

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.templating import Jinja2Templates
from limits import parse
from limits.aio.strategies import MovingWindowRateLimiter
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
from tjar.domain.money import format_money
from tjar.domain.overview import store_overview
from tjar.domain.statuses import ORDER_STATUSES
from tjar.domain.users import authenticate_user
from tjar.i18n import LANGUAGES, _, negotiate, translate

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(prefix="/dashboard", include_in_schema=False)

# Per address and email, so one attacker cannot lock a user out from afar
# without also being throttled, and per email across addresses.
SIGN_IN_LIMIT = parse("5/15 minutes")
SIGN_IN_LIMIT_PER_EMAIL = parse("20/15 minutes")


def _cookies(request: Request) -> SessionCookies:
    cookies: SessionCookies = request.app.state.dashboard_cookies
    return cookies


def _language(request: Request, store: Store, user: StoreUser | None) -> str:
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if user is not None and user.language in LANGUAGES:
        return str(user.language)
    return negotiate(request.headers.get("accept-language"), store.default_language)


def _page(
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
            **context,
        },
        status_code=status_code,
    )
    _cookies(request).save(response, session)
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


async def _signed_in(
    request: Request, store: Store, session: DashboardSession
) -> StoreUser | None:
    if session.user_id is None:
        return None
    async with store_session(request.app.state.sessions, store.id) as db:
        return await db.get(StoreUser, session.user_id)


@router.get("/login")
async def login_page(request: Request) -> Response:
    store = get_store(request)
    session = _cookies(request).load(request)
    language = _language(request, store, None)
    return _page(
        request,
        "login.html",
        store=store,
        session=session,
        language=language,
        email="",
        error=None,
    )


@router.post("/login")
async def login(request: Request) -> Response:
    store = get_store(request)
    session = _cookies(request).load(request)
    language = _language(request, store, None)
    form = await request.form()
    email = str(form.get("email") or "").strip().lower()[:254]

    def refuse(message: str, status_code: int) -> Response:
        return _page(
            request,
            "login.html",
            store=store,
            session=session,
            language=language,
            email=email,
            error=translate(language, message),
            status_code=status_code,
        )

    if not csrf_matches(session, form.get(CSRF_FIELD)):
        return refuse(_("The form has expired. Try again."), 403)
    limiter: MovingWindowRateLimiter = request.app.state.sign_in_limiter
    address = request.client.host if request.client else "unknown"
    allowed = await limiter.hit(
        SIGN_IN_LIMIT, "sign-in", str(store.id), address, email
    ) and await limiter.hit(SIGN_IN_LIMIT_PER_EMAIL, "sign-in", str(store.id), email)
    if not allowed:
        return refuse(_("Too many attempts. Wait a few minutes and try again."), 429)

    async with store_session(request.app.state.sessions, store.id) as db:
        user = await authenticate_user(
            db, email=email, password=str(form.get("password") or "")
        )
    if user is None:
        return refuse(_("Wrong email or password."), 401)

    # A new session (and token) on every sign-in: nothing carries over.
    signed_in = DashboardSession(user_id=user.id)
    response = RedirectResponse("/dashboard", status_code=303)
    _cookies(request).save(response, signed_in)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    session = _cookies(request).load(request)
    form = await request.form()
    response = RedirectResponse("/dashboard/login", status_code=303)
    if csrf_matches(session, form.get(CSRF_FIELD)):
        _cookies(request).save(response, DashboardSession())
    return response


@router.get("")
async def home(request: Request) -> Response:
    store = get_store(request)
    session = _cookies(request).load(request)
    user = await _signed_in(request, store, session)
    if user is None:
        return RedirectResponse("/dashboard/login", status_code=303)
    language = await _remember_language(request, store, user)
    async with store_session(request.app.state.sessions, store.id) as db:
        overview = await store_overview(db, store)
    return _page(
        request,
        "home.html",
        store=store,
        session=session,
        language=language,
        user=user,
        overview=overview,
    )


async def _remember_language(request: Request, store: Store, user: StoreUser) -> str:
    """Keep a ``?lang=`` choice on the user, so every page follows it."""
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES and chosen != user.language:
        async with store_session(request.app.state.sessions, store.id) as db:
            await begin_write(db)
            found = await db.get(StoreUser, user.id)
            if found is not None:
                found.language = chosen
                await db.commit()
        user.language = chosen
    return _language(request, store, user)
