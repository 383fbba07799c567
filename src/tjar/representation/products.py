"""The product as integrators read it (contract §7 and §11).

Brands, categories, tags, media, options and variants arrive with the
catalogue and media work; until then they read as empty, never as missing.
"""

from typing import Any

from tjar.db.models import Product
from tjar.domain.statuses import PRODUCT_TYPES
from tjar.representation.common import Context, bilingual, formatted, money, timestamp


def product_data(ctx: Context, product: Product) -> dict[str, Any]:
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
        "stock": None if product.is_unlimited else product.stock,
        "is_unlimited": product.is_unlimited,
        "is_published": product.is_published,
        "is_refundable": product.is_refundable,
        "min_purchase": product.min_purchase,
        "max_purchase": product.max_purchase,
        "is_inventory_warning": product.is_inventory_warning,
        "inventory_warning_threshold": product.inventory_warning_threshold,
        "weight": None if product.weight is None else float(product.weight),
        "dimensions": None,
        "image": None,
        "image_id": None,
        "gallery": [],
        "brand": None,
        "categories": [],
        "tags": [],
        "product_options": [],
        "variants": [],
        "ratings": None,
        "created_at": timestamp(ctx, product.created_at),
        "updated_at": timestamp(ctx, product.updated_at),
    }
