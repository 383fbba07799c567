"""Brands, categories and tags: list and create."""

from typing import Any

from fastapi import Request
from starlette.responses import Response

from tjar.api.deps import StoreSession
from tjar.api.inputs.labels import CategoryIn, LabelIn
from tjar.api.responses import listing, success
from tjar.api.routes.common import Paging
from tjar.api.routing import Idempotent, resource_router
from tjar.api.schemas import (
    ERRORS,
    BrandList,
    CategoryList,
    CategoryRead,
    Envelope,
    LabelRead,
    TagList,
)
from tjar.db.models import Brand, Category, Tag
from tjar.domain.labels import create_brand, create_category, create_tag, list_labels
from tjar.i18n import _
from tjar.representation.products import label_data

router = resource_router(tags=["Brands, categories and tags"])
LISTED = _("Records retrieved successfully.")
CREATED = _("Record created successfully.")


async def _list(
    request: Request, session: Any, model: Any, key: str, paging: Any
) -> Response:
    page = await list_labels(session, model, page=paging)
    items = [label_data(label) for label in page.items]
    return listing(request, LISTED, key=key, page=page, items=items)


@router.get("/brands", responses=ERRORS, response_model=Envelope[BrandList])
async def list_brands_route(
    request: Request, session: StoreSession, paging: Paging
) -> Response:
    """List the store's brands."""
    return await _list(request, session, Brand, "brands", paging)


@router.post(
    "/brands",
    status_code=201,
    responses=ERRORS,
    response_model=Envelope[LabelRead],
    dependencies=[Idempotent],
)
async def create_brand_route(
    request: Request, session: StoreSession, body: LabelIn
) -> Response:
    """Create a brand with a name in one or both languages."""
    name_ar, name_en = body.names()
    brand = await create_brand(session, name_ar=name_ar, name_en=name_en)
    return success(request, CREATED, label_data(brand), status_code=201)


@router.get("/categories", responses=ERRORS, response_model=Envelope[CategoryList])
async def list_categories_route(
    request: Request, session: StoreSession, paging: Paging
) -> Response:
    """List the store's categories; sub-categories name their `parent_id`."""
    return await _list(request, session, Category, "categories", paging)


@router.post(
    "/categories",
    status_code=201,
    responses=ERRORS,
    response_model=Envelope[CategoryRead],
    dependencies=[Idempotent],
)
async def create_category_route(
    request: Request, session: StoreSession, body: CategoryIn
) -> Response:
    """Create a category, or a sub-category with `parent_id`."""
    name_ar, name_en = body.names()
    category = await create_category(
        session, name_ar=name_ar, name_en=name_en, parent_id=body.parent_id
    )
    return success(request, CREATED, label_data(category), status_code=201)


@router.get("/tags", responses=ERRORS, response_model=Envelope[TagList])
async def list_tags_route(
    request: Request, session: StoreSession, paging: Paging
) -> Response:
    """List the store's tags."""
    return await _list(request, session, Tag, "tags", paging)


@router.post(
    "/tags",
    status_code=201,
    responses=ERRORS,
    response_model=Envelope[LabelRead],
    dependencies=[Idempotent],
)
async def create_tag_route(
    request: Request, session: StoreSession, body: LabelIn
) -> Response:
    """Create a tag; a tag of the same name is returned instead of a twin."""
    name_ar, name_en = body.names()
    tag = await create_tag(session, name_ar=name_ar, name_en=name_en)
    return success(request, CREATED, label_data(tag), status_code=201)
