"""A stored file as integrators read it (contract §8)."""

from typing import Any

from tjar.db.models import Media
from tjar.representation.common import Context, bilingual, timestamp

PUBLIC_PATH = "/assets/tenant/uploads/media-uploader"


def media_url(ctx: Context, media: Media) -> str | None:
    """Public files have a URL on the store's domain; private ones have none."""
    if media.visibility != "public":
        return None
    return f"{ctx.base_url}{PUBLIC_PATH}/{media.store_id}/{media.path}"


def media_data(ctx: Context, media: Media) -> dict[str, Any]:
    return {
        "id": media.id,
        "identifier": media.id,
        "url": media_url(ctx, media),
        "visibility": media.visibility,
        "mime_type": media.mime_type,
        "size": media.size,
        "width": media.width,
        "height": media.height,
        "alt": bilingual(media.alt_ar, media.alt_en),
        "original_filename": media.original_filename,
        "created_at": timestamp(ctx, media.created_at),
    }
