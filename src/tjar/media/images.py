"""Images: verified by Pillow, measured, bounded, and rid of location data."""

import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from tjar.media.sniff import FileType

GPS_IFD = 0x8825


class BadImage(ValueError):
    """Bytes that claim an image type but are not a usable image."""


class TooManyPixels(ValueError):
    """An image over the pixel limit (a decompression bomb, or just too big)."""


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int


def inspect_image(path: Path, kind: FileType, *, max_pixels: int) -> ImageInfo:
    """Verify the image at ``path`` and strip its EXIF location, in place.

    The pixel count is read from the header before anything is decoded, so a
    file declaring 20000 × 20000 is refused without using the memory.
    """
    try:
        with Image.open(path) as probe:
            width, height = probe.size
            if width * height > max_pixels:
                raise TooManyPixels()
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise BadImage() from error
    except Image.DecompressionBombError as error:
        raise TooManyPixels() from error

    if kind.mime in ("image/jpeg", "image/webp"):
        _strip_location(path, kind)
    return ImageInfo(width=width, height=height)


def _strip_location(path: Path, kind: FileType) -> None:
    """Rewrite the image without GPS data, keeping how it is meant to be turned."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(path) as image:
            exif = image.getexif()
            if GPS_IFD not in exif:
                return
            # Apply the orientation to the pixels, then drop the tags that
            # would apply it twice, and the location.
            upright = ImageOps.exif_transpose(image)
            exif = upright.getexif()
            exif.pop(GPS_IFD, None)
            exif.pop(0x0112, None)
            fmt = "JPEG" if kind.mime == "image/jpeg" else "WEBP"
            upright.save(path, format=fmt, exif=exif.tobytes(), quality=95)
