"""Writing the catalogue: create, update and delete products of every type.

The API folds the request's spellings into a ``ProductInput`` holding only the
fields that were sent; everything here checks the rules and writes the rows.
"""

import dataclasses
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import nh3
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tjar.clock import utcnow
from tjar.db.models import (
    Brand,
    Category,
    Media,
    Product,
    ProductCategory,
    ProductCode,
    ProductMedia,
    ProductOption,
    ProductTag,
    ProductVariant,
    SkuClaim,
)
from tjar.domain.booking import BookingInput, booking_settings
from tjar.domain.labels import resolve_tags
from tjar.domain.products import get_product, sku_key
from tjar.domain.text import search_text
from tjar.errors import Conflict, NotFound, ValidationFailed
from tjar.i18n import _
from tjar.webhooks.outbox import emit

__all__ = ["BookingInput", "OptionInput", "ProductInput", "VariantInput"]

PHYSICAL, DIGITAL, SERVICE, BOOKING = 1, 2, 3, 4
TYPE_IDS = {
    "physical": PHYSICAL,
    "digital": DIGITAL,
    "service": SERVICE,
    "booking": BOOKING,
}
CHOICE_TYPES = {"checkbox", "radio", "select"}
# Fields that make no sense for a type: nothing is shipped or counted.
_DIGITAL_ONLY = ("files", "codes", "download_limit", "download_expiry_hours")
_SHIPPED_ONLY = ("stock", "weight", "dimensions", "variants")
NOT_FOR_TYPE = {
    PHYSICAL: ("booking", *_DIGITAL_ONLY),
    DIGITAL: ("booking", *_SHIPPED_ONLY),
    SERVICE: ("booking", "is_unlimited", *_SHIPPED_ONLY, *_DIGITAL_ONLY),
    BOOKING: ("is_unlimited", *_SHIPPED_ONLY, *_DIGITAL_ONLY),
}
_SLUG_DROP = re.compile(r"[^\w\s-]", re.UNICODE)
_SLUG_GAPS = re.compile(r"[\s_-]+")
NOT_HERE = _("No such record in this store.")


@dataclass(frozen=True)
class OptionInput:
    id: int | None
    type: str
    title_ar: str
    title_en: str
    sub_title_ar: str
    sub_title_en: str
    is_required: bool
    multi_select: bool
    choices_ar: list[tuple[str, Decimal]]
    choices_en: list[tuple[str, Decimal]]
    has_choices: bool


@dataclass(frozen=True)
class VariantInput:
    id: int | None
    color: str | None
    size: str | None
    stock: int
    sku: str | None
    additional_price: Decimal


@dataclass(frozen=True)
class ProductInput:
    """Sent fields only: a key missing from ``values`` leaves the field as it is."""

    values: dict[str, Any]
    type_slug: str | None = None
    type_id: int | None = None
    # Domain field → the name the caller sent it under, for error messages.
    sent_as: dict[str, str] = dataclasses.field(default_factory=dict)

    def label(self, name: str) -> str:
        return self.sent_as.get(name, name)

    def has(self, field: str) -> bool:
        return field in self.values

    def get(self, field: str, default: Any = None) -> Any:
        return self.values.get(field, default)


def sanitise_html(html: str) -> str:
    """Keep ordinary formatting; drop scripts, handlers and ``javascript:`` links."""
    return nh3.clean(html)


def slugify(text: str, *, fallback: str = "product") -> str:
    """Make a URL slug that keeps Arabic letters, in NFC."""
    text = unicodedata.normalize("NFC", text).strip().lower()
    text = _SLUG_GAPS.sub("-", _SLUG_DROP.sub("", text)).strip("-")
    return text[:200].strip("-") or fallback


