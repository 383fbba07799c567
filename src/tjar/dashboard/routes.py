"""Dashboard pages: sign-in, sign-out and the home page.

Every page is on the store's own domain; the store comes from ``Host`` as
for the API, and a user is looked up only within that store, so a user of
one store cannot sign in on another's domain.
"""

from fastapi import APIRouter, Request
from limits import parse
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.responses import RedirectResponse, Response

from tjar.api.deps import get_store
from tjar.clock import utcnow
from tjar.dashboard.pages import (
    cookies,
    language_of,
    page,
    remember_language,
    signed_in,
    visit,
)
from tjar.dashboard.sessions import CSRF_FIELD, DashboardSession, csrf_matches
from tjar.db.models import StoreUser
from tjar.db.session import begin_write, store_session
from tjar.domain.overview import store_overview
from tjar.domain.users import authenticate_user
from tjar.i18n import LANGUAGES, _, translate

router = APIRouter(prefix="/dashboard", include_in_schema=False)

# Sign-in attempts per address and email (a success clears it), and per
# address for any email.
SIGN_IN_LIMIT = parse("5/15 minutes")
SIGN_IN_LIMIT_PER_ADDRESS = parse("30/15 minutes")


@router.get("/login")
async def login_page(request: Request) -> Response:
    store = get_store(request)
    session = cookies(request).load(request)
    language = language_of(request, store, None)
    return page(
        request,
        "login.html",
        store=store,
        session=session,
        language=language,
        email="",
        error=None,
        chosen_language=_chosen(request),
    )


@router.post("/login")
async def login(request: Request) -> Response:
    store = get_store(request)
    session = cookies(request).load(request)
    language = language_of(request, store, None)
    form = await request.form()
    email = str(form.get("email") or "").strip().lower()[:254]

    def refuse(message: str, status_code: int) -> Response:
        return page(
            request,
            "login.html",
            store=store,
            session=session,
            language=language,
            email=email,
            error=translate(language, message),
            status_code=status_code,
            chosen_language=_chosen(request),
        )

    if not csrf_matches(session, form.get(CSRF_FIELD)):
        return refuse(_("The form has expired. Try again."), 403)
    limiter: MovingWindowRateLimiter = request.app.state.sign_in_limiter
    address = request.client.host if request.client else "unknown"
    # Every attempt is counted before it is checked, so parallel guesses
    # cannot slip past; a success clears its address and email.
    keys = (
        (SIGN_IN_LIMIT, ("sign-in", str(store.id), address, email)),
        (SIGN_IN_LIMIT_PER_ADDRESS, ("sign-in", str(store.id), address)),
    )
    for limit, identity in keys:
        if not await limiter.hit(limit, *identity):
            return refuse(
                _("Too many attempts. Wait a few minutes and try again."), 429
            )

    async with store_session(request.app.state.sessions, store.id) as db:
        user = await authenticate_user(
            db, email=email, password=str(form.get("password") or "")
        )
    if user is None:
        return refuse(_("Wrong email or password."), 401)
    await limiter.clear(SIGN_IN_LIMIT, *keys[0][1])
    await remember_language(request, store, user)

    # A new session (and token) on every sign-in: nothing carries over.
    response = RedirectResponse("/dashboard", status_code=303)
    cookies(request).save(response, DashboardSession(user_id=user.id))
    return response


def _chosen(request: Request) -> str | None:
    chosen = request.query_params.get("lang")
    return chosen if chosen in LANGUAGES else None


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Sign out: every session of this user made until now stops working."""
    store = get_store(request)
    session = cookies(request).load(request)
    form = await request.form()
    response = RedirectResponse("/dashboard/login", status_code=303)
    if not csrf_matches(session, form.get(CSRF_FIELD)):
        return response
    user = await signed_in(request, store, session)
    if user is not None:
        async with store_session(request.app.state.sessions, store.id) as db:
            await begin_write(db)
            found = await db.get(StoreUser, user.id)
            if found is not None:
                found.signed_out_at = utcnow()
                await db.commit()
    cookies(request).save(response, DashboardSession())
    return response


@router.get("")
async def home(request: Request) -> Response:
    current = await visit(request)
    if isinstance(current, Response):
        return current
    async with store_session(request.app.state.sessions, current.store.id) as db:
        overview = await store_overview(db, current.store)
    return current.render("home.html", overview=overview)
