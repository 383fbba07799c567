"""Stored files: public images and private files for digital products."""

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tjar.db.base import Base, TenantOwned, Timestamps


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
