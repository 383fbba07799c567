"""Download links for the private files of paid digital order lines.

A link's token is its row id signed with the platform's secret (HMAC-SHA256),
so nothing secret is stored and a forged or altered token never reaches the
database. The row holds the expiry and how many downloads are left; each
download is counted with a guarded UPDATE, so the limit holds under
concurrency.
"""

import base64
import hashlib
import hmac
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tjar.clock import utcnow
from tjar.db.models import DownloadLink, Media, OrderLine, Product, ProductMedia
from tjar.errors import NotFound

DEFAULT_EXPIRY = timedelta(hours=72)
PATH = "/downloads"


def sign(link_id: int, secret: str) -> str:
    """Return the token for link ``link_id``."""
    body = str(link_id).encode()
    mac = hmac.new(secret.encode(), b"download:" + body, hashlib.sha256).digest()[:16]
    return f"{link_id}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def verify(token: str, secret: str) -> int | None:
    """Return the link id a token names, or None if it was not made by us."""
    head, _, _ = token.partition(".")
    if not head.isascii() or not head.isdigit() or len(head) > 10:
        return None
    return int(head) if hmac.compare_digest(sign(int(head), secret), token) else None


async def issue_links(
    session: AsyncSession, line: OrderLine, product: Product, *, secret: str
) -> list[dict[str, object]]:
    """Make a link for each private file of ``product``; describe them for the line."""
    files = list(
        await session.scalars(
            select(ProductMedia)
            .where(ProductMedia.product_id == product.id, ProductMedia.role == "file")
            .order_by(ProductMedia.position)
        )
    )
    hours = product.download_expiry_hours
    expires = utcnow() + (timedelta(hours=hours) if hours else DEFAULT_EXPIRY)
    described: list[dict[str, object]] = []
    for item in files:
        link = DownloadLink(
            order_line_id=line.id,
            media_id=item.media_id,
            expires_at=expires,
            downloads_left=product.download_limit,
        )
        session.add(link)
        await session.flush()
        media = await session.get_one(Media, item.media_id)
        described.append(
            {
                "file": media.original_filename,
                "path": f"{PATH}/{sign(link.id, secret)}",
                "expires_at": expires.isoformat(),
                "download_limit": product.download_limit,
            }
        )
    return described


async def use_link(session: AsyncSession, token: str, *, secret: str) -> Media:
    """Count one download through ``token`` and return the file it gives."""
    link_id = verify(token, secret)
    if link_id is None:
        raise NotFound("download_not_found")
    counted = await session.execute(
        update(DownloadLink)
        .where(
            DownloadLink.id == link_id,
            DownloadLink.expires_at > utcnow(),
            DownloadLink.downloads_left.is_(None) | (DownloadLink.downloads_left > 0),
        )
        .values(
            downloads=DownloadLink.downloads + 1,
            downloads_left=DownloadLink.downloads_left - 1,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(counted, "rowcount", 0) != 1:
        raise NotFound("download_not_found")
    link = await session.get_one(DownloadLink, link_id)
    return await session.get_one(Media, link.media_id)
