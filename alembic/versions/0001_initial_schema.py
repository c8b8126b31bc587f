"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 07:00:15.554802
"""

import json
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

# The two tiers every installation starts with; admins edit them or add more.
SEED_TIERS = [
    {
        "id": uuid.UUID("6f1c2a4e-0d1b-4c55-9a43-7f0d1f5e0001"),
        "name": "free",
        "label_en": "Free",
        "label_fr": "Gratuit",
        "monthly_price_cents": 0,
        "currency": "EUR",
        "daily_translation_limit": 10,
        "monthly_character_limit": 100_000,
        "requests_per_minute": 10,
        "allowed_providers": ["pseudo", "google"],
        "sort_order": 0,
        "is_public": True,
    },
    {
        "id": uuid.UUID("6f1c2a4e-0d1b-4c55-9a43-7f0d1f5e0002"),
        "name": "pro",
        "label_en": "Pro",
        "label_fr": "Pro",
        "monthly_price_cents": 1900,
        "currency": "EUR",
        "daily_translation_limit": 500,
        "monthly_character_limit": 5_000_000,
        "requests_per_minute": 120,
        "allowed_providers": ["pseudo", "google", "google_cloud", "deepl", "openai", "ollama"],
        "sort_order": 1,
        "is_public": True,
    },
]

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _seed_tiers() -> None:
    offline = context.is_offline_mode()
    tiers = sa.table(
        "tiers",
        sa.column("id", sa.Uuid()),
        sa.column("name", sa.String()),
        sa.column("label_en", sa.String()),
        sa.column("label_fr", sa.String()),
        sa.column("monthly_price_cents", sa.Integer()),
        sa.column("currency", sa.String()),
        sa.column("daily_translation_limit", sa.Integer()),
        sa.column("monthly_character_limit", sa.BigInteger()),
        sa.column("requests_per_minute", sa.Integer()),
        # Offline (--sql) mode can render literals of plain types only: JSON goes as text.
        sa.column("allowed_providers", sa.String() if offline else sa.JSON()),
        sa.column("sort_order", sa.Integer()),
        sa.column("is_public", sa.Boolean()),
    )
    rows = [
        {**tier, "allowed_providers": json.dumps(tier["allowed_providers"])} if offline else tier
        for tier in SEED_TIERS
    ]
    op.bulk_insert(tiers, rows)


def upgrade() -> None:
    op.create_table(
        "tiers",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("label_en", sa.String(length=100), nullable=False),
        sa.Column("label_fr", sa.String(length=100), nullable=False),
        sa.Column("monthly_price_cents", sa.Integer(), server_default="0", nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="EUR", nullable=False),
        sa.Column("daily_translation_limit", sa.Integer(), nullable=True),
        sa.Column("monthly_character_limit", sa.BigInteger(), nullable=True),
        sa.Column("requests_per_minute", sa.Integer(), nullable=True),
        sa.Column("allowed_providers", sa.JSON(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("is_public", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("monthly_price_cents >= 0", name=op.f("ck_tiers_price_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tiers")),
        sa.UniqueConstraint("name", name=op.f("uq_tiers_name")),
    )
    _seed_tiers()
    op.create_table(
        "translation_memory",
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=200), server_default="", nullable=False),
        sa.Column("source_lang", sa.String(length=16), server_default="", nullable=False),
        sa.Column("target_lang", sa.String(length=16), nullable=False),
        sa.Column("glossary_checksum", sa.String(length=64), server_default="", nullable=False),
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("translated_text", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translation_memory")),
        sa.UniqueConstraint(
            "source_hash",
            "provider",
            "model",
            "source_lang",
            "target_lang",
            "glossary_checksum",
            name="uq_translation_memory_key",
        ),
    )
    op.create_table(
        "users",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("hashed_password", sa.String(length=255), nullable=False),
        sa.Column("tier", sa.String(length=32), server_default="free", nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "translator",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            server_default="translator",
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("daily_translation_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("daily_count_date", sa.Date(), nullable=True),
        sa.Column("monthly_character_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("monthly_count_month", sa.Date(), nullable=True),
        sa.Column(
            "preferred_language",
            sa.Enum(
                "en",
                "fr",
                name="preferred_language",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            server_default="en",
            nullable=False,
        ),
        sa.Column("subscription_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("subscription_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "daily_translation_count >= 0", name=op.f("ck_users_daily_count_not_negative")
        ),
        sa.CheckConstraint(
            "monthly_character_count >= 0", name=op.f("ck_users_monthly_chars_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["tier"], ["tiers.name"], name=op.f("fk_users_tier_tiers"), onupdate="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_tier"), ["tier"], unique=False)

    op.create_table(
        "api_keys",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=24), nullable=False),
        sa.Column("secret_hmac", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_user_id"), ["user_id"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_email", sa.String(length=320), server_default="", nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=200), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_audit_log_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_created_at"), ["created_at"], unique=False)

    op.create_table(
        "glossaries",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source_lang", sa.String(length=16), nullable=False),
        sa.Column("target_lang", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("checksum", sa.String(length=64), server_default="", nullable=False),
        sa.Column("entry_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_glossaries_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_glossaries")),
        sa.UniqueConstraint("name", name=op.f("uq_glossaries_name")),
    )
    with op.batch_alter_table("glossaries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_glossaries_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_settings_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "glossary_entries",
        sa.Column("glossary_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source_term", sa.String(length=1024), nullable=False),
        sa.Column("target_term", sa.String(length=1024), nullable=False),
        sa.Column("case_sensitive", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["glossary_id"],
            ["glossaries.id"],
            name=op.f("fk_glossary_entries_glossary_id_glossaries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_glossary_entries")),
        sa.UniqueConstraint("glossary_id", "source_term", name="uq_glossary_entries_source_term"),
    )
    with op.batch_alter_table("glossary_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_glossary_entries_glossary_position", ["glossary_id", "position"], unique=False
        )

    op.create_table(
        "glossary_remote_copies",
        sa.Column("glossary_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("remote_id", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["glossary_id"],
            ["glossaries.id"],
            name=op.f("fk_glossary_remote_copies_glossary_id_glossaries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_glossary_remote_copies")),
        sa.UniqueConstraint(
            "glossary_id", "provider", "checksum", name="uq_glossary_remote_copies_key"
        ),
    )
    op.create_table(
        "translation_jobs",
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=200), server_default="", nullable=False),
        sa.Column("source_lang", sa.String(length=16), server_default="", nullable=False),
        sa.Column("target_lang", sa.String(length=16), nullable=False),
        sa.Column("glossary_id", sa.Uuid(), nullable=True),
        sa.Column("glossary_checksum", sa.String(length=64), server_default="", nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "completed",
                "failed",
                "cancelled",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            server_default="queued",
            nullable=False,
        ),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("outputs", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("total_segments", sa.Integer(), server_default="0", nullable=False),
        sa.Column("done_segments", sa.Integer(), server_default="0", nullable=False),
        sa.Column("memory_hits", sa.Integer(), server_default="0", nullable=False),
        sa.Column("characters", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("billed_characters", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("reserved_characters", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("cost_estimate", sa.Float(), server_default="0", nullable=False),
        sa.Column("qa_report", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("worker_id", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["glossary_id"],
            ["glossaries.id"],
            name=op.f("fk_translation_jobs_glossary_id_glossaries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_translation_jobs_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translation_jobs")),
    )
    with op.batch_alter_table("translation_jobs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_translation_jobs_status_created", ["status", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_translation_jobs_user_id"), ["user_id"], unique=False)

    op.create_table(
        "job_segments",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.Column("translated_text", sa.Text(), nullable=True),
        sa.Column("from_memory", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("translated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["translation_jobs.id"],
            name=op.f("fk_job_segments_job_id_translation_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_segments")),
        sa.UniqueConstraint("job_id", "position", name="uq_job_segments_position"),
    )
    op.create_index(
        "ix_job_segments_pending",
        "job_segments",
        ["job_id", "position"],
        unique=False,
        postgresql_where=sa.text("translated_text IS NULL"),
        sqlite_where=sa.text("translated_text IS NULL"),
    )
    op.create_table(
        "usage_events",
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=200), server_default="", nullable=False),
        sa.Column("characters", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("translations", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["translation_jobs.id"],
            name=op.f("fk_usage_events_job_id_translation_jobs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_usage_events_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_events")),
    )
    with op.batch_alter_table("usage_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_usage_events_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_usage_events_job_id"), ["job_id"], unique=False)
        batch_op.create_index(
            "ix_usage_events_user_created", ["user_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("usage_events", schema=None) as batch_op:
        batch_op.drop_index("ix_usage_events_user_created")
        batch_op.drop_index(batch_op.f("ix_usage_events_job_id"))
        batch_op.drop_index(batch_op.f("ix_usage_events_created_at"))

    op.drop_table("usage_events")
    op.drop_index("ix_job_segments_pending", table_name="job_segments")
    op.drop_table("job_segments")
    with op.batch_alter_table("translation_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_translation_jobs_user_id"))
        batch_op.drop_index("ix_translation_jobs_status_created")

    op.drop_table("translation_jobs")
    op.drop_table("glossary_remote_copies")
    with op.batch_alter_table("glossary_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_glossary_entries_glossary_position")

    op.drop_table("glossary_entries")
    op.drop_table("settings")
    with op.batch_alter_table("glossaries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_glossaries_owner_id"))

    op.drop_table("glossaries")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_created_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))

    op.drop_table("audit_log")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_user_id"))

    op.drop_table("api_keys")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_tier"))

    op.drop_table("users")
    op.drop_table("translation_memory")
    op.drop_table("tiers")
