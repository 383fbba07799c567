"""Public files, served on the store's own domain."""

import re

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response, StreamingResponse

from tjar.api.deps import StoreSession, get_store
from tjar.db.models import Media
from tjar.errors import NotFound
from tjar.media.storage import Storage
from tjar.representation.media import PUBLIC_PATH

router = APIRouter(include_in_schema=False)
_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z]{3,4}$")
# Stored names change whenever a file is replaced, so a name's bytes never do.
CACHE = "public, max-age=31536000, immutable"


@router.get(PUBLIC_PATH + "/{store_id}/{name}")
async def serve_public_file(
    request: Request, session: StoreSession, store_id: str, name: str
) -> Response:
    """Serve a public file of the store this domain belongs to."""
    store = get_store(request)
    # One URL per file: the store's own id, written plainly, and a stored name.
    if store_id != str(store.id) or not _NAME.match(name):
        raise NotFound("media_not_found")
    media = await session.scalar(
        select(Media).where(Media.path == name, Media.visibility == "public")
    )
    if media is None:
        raise NotFound("media_not_found")

    etag = f'"{media.checksum}"'
    headers = {
        "ETag": etag,
        "Cache-Control": CACHE,
        "X-Content-Type-Options": "nosniff",
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    storage: Storage = request.app.state.storage
    if not await storage.exists(store.id, media.path):
        raise NotFound("media_not_found")
    headers["Content-Length"] = str(media.size)
    return StreamingResponse(
        storage.read(store.id, media.path), media_type=media.mime_type, headers=headers
    )
