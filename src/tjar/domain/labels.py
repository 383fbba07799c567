"""Brands, categories and tags: small bilingual labels products carry."""

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tjar.db.models import Brand, Category, Tag
from tjar.domain.paging import Page, PageRequest, paginate, pick_sort, standard_sorts
from tjar.domain.text import fold
from tjar.errors import NotFound, ValidationFailed
from tjar.i18n import _

Label = TypeVar("Label", Brand, Category, Tag)
ARABIC_LETTER_RANGE = ("\u0600", "\u06ff")


def _names(name_ar: str | None, name_en: str | None) -> tuple[str, str]:
    ar, en = (name_ar or "").strip(), (name_en or "").strip()
    if not ar and not en:
        raise ValidationFailed.single("name", _("Give a name in Arabic or English."))
    return ar or en, en or ar


def _tag_key(name_ar: str, name_en: str) -> str:
    return fold(name_en or name_ar)


async def list_labels(
    session: AsyncSession, model: type[Label], *, page: PageRequest, sort: str = "id"
) -> Page[Label]:
    chosen = pick_sort(standard_sorts(model), sort)
    return await paginate(session, select(model), sort=chosen, request=page)


async def create_brand(
    session: AsyncSession, *, name_ar: str | None, name_en: str | None
) -> Brand:
    ar, en = _names(name_ar, name_en)
    brand = Brand(name_ar=ar, name_en=en)
    session.add(brand)
    await session.flush()
    return brand


async def create_category(
    session: AsyncSession,
    *,
    name_ar: str | None,
    name_en: str | None,
    parent_id: int | None,
) -> Category:
    ar, en = _names(name_ar, name_en)
    if parent_id is not None and await session.get(Category, parent_id) is None:
        raise ValidationFailed.single("parent_id", _("No such category in this store."))
    category = Category(name_ar=ar, name_en=en, parent_id=parent_id)
    session.add(category)
    await session.flush()
    return category


async def create_tag(
    session: AsyncSession, *, name_ar: str | None, name_en: str | None
) -> Tag:
    """Create a tag, or return the store's tag of the same (folded) name."""
    ar, en = _names(name_ar, name_en)
    key = _tag_key(name_ar or "", name_en or "")
    existing = await session.scalar(select(Tag).where(Tag.name_key == key))
    if existing is not None:
        return existing
    tag = Tag(name_ar=ar, name_en=en, name_key=key)
    try:
        # A savepoint: losing a race to an identical tag keeps the transaction.
        async with session.begin_nested():
            session.add(tag)
    except IntegrityError:
        return await session.scalar(select(Tag).where(Tag.name_key == key)) or tag
    return tag


def _is_arabic(text: str) -> bool:
    low, high = ARABIC_LETTER_RANGE
    return any(low <= char <= high for char in text)


async def resolve_tags(session: AsyncSession, items: Sequence[int | str]) -> list[Tag]:
    """Turn tag ids and names into tags; names unknown to the store are created."""
    tags: list[Tag] = []
    for index, item in enumerate(items):
        if isinstance(item, int):
            tag = await session.get(Tag, item)
            if tag is None:
                raise ValidationFailed.single(
                    f"tags.{index}", _("No such tag in this store.")
                )
        elif not item.strip():
            raise ValidationFailed.single(f"tags.{index}", _("This field is required."))
        elif _is_arabic(item):
            tag = await create_tag(session, name_ar=item, name_en=None)
        else:
            tag = await create_tag(session, name_ar=None, name_en=item)
        if tag not in tags:
            tags.append(tag)
    return tags


async def get_label(session: AsyncSession, model: type[Label], label_id: int) -> Label:
    label = await session.get(model, label_id)
    if label is None:
        raise NotFound()
    return label
