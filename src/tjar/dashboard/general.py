"""General Settings: the store's name, language, time zone, VAT and shipping.

The same settings ``tjar stores update`` changes, through the same domain
function. Owners and admins only.
"""

from collections.abc import Callable
from decimal import Decimal

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from tjar.dashboard.developers import MANAGERS, error_messages
from tjar.dashboard.pages import Visit, visit
from tjar.db.models import Store
from tjar.db.session import store_session
from tjar.domain.numbers import NumberError, parse_decimal, parse_money
from tjar.domain.stores import update_store_settings
from tjar.errors import ValidationFailed
from tjar.i18n import _

router = APIRouter(prefix="/dashboard/settings/general", include_in_schema=False)


@router.get("")
async def general_page(request: Request) -> Response:
    current = await visit(request, roles=MANAGERS)
    if isinstance(current, Response):
        return current
    return _render(
        current, current.store, saved=request.query_params.get("saved") == "1"
    )


@router.post("")
async def save_general(request: Request) -> Response:
    current = await visit(request, roles=MANAGERS)
    if isinstance(current, Response):
        return current
    form = await request.form()
    sessions = request.app.state.sessions
    async with store_session(sessions, current.store.id, write=True) as session:
        store = await session.get(Store, current.store.id)
        assert store is not None
        try:
            changes = _settings(form)
            await update_store_settings(session, store, **changes)  # type: ignore[arg-type]
        except ValidationFailed as error:
            await session.rollback()
            return _render(
                current,
                current.store,
                errors=error_messages(current, error),
                status_code=422,
            )
        await session.commit()
    return RedirectResponse("/dashboard/settings/general?saved=1", status_code=303)


def _settings(form: FormData) -> dict[str, object]:
    def text(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    def number(name: str, parse: Callable[[str], Decimal]) -> Decimal:
        try:
            return parse(text(name))
        except NumberError:
            raise ValidationFailed.single(name, _("Enter a number.")) from None

    fee = text("shipping_fee")
    return {
        "name": text("name"),
        "default_language": text("default_language"),
        "timezone": text("timezone"),
        "prices_include_vat": form.get("prices_include_vat") == "on",
        "vat_rate": number("vat_rate", parse_decimal),
        "shipping_fee": number("shipping_fee", parse_money) if fee else None,
        "clear_shipping_fee": not fee,
    }


def _render(
    current: Visit, store: Store, *, status_code: int = 200, **extra: object
) -> Response:
    return current.render(
        "general.html", status_code=status_code, settings=store, **extra
    )
