"""Media: upload, replace, list, read and delete stored files."""

from typing import Annotated, Literal

from fastapi import File, Form, Request, UploadFile
from starlette.responses import Response

from tjar.api.deps import ReadContext, StoreSession
from tjar.api.responses import listing, success
from tjar.api.routes.common import Identifier, Paging
from tjar.api.routing import Idempotent, resource_router
from tjar.api.schemas import ERRORS, Envelope, MediaList, MediaRead, MediaUploaded
from tjar.domain.media import (
    Limits,
    Upload,
    delete_media,
    get_media,
    list_media,
    replace_media,
    upload_media,
)
from tjar.i18n import _
from tjar.media.storage import Storage
from tjar.representation.media import media_data

router = resource_router(prefix="/media", tags=["Media"])
AltText = Annotated[str | None, Form(max_length=500)]
Visibility = Annotated[Literal["public", "private"], Form()]


def _storage(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


def _limits(request: Request) -> Limits:
    settings = request.app.state.settings
    return Limits(
        max_file_bytes=settings.media_max_file_bytes,
        max_files=settings.media_max_files,
        max_pixels=settings.media_max_pixels,
    )


def _upload(file: UploadFile, field: str) -> Upload:
    return Upload(stream=file.file, filename=file.filename, field=field)


@router.post(
    "",
    status_code=201,
    responses=ERRORS,
    response_model=Envelope[MediaRead],
    dependencies=[Idempotent],
)
async def upload_media_route(
    request: Request,
    session: StoreSession,
    ctx: ReadContext,
    file: Annotated[UploadFile, File()],
    alt: AltText = None,
    alt_ar: AltText = None,
    alt_en: AltText = None,
    visibility: Visibility = "public",
) -> Response:
    """Upload one file. Its type is read from its bytes, not its name."""
    records = await upload_media(
        session,
        _storage(request),
        store_id=ctx.store.id,
        uploads=[_upload(file, "file")],
        visibility=visibility,
        alt_ar=alt_ar or alt,
        alt_en=alt_en or alt,
        limits=_limits(request),
    )
    return success(
        request,
        _("File uploaded successfully."),
        media_data(ctx, records[0]),
        status_code=201,
    )


@router.post(
    "/multiple",
    status_code=201,
    responses=ERRORS,
    response_model=Envelope[MediaUploaded],
    dependencies=[Idempotent],
)
async def upload_many_route(
    request: Request,
    session: StoreSession,
    ctx: ReadContext,
    files: Annotated[list[UploadFile], File(alias="files[]")],
    visibility: Visibility = "public",
) -> Response:
    """Upload several files; if one is refused, none is stored."""
    uploads = [_upload(file, f"files.{index}") for index, file in enumerate(files)]
    records = await upload_media(
        session,
        _storage(request),
        store_id=ctx.store.id,
        uploads=uploads,
        visibility=visibility,
        alt_ar=None,
        alt_en=None,
        limits=_limits(request),
    )
    data = {"media": [media_data(ctx, record) for record in records]}
    return success(request, _("Files uploaded successfully."), data, status_code=201)


async def _replace(
    request: Request,
    session: StoreSession,
    ctx: ReadContext,
    identifier: int,
    file: UploadFile | None,
    alt: str | None,
    alt_ar: str | None,
    alt_en: str | None,
) -> Response:
    media, old = await replace_media(
        session,
        _storage(request),
        store_id=ctx.store.id,
        media_id=identifier,
        upload=_upload(file, "file") if file is not None else None,
        alt_ar=alt_ar if alt_ar is not None else alt,
        alt_en=alt_en if alt_en is not None else alt,
        limits=_limits(request),
    )
    await session.commit()
    if old is not None:
        await _storage(request).delete(ctx.store.id, old)
    return success(request, _("File updated successfully."), media_data(ctx, media))


@router.post("/{identifier}", responses=ERRORS, response_model=Envelope[MediaRead])
@router.put("/{identifier}", responses=ERRORS, response_model=Envelope[MediaRead])
@router.patch("/{identifier}", responses=ERRORS, response_model=Envelope[MediaRead])
async def update_media_route(
    request: Request,
    session: StoreSession,
    ctx: ReadContext,
    identifier: Identifier,
    file: Annotated[UploadFile | None, File()] = None,
    alt: AltText = None,
    alt_ar: AltText = None,
    alt_en: AltText = None,
) -> Response:
    """Replace the file and/or its alt text."""
    return await _replace(request, session, ctx, identifier, file, alt, alt_ar, alt_en)


@router.get("", responses=ERRORS, response_model=Envelope[MediaList])
async def list_media_route(
    request: Request, session: StoreSession, ctx: ReadContext, paging: Paging
) -> Response:
    """List the store's files, newest first."""
    page = await list_media(session, page=paging)
    items = [media_data(ctx, media) for media in page.items]
    return listing(
        request, _("Files retrieved successfully."), key="media", page=page, items=items
    )


@router.get("/{identifier}", responses=ERRORS, response_model=Envelope[MediaRead])
async def get_media_route(
    request: Request, session: StoreSession, ctx: ReadContext, identifier: Identifier
) -> Response:
    """Get one file's details."""
    media = await get_media(session, identifier)
    return success(request, _("File retrieved successfully."), media_data(ctx, media))


@router.delete("/{identifier}", responses=ERRORS, response_model=Envelope[None])
async def delete_media_route(
    request: Request, session: StoreSession, ctx: ReadContext, identifier: Identifier
) -> Response:
    """Delete a file; refused (`409`) while a product uses it."""
    name = await delete_media(session, media_id=identifier)
    await session.commit()
    await _storage(request).delete(ctx.store.id, name)
    return success(request, _("File deleted successfully."), None)
