"""Uploading, replacing and deleting stored files.

Every file of a request is copied to a temporary file, typed from its bytes
and, if an image, verified, before anything is stored; then the files are
stored and their rows written. A failure at any step leaves no file and no
row behind.
"""

import hashlib
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import BinaryIO

import anyio
from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tjar.clock import utcnow
from tjar.db.models import Media, Product, ProductMedia
from tjar.domain.paging import Page, PageRequest, paginate, pick_sort, standard_sorts
from tjar.errors import Conflict, NotFound, TooLarge, UnsupportedType, ValidationFailed
from tjar.i18n import _
from tjar.media.images import BadImage, TooManyPixels, inspect_image
from tjar.media.names import clean_original_name, storage_name
from tjar.media.sniff import HEAD_BYTES, PRIVATE_TYPES, PUBLIC_TYPES, FileType, sniff
from tjar.media.storage import CHUNK, Storage

MEDIA_SORTS = standard_sorts(Media)


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    max_files: int
    max_pixels: int


@dataclass
class Upload:
    """One file as sent: its stream, the name it came with, where it was sent."""

    stream: BinaryIO
    filename: str | None
    field: str


@dataclass
class _Checked:
    upload: Upload
    path: Path
    kind: FileType
    size: int
    checksum: str
    width: int | None
    height: int | None


