import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tjar.i18n import LANGUAGES, LOCALE_DIR, translate

SOURCE = Path(__file__).resolve().parents[2] / "src" / "tjar"
PLACEHOLDER = re.compile(r"{(\w+)}")
ARABIC = re.compile("[\u0600-\u06ff]")


def marked_messages() -> set[str]:
    found = extract_from_dir(
        str(SOURCE), method_map=[("**.py", "python")], keywords={"_": None}
    )
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def catalogue(language: str) -> dict[str, str]:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return {
            m.id: m.string for m in read_po(source) if m.id and isinstance(m.id, str)
        }


def test_every_marked_message_is_translated_in_both_catalogues() -> None:
    messages = marked_messages()
    assert len(messages) > 30

    for language in LANGUAGES:
        entries = catalogue(language)
        missing = messages - set(entries)
        assert not missing, (language, sorted(missing))
    # English falls back to the message id; Arabic must be written out.
    arabic = catalogue("ar")
    assert all(arabic[message] for message in messages)


def test_arabic_is_arabic_and_keeps_placeholders() -> None:
    for message, text in catalogue("ar").items():
        assert ARABIC.search(text), message
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(message)), (
            message
        )


def test_translate_fills_placeholders() -> None:
    assert translate("ar", "Use at most {max_length} characters.", max_length=5) == (
        "استخدم 5 حرفاً على الأكثر."
    )
    assert translate("en", "Use at most {max_length} characters.", max_length=5) == (
        "Use at most 5 characters."
    )
