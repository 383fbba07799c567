"""Buyers' downloads of private files, through signed, expiring links."""

from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response, StreamingResponse

from tjar.api.deps import StoreSession, get_store
from tjar.domain.downloads import PATH, use_link
from tjar.media.storage import Storage

router = APIRouter(include_in_schema=False)


@router.get(PATH + "/{token}")
async def download(request: Request, session: StoreSession, token: str) -> Response:
    """Stream the file a valid link names, counting the download."""
    store = get_store(request)
    media = await use_link(session, token, secret=request.app.state.settings.secret_key)
    await session.commit()
    storage: Storage = request.app.state.storage
    name = quote(media.original_filename or media.path)
    return StreamingResponse(
        storage.read(store.id, media.path),
        media_type=media.mime_type,
        headers={
            "Content-Length": str(media.size),
            "Content-Disposition": f"attachment; filename*=UTF-8''{name}",
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
