"""Stored files: public images and private files for digital products."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tjar.clock import utcnow
from tjar.db.base import Base, TenantOwned, Timestamps
from tjar.db.types import AwareDateTime


class Media(TenantOwned, Timestamps, Base):
    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    visibility: Mapped[str] = mapped_column(String(8))  # "public" or "private"
    # The generated storage name; the original name is metadata only.
    path: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()
    alt_ar: Mapped[str] = mapped_column(String(500), default="")
    alt_en: Mapped[str] = mapped_column(String(500), default="")
    original_filename: Mapped[str] = mapped_column(String(255), default="")
    # SHA-256 of the stored bytes: the ETag public files are served with.
    checksum: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (Index(None, "store_id", "created_at", "id"),)


class DownloadLink(TenantOwned, Base):
    """A buyer's link to one private file of a paid digital order line."""

    __tablename__ = "download_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("order_lines.id", ondelete="CASCADE")
    )
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime())
    # NULL: as many downloads as the buyer likes until the link expires.
    downloads_left: Mapped[int | None] = mapped_column()
    downloads: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    __table_args__ = (Index(None, "store_id", "order_line_id"),)