async def create_product(
    session: AsyncSession, *, type_id: int, data: ProductInput
) -> Product:
    """Create a product of ``type_id`` from ``data``."""
    _check_type(type_id, data)
    _refuse_fields_of_other_types(type_id, data)
    if data.get("price") is None:
        raise ValidationFailed.single("price", _("This field is required."))
    if type_id == BOOKING and not data.get("booking"):
        raise ValidationFailed.single("booking", _("This field is required."))

    product = Product(
        type_id=type_id,
        slug="",
        price=data.get("price"),
        # Digital products are unlimited unless a pool of codes counts them.
        is_unlimited=type_id in (DIGITAL, SERVICE, BOOKING),
        # Column defaults apply only at INSERT; the rules below read these first.
        stock=0,
        min_purchase=1,
        is_published=True,
        is_refundable=True,
        is_inventory_warning=False,
        created_at=utcnow(),
        updated_at=utcnow(),
        # Empty from the start, so filling them never tries to load them.
        options=[],
        variants=[],
        media=[],
        codes=[],
    )
    session.add(product)
    await _apply(session, product, data, creating=True)
    await _flush(session)
    product = await get_product(session, product.id)
    await emit(session, "product.created", product)
    return product


async def update_product(
    session: AsyncSession, *, product_id: int, type_id: int | None, data: ProductInput
) -> Product:
    """Apply ``data`` to a live product (optionally only of ``type_id``)."""
    product = await get_product(session, product_id, type_id=type_id)
    _check_type(product.type_id, data)
    _refuse_fields_of_other_types(product.type_id, data)
    await _apply(session, product, data, creating=False)
    # Options, variants and labels live in other rows: the product still changed.
    product.updated_at = utcnow()
    await _flush(session)
    product = await get_product(session, product.id)
    await emit(session, "product.updated", product)
    return product


