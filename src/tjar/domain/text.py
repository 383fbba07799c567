"""Text folding for search: the same words match however they were typed."""

import re
import unicodedata

# Hamza forms of alef fold to bare alef; alef maqsura to ya; ta marbuta to ha.
_ARABIC_FOLDS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ـ": None}
)
# Harakat, tanween, shadda, sukun, superscript alef and Quranic marks.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Fold ``text`` for matching: NFKC, case, Arabic letter forms, diacritics."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_FOLDS)
    return _SPACES.sub(" ", text).strip()


def search_text(*parts: str | None) -> str:
    """Build the folded text a record is searched by."""
    return " ".join(fold(part) for part in parts if part)


def escape_like(term: str) -> str:
    """Escape ``term`` for a ``LIKE`` pattern (backslash is the escape)."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# Characters that reorder or hide text around them (bidi overrides and
# isolates): harmless in data, misleading in a name shown to people.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


# Joiners shape Arabic and Persian script; other format characters only hide.
_JOINERS = frozenset("\u200c\u200d")


def _unsafe(char: str) -> bool:
    category = unicodedata.category(char)
    return (
        char in _BIDI_CONTROLS
        or category in ("Cc", "Zl", "Zp")
        or (category == "Cf" and char not in _JOINERS)
    )


def has_unsafe_characters(text: str) -> bool:
    """Tell whether ``text`` holds control, invisible or line-breaking characters.

    Names and addresses shown on pages and in mail headers must be one plain
    line that reads as it is stored; NUL cannot even be stored by PostgreSQL.
    """
    return any(_unsafe(char) for char in text)


def one_line(text: str) -> str:
    """Replace the characters ``has_unsafe_characters`` finds with spaces."""
    return "".join(" " if _unsafe(char) else char for char in text)
