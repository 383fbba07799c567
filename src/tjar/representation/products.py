"""The product as integrators read it (contract §7 and §11)."""

from decimal import Decimal
from typing import Any

import orjson

from tjar.db.models import Brand, Category, Product, ProductOption, ProductVariant, Tag
from tjar.domain.money import to_number
from tjar.domain.statuses import PRODUCT_TYPES
from tjar.representation.common import Context, bilingual, formatted, money, timestamp
from tjar.representation.media import media_data, media_url


def label_data(label: Brand | Category | Tag) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": label.id,
        "identifier": label.id,
        "name": bilingual(label.name_ar, label.name_en),
    }
    if isinstance(label, Category):
        data["parent_id"] = label.parent_id
    return data


def _option(option: ProductOption) -> dict[str, Any]:
    choices = None
    if option.choices is not None:
        choices = {
            language: {
                choice[language]: to_number(Decimal(choice["cost"]))
                for choice in option.choices
            }
            for language in ("ar", "en")
        }
    return {
        "id": option.id,
        "type": option.type,
        "title": bilingual(option.title_ar, option.title_en),
        "sub_title": bilingual(option.sub_title_ar, option.sub_title_en),
        "is_required": option.is_required,
        "multi_select": option.multi_select,
        "options": choices,
    }


def _variant(ctx: Context, variant: ProductVariant) -> dict[str, Any]:
    return {
        "id": variant.id,
        "color": variant.color,
        "size": variant.size,
        "stock": variant.stock,
        "sku": variant.sku,
        "additional_price": money(ctx, variant.additional_price),
    }


def _dimensions(product: Product) -> dict[str, orjson.Fragment | None] | None:
    values = (product.length, product.width, product.height)
    if all(value is None for value in values):
        return None
    return {
        key: None if value is None else to_number(value)
        for key, value in zip(("length", "width", "height"), values, strict=True)
    }


def _stock(product: Product) -> int | None:
    if product.type_id == 2 and product.codes:
        return sum(1 for code in product.codes if code.order_line_id is None)
    return None if product.is_unlimited else product.stock


def _type_parts(ctx: Context, product: Product) -> dict[str, Any]:
    if product.type_id == 2:
        files = [
            media_data(ctx, item.media) for item in product.media if item.role == "file"
        ]
        return {
            "digital": {
                "files": files,
                "codes": {
                    "total": len(product.codes),
                    "available": sum(
                        1 for code in product.codes if code.order_line_id is None
                    ),
                },
                "download_limit": product.download_limit,
                "download_expiry_hours": product.download_expiry_hours,
            }
        }
    if product.type_id == 4:
        return {"booking": product.booking}
    return {}


def product_data(ctx: Context, product: Product) -> dict[str, Any]:
    """Represent ``product`` with everything ``product_loads`` loads."""
    type_slug, _, _ = PRODUCT_TYPES[product.type_id]
    return {
        "id": product.id,
        "identifier": product.id,
        "name": bilingual(product.name_ar, product.name_en),
        "summary": bilingual(product.summary_ar, product.summary_en),
        "description": bilingual(product.description_ar, product.description_en),
        "type": type_slug,
        "type_id": product.type_id,
        "slug": product.slug,
        "sku": product.sku,
        "price": money(ctx, product.price),
        "formatted_price": formatted(ctx, product.price),
        "sale_price": money(ctx, product.sale_price),
        "formatted_sale_price": formatted(ctx, product.sale_price),
        "cost": money(ctx, product.cost),
        "stock": _stock(product),
        "quantity": _stock(product),
        "is_unlimited": product.is_unlimited,
        "is_published": product.is_published,
        "is_refundable": product.is_refundable,
        "min_purchase": product.min_purchase,
        "max_purchase": product.max_purchase,
        "is_inventory_warning": product.is_inventory_warning,
        "inventory_warning_threshold": product.inventory_warning_threshold,
        "weight": None if product.weight is None else float(product.weight),
        "dimensions": _dimensions(product),
        "image": media_url(ctx, product.image) if product.image else None,
        "image_id": product.image_id,
        "gallery": [
            media_data(ctx, item.media)
            for item in product.media
            if item.role == "gallery"
        ],
        "brand": label_data(product.brand) if product.brand else None,
        "categories": [label_data(category) for category in product.categories],
        "tags": [label_data(tag) for tag in product.tags],
        "product_options": [_option(option) for option in product.options],
        "variants": [_variant(ctx, variant) for variant in product.variants],
        **_type_parts(ctx, product),
        "badge_id": product.badge_id,
        "policy_description": product.policy_description,
        "video_source": product.video_source,
        "video_url": product.video_url,
        "ratings": None,
        "created_at": timestamp(ctx, product.created_at),
        "updated_at": timestamp(ctx, product.updated_at),
    }