async def delete_product(session: AsyncSession, *, product_id: int) -> None:
    """Soft-delete a product and free its SKUs and slug for reuse.

    Of concurrent deletes of one product one wins; the others are ``404``,
    so the product is deleted (and ``product.deleted`` emitted) once.
    """
    product = await get_product(session, product_id)
    now = utcnow()
    deleted = await session.execute(
        update(Product)
        .where(Product.id == product.id, Product.deleted_at.is_(None))
        .values(deleted_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(deleted, "rowcount", 0) != 1:
        raise NotFound("product_not_found")
    product.deleted_at = now
    product.updated_at = now
    await session.execute(delete(SkuClaim).where(SkuClaim.product_id == product.id))
    await session.flush()
    await emit(session, "product.deleted", product)


def _check_type(type_id: int, data: ProductInput) -> None:
    asked = []
    if data.type_slug is not None:
        asked.append(("type", TYPE_IDS[data.type_slug]))
    if data.type_id is not None:
        asked.append(("type_id", data.type_id))
    for field, value in asked:
        if value != type_id:
            raise ValidationFailed.single(
                field, _("The type of a product cannot change.")
            )


def _refuse_fields_of_other_types(type_id: int, data: ProductInput) -> None:
    errors: dict[str, list[tuple[str, dict[str, object]]]] = {
        data.label(name): [(_("This field does not apply to this product type."), {})]
        for name in NOT_FOR_TYPE[type_id]
        if data.has(name) and data.get(name) not in (None, [])
    }
    if errors:
        raise ValidationFailed(errors)


async def _flush(session: AsyncSession) -> None:
    """Flush, turning a lost race on a unique SKU or slug into ``409``."""
    try:
        await session.flush()
    except IntegrityError as error:
        text = str(error.orig)
        if "sku" in text:
            raise Conflict("sku_taken", field="sku") from None
        if "slug" in text:
            raise Conflict("slug_taken", field="slug") from None
        raise


async def _apply(
    session: AsyncSession, product: Product, data: ProductInput, *, creating: bool
) -> None:
    _apply_texts(product, data, creating=creating)
    _apply_numbers(product, data)
    await _apply_slug(session, product, data, creating=creating)
    await _apply_labels(session, product, data)
    await _apply_media(session, product, data)
    if data.has("options"):
        _apply_options(product, data.get("options"), creating=creating)
    if data.has("variants"):
        _apply_variants(product, data.get("variants"), creating=creating)
    if data.has("codes"):
        _apply_codes(product, data.get("codes"), creating=creating)
    if data.has("booking"):
        if data.get("booking") is None:
            raise ValidationFailed.single("booking", _("This field is required."))
        product.booking = booking_settings(data.get("booking"))
    await _apply_skus(session, product, data, creating=creating)
    product.search_text = search_text(
        product.name_ar,
        product.name_en,
        product.sku,
        *(v.sku for v in product.variants),
    )


def _apply_texts(product: Product, data: ProductInput, *, creating: bool) -> None:
    for field in ("name_ar", "name_en", "summary_ar", "summary_en"):
        if data.has(field):
            setattr(product, field, (data.get(field) or "").strip())
    for field in ("description_ar", "description_en"):
        if data.has(field):
            setattr(product, field, sanitise_html(data.get(field) or ""))
    if not (product.name_ar or product.name_en):
        raise ValidationFailed.single("name", _("Give a name in Arabic or English."))
    for field in ("policy_description", "video_source", "video_url", "badge_id"):
        if data.has(field):
            setattr(product, field, data.get(field))


def _apply_numbers(product: Product, data: ProductInput) -> None:
    for field in (
        "price",
        "sale_price",
        "cost",
        "is_published",
        "is_refundable",
        "min_purchase",
        "max_purchase",
        "is_inventory_warning",
        "inventory_warning_threshold",
        "weight",
        "download_limit",
        "download_expiry_hours",
    ):
        if data.has(field):
            value = data.get(field)
            if (
                field in ("price", "min_purchase", "is_published", "is_refundable")
                and value is None
            ):
                raise ValidationFailed.single(field, _("This field is required."))
            setattr(product, field, value)
    if data.has("stock"):
        product.stock = data.get("stock")
    if data.has("is_unlimited") and product.type_id in (PHYSICAL, DIGITAL):
        product.is_unlimited = bool(data.get("is_unlimited"))
    if data.has("dimensions"):
        dims = data.get("dimensions") or (None, None, None)
        product.length, product.width, product.height = dims

    if product.sale_price is not None and product.sale_price >= product.price:
        raise ValidationFailed.single(
            "sale_price", _("The sale price must be below the price.")
        )
    if product.max_purchase is not None and product.max_purchase < product.min_purchase:
        raise ValidationFailed.single(
            "max_purchase", _("The maximum purchase must not be below the minimum.")
        )
    if product.is_inventory_warning and product.inventory_warning_threshold is None:
        raise ValidationFailed.single(
            "inventory_warning_threshold",
            _("Give the stock level that triggers the warning."),
        )


async def _apply_slug(
    session: AsyncSession, product: Product, data: ProductInput, *, creating: bool
) -> None:
    if data.has("slug") and data.get("slug"):
        wanted = slugify(data.get("slug"), fallback="")
        if not wanted:
            raise ValidationFailed.single(
                "slug", _("Use letters or digits in the slug.")
            )
        if wanted != product.slug and await _slug_taken(session, wanted, product.id):
            raise Conflict("slug_taken", field="slug")
        product.slug = wanted
        return
    if creating or not product.slug:
        base = slugify(product.name_en or product.name_ar)
        candidate, suffix = base, 2
        while await _slug_taken(session, candidate, product.id):
            candidate, suffix = f"{base}-{suffix}", suffix + 1
        product.slug = candidate


async def _slug_taken(session: AsyncSession, slug: str, own_id: int | None) -> bool:
    query = select(Product.id).where(Product.slug == slug, Product.deleted_at.is_(None))
    if own_id is not None:
        query = query.where(Product.id != own_id)
    return await session.scalar(query.limit(1)) is not None


async def _rows(
    session: AsyncSession,
    model: type[Any],
    ids: Sequence[int],
    field: str,
    *,
    single: bool = False,
) -> list[Any]:
    """Load the store's rows by id, in order; unknown ids are ``422``.

    Errors name ``field`` itself for a single-id field (``brand_id``) and
    ``field.N`` for a list.
    """
    if not ids:
        return []
    query = select(model).where(model.id.in_(ids))
    found = {row.id: row for row in await session.scalars(query)}
    errors: dict[str, list[tuple[str, dict[str, object]]]] = {
        field if single else f"{field}.{index}": [(NOT_HERE, {})]
        for index, row_id in enumerate(ids)
        if row_id not in found
    }
    if errors:
        raise ValidationFailed(errors)
    return [found[row_id] for row_id in ids]


async def _apply_labels(
    session: AsyncSession, product: Product, data: ProductInput
) -> None:
    if data.has("brand_id"):
        brand_id = data.get("brand_id")
        if brand_id is not None:
            await _rows(session, Brand, [brand_id], data.label("brand_id"), single=True)
        product.brand_id = brand_id
    if data.has("category_ids"):
        categories = await _rows(
            session, Category, data.get("category_ids"), "category_id"
        )
        await _relink(session, product, ProductCategory, "category_id", categories)
    if data.has("tags"):
        tags = await resolve_tags(session, data.get("tags"))
        await _relink(session, product, ProductTag, "tag_id", tags)


async def _relink(
    session: AsyncSession,
    product: Product,
    link: type[Any],
    column: str,
    rows: list[Any],
) -> None:
    """Replace a product's links to categories or tags with ``rows``."""
    await _flush(session)  # the product needs its id
    await session.execute(delete(link).where(link.product_id == product.id))
    session.add_all(link(product_id=product.id, **{column: row.id}) for row in rows)


async def _apply_media(
    session: AsyncSession, product: Product, data: ProductInput
) -> None:
    if data.has("image_id"):
        image_id = data.get("image_id")
        if image_id is not None:
            await _media(
                session, [image_id], "image_id", visibility="public", single=True
            )
        product.image_id = image_id
    for field, role, visibility in (
        ("product_gallery", "gallery", "public"),
        ("files", "file", "private"),
    ):
        if not data.has(field):
            continue
        ids = list(dict.fromkeys(data.get(field) or []))
        await _media(session, ids, field, visibility=visibility)
        kept = [item for item in product.media if item.role != role]
        product.media = kept + [
            ProductMedia(media_id=media_id, role=role, position=index)
            for index, media_id in enumerate(ids)
        ]


async def _media(
    session: AsyncSession,
    ids: list[int],
    field: str,
    *,
    visibility: str,
    single: bool = False,
) -> None:
    rows = await _rows(session, Media, ids, field, single=single)
    message = (
        _("Use a public image here.")
        if visibility == "public"
        else _("Use a private file here.")
    )
    errors: dict[str, list[tuple[str, dict[str, object]]]] = {
        field if single else f"{field}.{index}": [(message, {})]
        for index, row in enumerate(rows)
        if row.visibility != visibility
    }
    if errors:
        raise ValidationFailed(errors)


def _refuse_repeated_ids(ids: list[int | None], field_name: str) -> None:
    seen: set[int] = set()
    for index, item_id in enumerate(ids):
        if item_id is not None and item_id in seen:
            raise ValidationFailed.single(
                f"{field_name}.{index}.id", _("This id is repeated.")
            )
        if item_id is not None:
            seen.add(item_id)


def _apply_options(
    product: Product, options: list[OptionInput], *, creating: bool
) -> None:
    _refuse_repeated_ids([item.id for item in options], "product_options")
    existing = {option.id: option for option in ([] if creating else product.options)}
    kept: list[ProductOption] = []
    for index, item in enumerate(options):
        field = f"product_options.{index}"
        if not (item.title_ar or item.title_en):
            raise ValidationFailed.single(
                f"{field}.title", _("Give a name in Arabic or English.")
            )
        if item.id is not None and item.id not in existing:
            raise ValidationFailed.single(f"{field}.id", NOT_HERE)
        option = existing.get(item.id) if item.id is not None else None
        option = option or ProductOption()
        option.position = index
        option.type = item.type
        option.title_ar = item.title_ar or item.title_en
        option.title_en = item.title_en or item.title_ar
        option.sub_title_ar = item.sub_title_ar or item.sub_title_en
        option.sub_title_en = item.sub_title_en or item.sub_title_ar
        option.is_required = item.is_required
        option.multi_select = item.multi_select or item.type == "checkbox"
        option.choices = _choices(item, field)
        kept.append(option)
    product.options = kept


def _choices(item: OptionInput, field: str) -> list[dict[str, str]] | None:
    if item.type not in CHOICE_TYPES:
        if item.has_choices and (item.choices_ar or item.choices_en):
            raise ValidationFailed.single(
                f"{field}.options", _("Free-input options take no choices.")
            )
        return None
    ar, en = item.choices_ar or item.choices_en, item.choices_en or item.choices_ar
    if not ar:
        raise ValidationFailed.single(
            f"{field}.options", _("Give at least one choice.")
        )
    if len(ar) != len(en) or any(a[1] != e[1] for a, e in zip(ar, en, strict=True)):
        raise ValidationFailed.single(
            f"{field}.options",
            _("Arabic and English choices must pair up in order, with the same costs."),
        )
    return [
        {"ar": a_label, "en": e_label, "cost": str(cost)}
        for (a_label, cost), (e_label, _cost) in zip(ar, en, strict=True)
    ]


def _apply_variants(
    product: Product, variants: list[VariantInput], *, creating: bool
) -> None:
    _refuse_repeated_ids([item.id for item in variants], "variants")
    existing = {
        variant.id: variant for variant in ([] if creating else product.variants)
    }
    kept: list[ProductVariant] = []
    for index, item in enumerate(variants):
        if item.id is not None and item.id not in existing:
            raise ValidationFailed.single(f"variants.{index}.id", NOT_HERE)
        variant = existing.get(item.id) if item.id is not None else None
        variant = variant or ProductVariant()
        variant.position = index
        variant.color = item.color
        variant.size = item.size
        variant.stock = item.stock
        variant.sku = item.sku
        variant.sku_key = sku_key(item.sku) if item.sku else None
        variant.additional_price = item.additional_price
        kept.append(variant)
    product.variants = kept
    if kept:
        # With variants, the product's stock is what its variants hold.
        product.stock = sum(variant.stock for variant in kept)


def _apply_codes(product: Product, codes: list[str] | None, *, creating: bool) -> None:
    """Make the unassigned pool exactly ``codes``; handed-out codes stay."""
    wanted = [code.strip() for code in codes or [] if code.strip()]
    if len(set(wanted)) != len(wanted):
        raise ValidationFailed.single("codes", _("Codes must not repeat."))
    current = [] if creating else product.codes
    assigned = [code for code in current if code.order_line_id is not None]
    taken = {code.code for code in assigned}
    clash = [code for code in wanted if code in taken]
    if clash:
        raise ValidationFailed.single(
            "codes", _("A code was already handed out: {code}."), code=clash[0]
        )
    unassigned = {code.code: code for code in current if code.order_line_id is None}
    product.codes = assigned + [
        unassigned.get(code) or ProductCode(code=code) for code in wanted
    ]


async def _apply_skus(
    session: AsyncSession, product: Product, data: ProductInput, *, creating: bool
) -> None:
    """Claim the product's and its variants' SKUs; a taken one is ``409``."""
    if data.has("sku"):
        sku = (data.get("sku") or "").strip() or None
        product.sku = sku
        product.sku_key = sku_key(sku) if sku else None
    if not (creating or data.has("sku") or data.has("variants")):
        return

    variants = product.variants if data.has("variants") or not creating else []
    keys = [product.sku_key] + [variant.sku_key for variant in variants]
    wanted = [key for key in keys if key]
    if len(set(wanted)) != len(wanted):
        raise ValidationFailed.single(
            "sku", _("SKUs of a product and its variants must differ.")
        )

    await _flush(session)  # the product needs its id before it can claim
    await session.execute(delete(SkuClaim).where(SkuClaim.product_id == product.id))
    if wanted:
        taken = await session.scalar(
            select(SkuClaim.sku_key).where(SkuClaim.sku_key.in_(wanted)).limit(1)
        )
        if taken is not None:
            raise Conflict("sku_taken", field="sku")
    session.add_all(SkuClaim(sku_key=key, product_id=product.id) for key in wanted)
