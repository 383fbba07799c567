"""File types from their first bytes, never from names or declared types."""

from dataclasses import dataclass


@dataclass(frozen=True)
class FileType:
    mime: str
    extension: str
    image: bool


JPEG = FileType("image/jpeg", "jpg", True)
PNG = FileType("image/png", "png", True)
GIF = FileType("image/gif", "gif", True)
WEBP = FileType("image/webp", "webp", True)
PDF = FileType("application/pdf", "pdf", False)
ZIP = FileType("application/zip", "zip", False)

PUBLIC_TYPES = (JPEG, PNG, GIF, WEBP)
PRIVATE_TYPES = (*PUBLIC_TYPES, PDF, ZIP)
HEAD_BYTES = 16


def sniff(head: bytes) -> FileType | None:
    """Name the type of a file from its first bytes, or ``None`` if unknown."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return ZIP
    return None
