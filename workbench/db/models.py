"""The whole schema (DESIGN §4): one mapped class per table.

Services in the feature packages own the behaviour; these classes only describe rows.
Relationships are ``lazy="raise"`` so no query ever happens behind an attribute access.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from workbench.db.base import Base, Timestamps, UUIDPrimaryKey, created_at_column, utcnow

EMAIL_LENGTH = 320
LANG_LENGTH = 16
PROVIDER_LENGTH = 32
MODEL_LENGTH = 200
HASH_LENGTH = 64
CODE_ISSUE_LENGTH = 200


class Role(StrEnum):
    ADMIN = "admin"
    TRANSLATOR = "translator"


class Language(StrEnum):
    """Languages of the user interface."""

    EN = "en"
    FR = "fr"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


def _str_enum(enum: type[StrEnum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a named CHECK constraint on every backend."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def normalise_email(email: str) -> str:
    """Emails are unique case-insensitively: we store them trimmed and lower-cased."""
    return email.strip().lower()


class Tier(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "tiers"

    name: Mapped[str] = mapped_column(String(32), unique=True)
    label_en: Mapped[str] = mapped_column(String(100))
    label_fr: Mapped[str] = mapped_column(String(100))
    # Prices are exact: minor currency units (cents), never floats.
    monthly_price_cents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    currency: Mapped[str] = mapped_column(String(3), default="EUR", server_default="EUR")
    # None means unlimited for every limit below.
    daily_translation_limit: Mapped[int | None] = mapped_column(Integer)
    monthly_character_limit: Mapped[int | None] = mapped_column(BigInteger)
    requests_per_minute: Mapped[int | None] = mapped_column(Integer)
    allowed_providers: Mapped[list[str]] = mapped_column(JSON, default=list)
    sort_order: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    is_public: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    __table_args__ = (CheckConstraint("monthly_price_cents >= 0", name="price_not_negative"),)


class User(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH), unique=True)
    hashed_password: Mapped[str] = mapped_column(String(255))
    tier: Mapped[str] = mapped_column(
        String(32),
        ForeignKey("tiers.name", onupdate="CASCADE"),
        default="free",
        server_default="free",
    )
    role: Mapped[Role] = mapped_column(
        _str_enum(Role, "role"), default=Role.TRANSLATOR, server_default=Role.TRANSLATOR.value
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    daily_translation_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The day the count belongs to: a use on a later day starts again from 0.
    daily_count_date: Mapped[date | None] = mapped_column(Date)
    monthly_character_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # The first day of the month the character count belongs to.
    monthly_count_month: Mapped[date | None] = mapped_column(Date)
    preferred_language: Mapped[Language] = mapped_column(
        _str_enum(Language, "preferred_language"),
        default=Language.EN,
        server_default=Language.EN.value,
    )
    subscription_started_at: Mapped[datetime | None]
    # After this instant the user counts as the default tier, without any cron.
    subscription_expires_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Sessions and dashboard pages carry the generation they began in; signing out, a new
    # password, a role change or deactivation add one, which ends every older one at once.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    api_keys: Mapped[list[ApiKey]] = relationship(back_populates="user", lazy="raise")

    __table_args__ = (
        CheckConstraint("daily_translation_count >= 0", name="daily_count_not_negative"),
        CheckConstraint("monthly_character_count >= 0", name="monthly_chars_not_negative"),
        # The admin search (tier, active, email substring, ordered by email) reads only this
        # index to count and to find a page's ids; it also serves lookups by tier.
        Index("ix_users_tier_active_email", "tier", "is_active", "email", "id"),
    )

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return normalise_email(value)


class ApiKey(UUIDPrimaryKey, Base):
    __tablename__ = "api_keys"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    # The visible start of the key, used to find the row; the secret itself is never stored.
    prefix: Mapped[str] = mapped_column(String(24), unique=True)
    secret_hmac: Mapped[str] = mapped_column(String(HASH_LENGTH))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = created_at_column()
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # What serves the key's API requests when the request does not say: a provider (and
    # its model) pinned at creation, or None for the admin's default.
    provider: Mapped[str | None] = mapped_column(String(PROVIDER_LENGTH))
    model: Mapped[str | None] = mapped_column(String(MODEL_LENGTH))
    # The key's own requests-per-minute limit (positive), on top of its owner's tier
    # limit; None: only the tier's.
    requests_per_minute: Mapped[int | None] = mapped_column(Integer)

    user: Mapped[User] = relationship(back_populates="api_keys", lazy="raise")


class Glossary(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "glossaries"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    source_lang: Mapped[str] = mapped_column(String(LANG_LENGTH))
    target_lang: Mapped[str] = mapped_column(String(LANG_LENGTH))
    # None means shared with every user.
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    # SHA-256 of the entries in a canonical order: what remote copies are keyed by.
    checksum: Mapped[str] = mapped_column(String(HASH_LENGTH), default="", server_default="")
    entry_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    entries: Mapped[list[GlossaryEntry]] = relationship(
        back_populates="glossary", lazy="raise", cascade="all, delete-orphan"
    )


class GlossaryEntry(UUIDPrimaryKey, Base):
    __tablename__ = "glossary_entries"

    glossary_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("glossaries.id", ondelete="CASCADE"))
    # Order of the entries as imported, so an export gives them back in the same order.
    position: Mapped[int] = mapped_column(Integer)
    source_term: Mapped[str] = mapped_column(String(1024))
    target_term: Mapped[str] = mapped_column(String(1024))
    case_sensitive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    note: Mapped[str] = mapped_column(Text, default="", server_default="")

    glossary: Mapped[Glossary] = relationship(back_populates="entries", lazy="raise")

    __table_args__ = (
        UniqueConstraint("glossary_id", "source_term", name="uq_glossary_entries_source_term"),
        Index("ix_glossary_entries_glossary_position", "glossary_id", "position"),
    )


class GlossaryRemoteCopy(UUIDPrimaryKey, Base):
    """A copy of a glossary kept at a provider (e.g. a DeepL glossary id) for one checksum."""

    __tablename__ = "glossary_remote_copies"

    glossary_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("glossaries.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(PROVIDER_LENGTH))
    checksum: Mapped[str] = mapped_column(String(HASH_LENGTH))
    remote_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        UniqueConstraint(
            "glossary_id", "provider", "checksum", name="uq_glossary_remote_copies_key"
        ),
    )


class TranslationJob(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "translation_jobs"

    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    provider: Mapped[str] = mapped_column(String(PROVIDER_LENGTH))
    model: Mapped[str] = mapped_column(String(MODEL_LENGTH), default="", server_default="")
    # Empty means "let the provider detect it".
    source_lang: Mapped[str] = mapped_column(String(LANG_LENGTH), default="", server_default="")
    target_lang: Mapped[str] = mapped_column(String(LANG_LENGTH))
    glossary_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("glossaries.id", ondelete="SET NULL")
    )
    glossary_checksum: Mapped[str] = mapped_column(
        String(HASH_LENGTH), default="", server_default=""
    )
    status: Mapped[JobStatus] = mapped_column(
        _str_enum(JobStatus, "status"),
        default=JobStatus.QUEUED,
        server_default=JobStatus.QUEUED.value,
    )
    # What to read and how (files, columns, formats) and what was written.
    inputs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    outputs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    total_segments: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    done_segments: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    memory_hits: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    characters: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    billed_characters: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    reserved_characters: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    cost_estimate: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    qa_report: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    worker_id: Mapped[str | None] = mapped_column(String(200))
    # Tries of this run: each start from the queue counts one; resuming starts again at 0.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    heartbeat_at: Mapped[datetime | None]
    # After an unexpected error the job waits in the queue until then (a backoff).
    retry_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    segments: Mapped[list[JobSegment]] = relationship(
        back_populates="job", lazy="raise", cascade="all, delete-orphan"
    )

    __table_args__ = (Index("ix_translation_jobs_status_created", "status", "created_at"),)


class JobSegment(UUIDPrimaryKey, Base):
    __tablename__ = "job_segments"

    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("translation_jobs.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    source_text: Mapped[str] = mapped_column(Text)
    source_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    translated_text: Mapped[str | None] = mapped_column(Text)
    from_memory: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    translated_at: Mapped[datetime | None]
    # Why the provider could not keep this segment's codes (its texts between codes were
    # translated one by one): a line of the job's QA report. None when they were kept.
    code_issue: Mapped[str | None] = mapped_column(String(CODE_ISSUE_LENGTH))
    # The worker translating this segment now; its claim lapses after the lease.
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime | None]

    job: Mapped[TranslationJob] = relationship(back_populates="segments", lazy="raise")

    __table_args__ = (
        UniqueConstraint("job_id", "position", name="uq_job_segments_position"),
        # Workers look for a job's untranslated segments in order, over and over.
        Index(
            "ix_job_segments_pending",
            "job_id",
            "position",
            postgresql_where=text("translated_text IS NULL"),
            sqlite_where=text("translated_text IS NULL"),
        ),
    )


class WorkerHeartbeat(Base):
    """A job worker that is running somewhere, and when it was last seen.

    Workers on any machine write their row every few seconds and remove it when they
    stop; a row not seen for a while is a worker that died. The health check reads them.
    """

    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = created_at_column()
    seen_at: Mapped[datetime] = mapped_column(index=True)


class RateLimitHit(Base):
    """One request admitted by a shared limit (a tier's or a key's requests per minute, a
    provider's pace), so that every process on the database counts the same requests.

    A limit admits a request when fewer than its number of hits are younger than its
    window; hits older than the longest window are deleted as new ones come.
    """

    __tablename__ = "rate_limit_hits"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    bucket: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime]

    __table_args__ = (Index("ix_rate_limit_hits_bucket_at", "bucket", "at"),)


class ProviderSlot(Base):
    """One of a provider's concurrent request slots, shared by every process: a request
    holds a free (or expired) slot while it is in flight, so no more than the admin's
    concurrency are in flight at the provider across all API processes and workers."""

    __tablename__ = "provider_slots"

    provider: Mapped[str] = mapped_column(String(PROVIDER_LENGTH), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime | None]


class TranslationMemory(UUIDPrimaryKey, Base):
    __tablename__ = "translation_memory"

    provider: Mapped[str] = mapped_column(String(PROVIDER_LENGTH))
    model: Mapped[str] = mapped_column(String(MODEL_LENGTH), default="", server_default="")
    source_lang: Mapped[str] = mapped_column(String(LANG_LENGTH), default="", server_default="")
    target_lang: Mapped[str] = mapped_column(String(LANG_LENGTH))
    glossary_checksum: Mapped[str] = mapped_column(
        String(HASH_LENGTH), default="", server_default=""
    )
    source_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    source_text: Mapped[str] = mapped_column(Text)
    translated_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        # The hash leads: it alone nearly identifies a row, so lookups are direct.
        UniqueConstraint(
            "source_hash",
            "provider",
            "model",
            "source_lang",
            "target_lang",
            "glossary_checksum",
            name="uq_translation_memory_key",
        ),
    )


class UsageEvent(UUIDPrimaryKey, Base):
    __tablename__ = "usage_events"

    # None once the user is deleted: the history stays, anonymised.
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("translation_jobs.id", ondelete="SET NULL"), index=True
    )
    provider: Mapped[str] = mapped_column(String(PROVIDER_LENGTH))
    model: Mapped[str] = mapped_column(String(MODEL_LENGTH), default="", server_default="")
    characters: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    translations: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(
        default=utcnow, server_default=func.now(), index=True
    )

    __table_args__ = (Index("ix_usage_events_user_created", "user_id", "created_at"),)


class Setting(Base):
    """Admin-editable key/value settings (default provider, limits, UI language)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.now()
    )
    updated_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class AuditEntry(UUIDPrimaryKey, Base):
    __tablename__ = "audit_log"

    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Kept as text so the log still reads after the actor is deleted.
    actor_email: Mapped[str] = mapped_column(String(EMAIL_LENGTH), default="", server_default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(
        default=utcnow, server_default=func.now(), index=True
    )
