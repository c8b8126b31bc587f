"""serving the HTTP API: what a key is pinned to, and limits shared by every process

- ``api_keys.provider``/``model``: the provider (and model) a key's requests go to when
  the request does not say; ``api_keys.requests_per_minute``: the key's own limit.
- ``rate_limit_hits``: the requests admitted by a shared limit (a tier's or key's
  requests per minute, a provider's pace), counted by every API process and worker.
- ``provider_slots``: a provider's concurrent request slots, held while in flight.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 17:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("model", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("requests_per_minute", sa.Integer(), nullable=True))
    op.create_table(
        "rate_limit_hits",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("bucket", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_hits")),
    )
    with op.batch_alter_table("rate_limit_hits", schema=None) as batch_op:
        batch_op.create_index("ix_rate_limit_hits_bucket_at", ["bucket", "at"], unique=False)
    op.create_table(
        "provider_slots",
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("provider", "slot", name=op.f("pk_provider_slots")),
    )


def downgrade() -> None:
    op.drop_table("provider_slots")
    with op.batch_alter_table("rate_limit_hits", schema=None) as batch_op:
        batch_op.drop_index("ix_rate_limit_hits_bucket_at")
    op.drop_table("rate_limit_hits")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("requests_per_minute")
        batch_op.drop_column("model")
        batch_op.drop_column("provider")
