"""Orders keep the price basis they were priced on; lines record stock taken.

Revision ID: 0004
Revises: 0003
Created: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "stock_taken", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "prices_include_vat",
                sa.Boolean(),
                nullable=False,
                server_default=sa.true(),
            )
        )
        batch_op.add_column(
            sa.Column(
                "vat_rate", sa.BigInteger(), nullable=False, server_default="1500"
            )
        )

    # Physical lines placed before this revision took stock when ordered.
    op.execute("UPDATE order_lines SET stock_taken = (type_id = 1)")


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("vat_rate")
        batch_op.drop_column("prices_include_vat")

    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_column("stock_taken")
