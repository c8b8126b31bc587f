"""users: one covering index for the admin search, replacing the index on tier

The user search filters by tier and activity, matches part of the email and orders by
email; with (tier, is_active, email, id) the count and the page's ids come from the index
alone. Its first column still serves lookups by tier, so the single-column index goes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 07:55:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_tier")
        batch_op.create_index(
            "ix_users_tier_active_email", ["tier", "is_active", "email", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_tier_active_email")
        batch_op.create_index("ix_users_tier", ["tier"], unique=False)
