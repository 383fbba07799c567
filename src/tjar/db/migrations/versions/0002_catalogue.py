"""Catalogue: brands, categories, tags, options, variants, media, SKU claims.

Revision ID: 0002
Revises: 0001
Created: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "brands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_ar", sa.String(length=255), nullable=False),
        sa.Column("name_en", sa.String(length=255), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_brands_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brands")),
    )
    with op.batch_alter_table("brands", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_brands_store_id_id"), ["store_id", "id"], unique=False
        )

    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("name_ar", sa.String(length=255), nullable=False),
        sa.Column("name_en", sa.String(length=255), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["categories.id"],
            name=op.f("fk_categories_parent_id_categories"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_categories_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
    )
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_categories_store_id_parent_id"),
            ["store_id", "parent_id"],
            unique=False,
        )

    op.create_table(
        "media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visibility", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("mime_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("alt_ar", sa.String(length=500), nullable=False),
        sa.Column("alt_en", sa.String(length=500), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_media_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media")),
    )
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_media_store_id_created_at_id"),
            ["store_id", "created_at", "id"],
            unique=False,
        )

    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_ar", sa.String(length=255), nullable=False),
        sa.Column("name_en", sa.String(length=255), nullable=False),
        sa.Column("name_key", sa.String(length=255), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_tags_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
    )
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tags_store_id_name_key"),
            ["store_id", "name_key"],
            unique=True,
        )

    op.create_table(
        "product_categories",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_product_categories_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_categories_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_product_categories_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "product_id", "category_id", name=op.f("pk_product_categories")
        ),
    )
    with op.batch_alter_table("product_categories", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_categories_store_id_category_id_product_id"),
            ["store_id", "category_id", "product_id"],
            unique=False,
        )

    op.create_table(
        "product_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=255), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_codes_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_product_codes_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_codes")),
    )
    with op.batch_alter_table("product_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_codes_store_id_product_id_code"),
            ["store_id", "product_id", "code"],
            unique=True,
        )
        batch_op.create_index(
            batch_op.f("ix_product_codes_store_id_product_id_order_line_id"),
            ["store_id", "product_id", "order_line_id"],
            unique=False,
        )

    op.create_table(
        "product_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["media_id"],
            ["media.id"],
            name=op.f("fk_product_media_media_id_media"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_media_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_product_media_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_media")),
    )
    with op.batch_alter_table("product_media", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_media_store_id_media_id"),
            ["store_id", "media_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_product_media_store_id_product_id_role_position"),
            ["store_id", "product_id", "role", "position"],
            unique=False,
        )

    op.create_table(
        "product_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("title_ar", sa.String(length=255), nullable=False),
        sa.Column("title_en", sa.String(length=255), nullable=False),
        sa.Column("sub_title_ar", sa.String(length=255), nullable=False),
        sa.Column("sub_title_en", sa.String(length=255), nullable=False),
        sa.Column("is_required", sa.Boolean(), nullable=False),
        sa.Column("multi_select", sa.Boolean(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=True),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_options_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_product_options_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_options")),
    )
    with op.batch_alter_table("product_options", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_options_store_id_product_id_position"),
            ["store_id", "product_id", "position"],
            unique=False,
        )

    op.create_table(
        "product_tags",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_tags_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_product_tags_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"],
            ["tags.id"],
            name=op.f("fk_product_tags_tag_id_tags"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "tag_id", name=op.f("pk_product_tags")),
    )
    with op.batch_alter_table("product_tags", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_tags_store_id_tag_id_product_id"),
            ["store_id", "tag_id", "product_id"],
            unique=False,
        )

    op.create_table(
        "product_variants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("color", sa.String(length=100), nullable=True),
        sa.Column("size", sa.String(length=100), nullable=True),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=True),
        sa.Column("sku_key", sa.String(length=100), nullable=True),
        sa.Column("additional_price", sa.BigInteger(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_variants_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_product_variants_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_variants")),
    )
    with op.batch_alter_table("product_variants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_variants_store_id_product_id_position"),
            ["store_id", "product_id", "position"],
            unique=False,
        )

    op.create_table(
        "sku_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku_key", sa.String(length=100), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_sku_claims_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_sku_claims_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sku_claims")),
    )
    with op.batch_alter_table("sku_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sku_claims_store_id_product_id"),
            ["store_id", "product_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_sku_claims_store_id_sku_key"),
            ["store_id", "sku_key"],
            unique=True,
        )

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("length", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("width", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("height", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("brand_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("image_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("badge_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("policy_description", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("video_source", sa.String(length=32), nullable=True)
        )
        batch_op.add_column(
            sa.Column("video_url", sa.String(length=500), nullable=True)
        )
        batch_op.add_column(sa.Column("download_limit", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("download_expiry_hours", sa.Integer(), nullable=True)
        )
        batch_op.add_column(sa.Column("booking", sa.JSON(), nullable=True))
        batch_op.drop_index(batch_op.f("ix_products_store_id_slug"))
        batch_op.drop_index(batch_op.f("ix_products_store_id_sku_key"))
        batch_op.create_index(
            batch_op.f("ix_products_store_id_sku_key"),
            ["store_id", "sku_key"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_products_store_id_price_id"),
            ["store_id", "price", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_products_store_id_type_id_created_at_id"),
            ["store_id", "type_id", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "uq_products_live_slug",
            ["store_id", "slug"],
            unique=True,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_products_brand_id_brands"),
            "brands",
            ["brand_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_products_image_id_media"),
            "media",
            ["image_id"],
            ["id"],
            ondelete="SET NULL",
        )

    # Live products' SKUs become claims, which now carry SKU uniqueness.
    op.execute(
        "INSERT INTO sku_claims (store_id, sku_key, product_id) "
        "SELECT store_id, sku_key, id FROM products "
        "WHERE sku_key IS NOT NULL AND deleted_at IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_products_image_id_media"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_products_brand_id_brands"), type_="foreignkey"
        )
        batch_op.drop_index(
            "uq_products_live_slug",
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_products_store_id_type_id_created_at_id"))
        batch_op.drop_index(batch_op.f("ix_products_store_id_price_id"))
        batch_op.drop_index(batch_op.f("ix_products_store_id_sku_key"))
        batch_op.create_index(
            batch_op.f("ix_products_store_id_sku_key"),
            ["store_id", "sku_key"],
            unique=True,
        )
        batch_op.create_index(
            batch_op.f("ix_products_store_id_slug"), ["store_id", "slug"], unique=True
        )
        batch_op.drop_column("booking")
        batch_op.drop_column("download_expiry_hours")
        batch_op.drop_column("download_limit")
        batch_op.drop_column("video_url")
        batch_op.drop_column("video_source")
        batch_op.drop_column("policy_description")
        batch_op.drop_column("badge_id")
        batch_op.drop_column("image_id")
        batch_op.drop_column("brand_id")
        batch_op.drop_column("height")
        batch_op.drop_column("width")
        batch_op.drop_column("length")

    with op.batch_alter_table("sku_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sku_claims_store_id_sku_key"))
        batch_op.drop_index(batch_op.f("ix_sku_claims_store_id_product_id"))

    op.drop_table("sku_claims")
    with op.batch_alter_table("product_variants", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_product_variants_store_id_product_id_position")
        )

    op.drop_table("product_variants")
    with op.batch_alter_table("product_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_tags_store_id_tag_id_product_id"))

    op.drop_table("product_tags")
    with op.batch_alter_table("product_options", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_product_options_store_id_product_id_position")
        )

    op.drop_table("product_options")
    with op.batch_alter_table("product_media", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_product_media_store_id_product_id_role_position")
        )
        batch_op.drop_index(batch_op.f("ix_product_media_store_id_media_id"))

    op.drop_table("product_media")
    with op.batch_alter_table("product_codes", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_product_codes_store_id_product_id_order_line_id")
        )
        batch_op.drop_index(batch_op.f("ix_product_codes_store_id_product_id_code"))

    op.drop_table("product_codes")
    with op.batch_alter_table("product_categories", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_product_categories_store_id_category_id_product_id")
        )

    op.drop_table("product_categories")
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tags_store_id_name_key"))

    op.drop_table("tags")
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_store_id_created_at_id"))

    op.drop_table("media")
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_categories_store_id_parent_id"))

    op.drop_table("categories")
    with op.batch_alter_table("brands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_brands_store_id_id"))

    op.drop_table("brands")
