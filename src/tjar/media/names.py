"""Original file names: kept as metadata only, cleaned of anything dangerous."""

import secrets
import unicodedata

MAX_NAME = 255
# Bidirectional overrides and isolates can make "gpj.exe" read as "exe.jpg".
_BIDI = {
    chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F)
}


def clean_original_name(name: str | None) -> str:
    """Keep the last path part of ``name`` without control or bidi characters.

    Arabic and every other script is kept exactly (in NFC); the result is only
    ever shown, never used as a path.
    """
    text = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(
        char
        for char in unicodedata.normalize("NFC", text)
        if char not in _BIDI and unicodedata.category(char) not in ("Cc", "Cf", "Cs")
    )
    kept = kept.strip().strip(".")
    return kept[:MAX_NAME]


def storage_name(extension: str) -> str:
    """Return a fresh generated name for a stored file."""
    return f"{secrets.token_hex(16)}.{extension}"