def _copy_and_measure(
    upload: Upload, folder: Path, limits: Limits
) -> tuple[Path, int, str]:
    """Copy an upload to disk in chunks, refusing it once past the size limit."""
    digest = hashlib.sha256()
    size = 0
    handle = tempfile.NamedTemporaryFile(dir=folder, delete=False)
    with handle:
        upload.stream.seek(0)
        while chunk := upload.stream.read(CHUNK):
            size += len(chunk)
            if size > limits.max_file_bytes:
                raise TooLarge(limit_mb=limits.max_file_bytes // (1024 * 1024))
            digest.update(chunk)
            handle.write(chunk)
    return Path(handle.name), size, digest.hexdigest()


def _check(
    upload: Upload, folder: Path, *, visibility: str, limits: Limits
) -> _Checked:
    path, size, checksum = _copy_and_measure(upload, folder, limits)
    with path.open("rb") as data:
        kind = sniff(data.read(HEAD_BYTES))
    allowed = PUBLIC_TYPES if visibility == "public" else PRIVATE_TYPES
    if kind is None or kind not in allowed:
        raise UnsupportedType(field=upload.field)
    width = height = None
    if kind.image:
        try:
            info = inspect_image(path, kind, max_pixels=limits.max_pixels)
        except TooManyPixels:
            raise ValidationFailed.single(
                upload.field,
                _("The image has more than {count} pixels."),
                count=limits.max_pixels,
            ) from None
        except BadImage:
            raise ValidationFailed.single(
                upload.field, _("The file is not a readable image.")
            ) from None
        width, height = info.width, info.height
        # Stripping location data may have rewritten the file.
        size = path.stat().st_size
        checksum = hashlib.sha256(path.read_bytes()).hexdigest()
    return _Checked(upload, path, kind, size, checksum, width, height)


def _alt(value: str | None, field: str) -> str | None:
    if value is not None and "\x00" in value:
        raise ValidationFailed.single(field, _("This value is not valid."))
    return value.strip() if value is not None else None


def _visibility(value: str) -> str:
    if value not in ("public", "private"):
        raise ValidationFailed.single("visibility", _("Choose public or private."))
    return value


async def upload_media(
    session: AsyncSession,
    storage: Storage,
    *,
    store_id: int,
    uploads: Sequence[Upload],
    visibility: str,
    alt_ar: str | None,
    alt_en: str | None,
    limits: Limits,
) -> list[Media]:
    """Check every upload, then store them all, or store nothing."""
    visibility = _visibility(visibility)
    alt_ar, alt_en = _alt(alt_ar, "alt_ar"), _alt(alt_en, "alt_en")
    if not uploads:
        raise ValidationFailed.single("file", _("This field is required."))
    if len(uploads) > limits.max_files:
        raise ValidationFailed.single(
            "files", _("Send at most {max_length} items."), max_length=limits.max_files
        )

    stored: list[str] = []
    with tempfile.TemporaryDirectory(prefix="tjar-upload-") as folder:
        # Copying, hashing and decoding are CPU and disk work: off the event loop.
        checked = [
            await anyio.to_thread.run_sync(
                partial(_check, u, Path(folder), visibility=visibility, limits=limits)
            )
            for u in uploads
        ]
        try:
            records = []
            for item in checked:
                name = storage_name(item.kind.extension)
                await storage.save(store_id, name, item.path)
                stored.append(name)
                records.append(
                    Media(
                        visibility=visibility,
                        path=name,
                        mime_type=item.kind.mime,
                        size=item.size,
                        width=item.width,
                        height=item.height,
                        checksum=item.checksum,
                        alt_ar=(alt_ar or "").strip(),
                        alt_en=(alt_en or "").strip(),
                        original_filename=clean_original_name(item.upload.filename),
                    )
                )
            session.add_all(records)
            await session.flush()
        except BaseException:
            for name in stored:
                await storage.delete(store_id, name)
            raise
    return records


async def replace_media(
    session: AsyncSession,
    storage: Storage,
    *,
    store_id: int,
    media_id: int,
    upload: Upload | None,
    alt_ar: str | None,
    alt_en: str | None,
    limits: Limits,
) -> tuple[Media, str | None]:
    """Swap a file's bytes and/or its alt text; return the old name to delete.

    The new bytes go under a new name and the row points at it in the same
    transaction, so readers see the old file or the new one, never half.
    """
    media = await get_media(session, media_id)
    alt_ar, alt_en = _alt(alt_ar, "alt_ar"), _alt(alt_en, "alt_en")
    old_name = None
    if upload is not None:
        with tempfile.TemporaryDirectory(prefix="tjar-upload-") as folder:
            item = await anyio.to_thread.run_sync(
                partial(
                    _check,
                    upload,
                    Path(folder),
                    visibility=media.visibility,
                    limits=limits,
                )
            )
            name = storage_name(item.kind.extension)
            await storage.save(store_id, name, item.path)
        old_name = media.path
        media.path, media.mime_type, media.size = name, item.kind.mime, item.size
        media.width, media.height, media.checksum = (
            item.width,
            item.height,
            item.checksum,
        )
        media.original_filename = clean_original_name(upload.filename)
    if alt_ar is not None:
        media.alt_ar = alt_ar.strip()
    if alt_en is not None:
        media.alt_en = alt_en.strip()
    media.updated_at = utcnow()
    await session.flush()
    return media, old_name


async def get_media(session: AsyncSession, media_id: int) -> Media:
    media = await session.get(Media, media_id)
    if media is None:
        raise NotFound("media_not_found")
    return media


async def list_media(session: AsyncSession, *, page: PageRequest) -> Page[Media]:
    return await paginate(
        session, select(Media), sort=pick_sort(MEDIA_SORTS, "-created_at"), request=page
    )


async def delete_media(session: AsyncSession, *, media_id: int) -> str:
    """Delete a file's row (``409`` while a live product uses it); return its name."""
    media = await get_media(session, media_id)
    in_use = await session.scalar(
        select(Product.id)
        .outerjoin(ProductMedia, ProductMedia.product_id == Product.id)
        .where(
            Product.deleted_at.is_(None),
            or_(Product.image_id == media.id, ProductMedia.media_id == media.id),
        )
        .limit(1)
    )
    if in_use is not None:
        raise Conflict("media_in_use")
    # Rows of deleted products may still name it; they keep their history.
    await session.execute(delete(ProductMedia).where(ProductMedia.media_id == media.id))
    await session.delete(media)
    await session.flush()
    return media.path
