"""Store users: the owner adds owners, admins and staff who sign in here."""

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from tjar.dashboard.developers import error_messages
from tjar.dashboard.pages import Visit, visit
from tjar.db.session import store_session
from tjar.domain.users import Role, create_user, list_users
from tjar.errors import TjarError, ValidationFailed
from tjar.i18n import _

router = APIRouter(prefix="/dashboard/settings/users", include_in_schema=False)
ROLES = {
    Role.OWNER.value: _("Owner"),
    Role.ADMIN.value: _("Admin"),
    Role.STAFF.value: _("Staff"),
}


@router.get("")
async def users_page(request: Request) -> Response:
    current = await visit(request, roles=(Role.OWNER,))
    if isinstance(current, Response):
        return current
    return await _render(current, added=request.query_params.get("added") == "1")


@router.post("")
async def add_user(request: Request) -> Response:
    current = await visit(request, roles=(Role.OWNER,))
    if isinstance(current, Response):
        return current
    form = await request.form()
    role = form.get("role")
    email = str(form.get("email") or "")
    password = str(form.get("password") or "")
    try:
        if not password:
            raise ValidationFailed.single("password", _("This field is required."))
        if role not in ROLES:
            raise ValidationFailed.single(
                "role", _("Choose one of: {expected}."), expected=", ".join(ROLES)
            )
        async with store_session(
            request.app.state.sessions, current.store.id, write=True
        ) as session:
            await create_user(session, email=email, role=Role(role), password=password)
            await session.commit()
    except TjarError as error:
        return await _render(
            current, errors=error_messages(current, error), email=email, status_code=422
        )
    return RedirectResponse("/dashboard/settings/users?added=1", status_code=303)


async def _render(
    current: Visit, *, status_code: int = 200, **extra: object
) -> Response:
    sessions = current.request.app.state.sessions
    async with store_session(sessions, current.store.id) as session:
        users = await list_users(session)
    return current.render(
        "users.html", status_code=status_code, users=users, roles=ROLES, **extra
    )
