"""Languages: negotiation from ``Accept-Language`` and gettext catalogues.

The catalogues are the ``.po`` files under ``locale/``; they are compiled in
memory when first used, so no build step can leave stale ``.mo`` files behind.
Message ids are the English text, marked for extraction with ``_``.
"""

import re
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("ar", "en")
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

_RANGE = re.compile(
    r"^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$",
    re.IGNORECASE,
)


def _(message: str) -> str:
    """Mark ``message`` for extraction; translation happens when it is shown."""
    return message


def negotiate(accept_language: str | None, default: str) -> str:
    """Pick ``ar`` or ``en`` from an ``Accept-Language`` value.

    Honours q-values and region tags (``ar-SA``, ``AR``); ``*`` and anything
    unsupported or unparseable fall back to ``default``.
    """
    best: tuple[float, int, str] | None = None
    for position, part in enumerate((accept_language or "").split(",")):
        match = _RANGE.match(part)
        if match is None:
            continue
        tag, weight = match.group(1), match.group(2)
        try:
            quality = 1.0 if weight is None else float(weight)
        except ValueError:
            continue
        language = tag.split("-")[0].lower()
        if language not in LANGUAGES or not 0 < quality <= 1:
            continue
        # Highest quality wins; on a tie, the earlier entry.
        candidate = (-quality, position, language)
        if best is None or candidate < best:
            best = candidate
    return default if best is None else best[2]


@cache
def translations(language: str) -> Translations:
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def translate(language: str, message: str, /, **params: object) -> str:
    """Return ``message`` in ``language`` with ``{name}`` placeholders filled."""
    text = translations(language).gettext(message) if language in LANGUAGES else message
    return text.format(**params) if params else text
