"""Routes that exist only in tests, to drive the request layer's write paths
(JSON bodies, idempotency, unexpected errors) before real write endpoints."""

from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from starlette.responses import Response

from tjar.api.deps import StoreSession, require_api_key
from tjar.api.responses import success
from tjar.api.routing import Idempotent, TjarRoute
from tjar.app import API_PREFIX
from tjar.db.models import Customer
from tjar.errors import ValidationFailed

PROBE = f"{API_PREFIX}/probe"


class ProbeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=50)
    quantity: int = Field(ge=1)


def install_probe_routes(app: FastAPI) -> None:
    router = APIRouter(
        prefix=PROBE, route_class=TjarRoute, dependencies=[Depends(require_api_key)]
    )

    @router.post("/customers", status_code=201, dependencies=[Idempotent])
    async def create(
        request: Request, body: ProbeIn, session: StoreSession
    ) -> Response:
        customer = Customer(name=f"{body.name} x{body.quantity}")
        session.add(customer)
        await session.flush()
        total = await session.scalar(select(func.count(Customer.id)))
        return success(
            request,
            "Created.",
            {"id": customer.id, "name": customer.name, "total": total},
            status_code=201,
        )

    @router.post("/refuse-after-write", dependencies=[Idempotent])
    async def refuse_after_write(body: ProbeIn, session: StoreSession) -> Response:
        session.add(Customer(name=body.name))
        await session.flush()
        raise ValidationFailed.single("name", "This value is not valid.")

    @router.post("/fail", dependencies=[Idempotent])
    async def fail(body: ProbeIn) -> Response:
        raise RuntimeError("database password is hunter2")

    app.include_router(router)
