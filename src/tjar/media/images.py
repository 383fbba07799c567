"""Images: verified by Pillow, measured, bounded, and rid of location data."""

import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from tjar.media.sniff import FileType

GPS_IFD = 0x8825
ORIENTATION = 0x0112
_FORMATS = {"image/jpeg": "JPEG", "image/webp": "WEBP", "image/png": "PNG"}
# Pillow's own failures on broken bytes: all mean "not a usable image".
_BROKEN = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError)


class BadImage(ValueError):
    """Bytes that claim an image type but are not a usable image."""


class TooManyPixels(ValueError):
    """An image over the pixel limit (a decompression bomb, or just too big)."""


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int


def inspect_image(path: Path, kind: FileType, *, max_pixels: int) -> ImageInfo:
    """Verify the image at ``path`` and strip its location data, in place.

    The pixel count is read from the header before anything is decoded, so a
    file declaring 20000 × 20000 is refused without using the memory. The
    returned size is the image's upright size, as it is stored.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as probe:
                width, height = probe.size
                if width * height > max_pixels:
                    raise TooManyPixels()
                probe.verify()
            _decode(path)
            if kind.mime in _FORMATS:
                size = _strip_location(path, kind)
                if size is not None:
                    width, height = size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise TooManyPixels() from error
    except _BROKEN as error:
        raise BadImage() from error
    return ImageInfo(width=width, height=height)


def _decode(path: Path) -> None:
    """Decode the image data, so a truncated file is refused, cheaply.

    JPEGs decode at an eighth of their size (``draft``), which still reads
    every byte of the data.
    """
    with Image.open(path) as image:
        if image.format == "JPEG":
            image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
        image.load()


def _strip_location(path: Path, kind: FileType) -> tuple[int, int] | None:
    """Rewrite an image that carries GPS or XMP data without it, upright.

    Returns the new size, or None when the file needed no rewrite.
    """
    with Image.open(path) as image:
        exif = image.getexif()
        has_xmp = any(key in image.info for key in ("xmp", "XML:com.adobe.xmp"))
        if GPS_IFD not in exif and not has_xmp:
            return None
        # Apply the orientation to the pixels, then drop the tag that would
        # apply it twice, and the location.
        upright = ImageOps.exif_transpose(image)
        exif = upright.getexif()
        exif.pop(GPS_IFD, None)
        exif.pop(ORIENTATION, None)
        options: dict[str, object] = {"exif": exif.tobytes()}
        if kind.mime != "image/png":
            options["quality"] = 95
        upright.save(path, format=_FORMATS[kind.mime], **options)
        return upright.size
