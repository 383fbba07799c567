"""Dashboard sign-out: sessions signed before it are refused.

Revision ID: 0008
Revises: 0007
Created: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("store_users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("signed_out_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("store_users", schema=None) as batch_op:
        batch_op.drop_column("signed_out_at")
