import pytest

from tjar.domain.text import escape_like, fold


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("احمد", "أحمد"),
        ("اسلام", "إسلام"),
        ("مكتبه", "مكتبة"),
        ("مصطفي", "مصطفى"),
        ("قهوه", "قَهْوَة"),
        ("جميل", "جمـــيل"),
        ("COFFEE", "coffee"),
    ],
)
def test_fold_matches_common_arabic_and_latin_variants(typed: str, stored: str) -> None:
    assert fold(typed) == fold(stored)


def test_fold_does_not_merge_different_words() -> None:
    assert fold("تمر") != fold("ثمر")


def test_escape_like_neutralises_wildcards() -> None:
    assert escape_like("50%_off\\") == "50\\%\\_off\\\\"
