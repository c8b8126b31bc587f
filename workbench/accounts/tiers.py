"""Tiers and pricing: what a plan costs and what it allows.

Each limit is a whole number or ``None`` for unlimited. Prices are exact minor currency
units (cents) with an ISO 4217 currency code. Changes are validated in full before
anything is written and every change is audited; a tier that users are on, or the default
tier, cannot be deleted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypedDict, Unpack

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts._transactions import begin_if_idle
from workbench.accounts.audit import Actor, AuditAction, TargetType, record, snapshot
from workbench.db.integrity import violates_unique
from workbench.db.models import Tier, User
from workbench.errors import AlreadyExists, InvalidInput, NotFound
from workbench.providers.registry import DEFAULT_PROVIDER, provider_names

DEFAULT_TIER = "free"
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}\Z")
LABEL_LENGTH = 100
MAX_INT = 2**31 - 1  # INTEGER columns
MAX_BIGINT = 2**63 - 1  # BIGINT columns
UNLIMITED_WORDS = frozenset({"none", "unlimited"})
TIER_FIELDS = (
    "label_en",
    "label_fr",
    "monthly_price_cents",
    "currency",
    "daily_translation_limit",
    "monthly_character_limit",
    "requests_per_minute",
    "allowed_providers",
    "sort_order",
    "is_public",
)


class TierChanges(TypedDict, total=False):
    """The editable fields of a tier; a limit of ``None`` means unlimited."""

    label_en: str
    label_fr: str
    monthly_price_cents: int
    currency: str
    daily_translation_limit: int | None
    monthly_character_limit: int | None
    requests_per_minute: int | None
    allowed_providers: Sequence[str]
    sort_order: int
    is_public: bool


async def list_tiers(session: AsyncSession, *, public_only: bool = False) -> list[Tier]:
    query = select(Tier).order_by(Tier.sort_order, Tier.name)
    if public_only:
        query = query.where(Tier.is_public)
    return list((await session.scalars(query)).all())


async def get_tier(session: AsyncSession, name: str) -> Tier:
    wanted = name.strip().lower()
    tier = None
    if NAME_PATTERN.match(wanted):  # other text names no tier (and may not reach the database)
        tier = await session.scalar(select(Tier).where(Tier.name == wanted))
    if tier is None:
        names = ", ".join(t.name for t in await list_tiers(session))
        shown = repr(name.strip()) if len(name) <= 40 else "given"
        raise NotFound(f"no tier named {shown}; the tiers are: {names}")
    return tier


async def users_per_tier(session: AsyncSession) -> dict[str, int]:
    """How many users each tier has (by stored tier, expired subscriptions included)."""
    rows = await session.execute(select(User.tier, func.count()).group_by(User.tier))
    counts = {tier.name: 0 for tier in await list_tiers(session)}
    counts.update(dict(rows.all()))
    return counts


async def create_tier(
    session: AsyncSession, name: str, *, actor: Actor, **values: Unpack[TierChanges]
) -> Tier:
    """Add a tier; labels default to the name, allowed providers to the offline one."""
    name = validate_tier_name(name)
    clean = validate_tier_changes(values)
    await begin_if_idle(session)
    actor = await actor.authorize(session, admin=True)
    next_order = await session.scalar(select(func.coalesce(func.max(Tier.sort_order), -1) + 1))
    label = name.replace("_", " ").replace("-", " ").title()
    tier = Tier(
        name=name,
        label_en=label,
        label_fr=label,
        monthly_price_cents=0,
        currency="EUR",
        allowed_providers=[DEFAULT_PROVIDER],
        sort_order=next_order or 0,
        is_public=True,
    )
    for field, value in clean.items():
        setattr(tier, field, value)
    try:
        async with session.begin_nested():
            session.add(tier)
    except IntegrityError as error:
        if violates_unique(error, Tier, "uq_tiers_name"):
            raise AlreadyExists(f"a tier named {name!r} already exists") from error
        raise
    await record(
        session,
        actor=actor,
        action=AuditAction.TIER_CREATE,
        target_type=TargetType.TIER,
        target_id=name,
        after=snapshot(tier, TIER_FIELDS),
    )
    return tier


async def update_tier(
    session: AsyncSession, name: str, *, actor: Actor, **changes: Unpack[TierChanges]
) -> Tier:
    """Change some fields of a tier; the audit entry holds the changed fields only."""
    clean = validate_tier_changes(changes)
    await begin_if_idle(session)
    actor = await actor.authorize(session, admin=True)
    tier = await get_tier(session, name)
    before = snapshot(tier, TIER_FIELDS)
    for field, value in clean.items():
        setattr(tier, field, value)
    after = snapshot(tier, TIER_FIELDS)
    changed = [field for field in TIER_FIELDS if before[field] != after[field]]
    if changed:
        await session.flush()
        await record(
            session,
            actor=actor,
            action=AuditAction.TIER_UPDATE,
            target_type=TargetType.TIER,
            target_id=tier.name,
            before={field: before[field] for field in changed},
            after={field: after[field] for field in changed},
        )
    return tier


async def save_tier(
    session: AsyncSession, name: str, *, actor: Actor, **changes: Unpack[TierChanges]
) -> tuple[Tier, bool]:
    """Update the tier, or create it when there is none by that name; True when created."""
    name = validate_tier_name(name)
    await begin_if_idle(session)
    actor = await actor.authorize(session, admin=True)
    exists = await session.scalar(select(Tier.id).where(Tier.name == name))
    if exists is None:
        return await create_tier(session, name, actor=actor, **changes), True
    return await update_tier(session, name, actor=actor, **changes), False


async def delete_tier(session: AsyncSession, name: str, *, actor: Actor) -> None:
    await begin_if_idle(session)
    actor = await actor.authorize(session, admin=True)
    tier = await get_tier(session, name)
    if tier.name == DEFAULT_TIER:
        raise InvalidInput(
            f"the tier {DEFAULT_TIER!r} cannot be deleted: expired subscriptions fall back to it"
        )
    users = await session.scalar(select(func.count()).where(User.tier == tier.name)) or 0
    if users:
        raise InvalidInput(
            f"the tier {tier.name!r} cannot be deleted: {users} user(s) are on it; "
            "move them to another tier first"
        )
    before = snapshot(tier, TIER_FIELDS)
    await session.execute(delete(Tier).where(Tier.id == tier.id))
    session.expunge(tier)
    await record(
        session,
        actor=actor,
        action=AuditAction.TIER_DELETE,
        target_type=TargetType.TIER,
        target_id=tier.name,
        before=before,
    )


# --- validation and parsing --------------------------------------------------------------


def validate_tier_name(name: str) -> str:
    value = name.strip().lower() if isinstance(name, str) else ""
    if not NAME_PATTERN.match(value):
        raise InvalidInput(
            f"{name!r} is not a valid tier name; use 1 to 32 lower-case letters, digits, "
            "'-' or '_', starting with a letter or digit"
        )
    return value


def validate_tier_changes(changes: TierChanges | dict[str, Any]) -> dict[str, Any]:
    """The changes, checked and normalised; :class:`InvalidInput` lists every problem."""
    clean: dict[str, Any] = {}
    problems: list[str] = []
    for field, value in changes.items():
        try:
            clean[field] = _validate_field(field, value)
        except ValueError as error:
            problems.append(str(error))
    if problems:
        raise InvalidInput("invalid tier: " + "; ".join(problems), problems)
    return clean


def _validate_field(field: str, value: Any) -> Any:
    if field in ("label_en", "label_fr"):
        return _label(field, value)
    if field == "monthly_price_cents":
        return _whole(field, value, minimum=0, maximum=MAX_INT)
    if field == "currency":
        return _currency(value)
    if field in ("daily_translation_limit", "requests_per_minute"):
        minimum = 1 if field == "requests_per_minute" else 0
        return None if value is None else _whole(field, value, minimum=minimum, maximum=MAX_INT)
    if field == "monthly_character_limit":
        return None if value is None else _whole(field, value, minimum=0, maximum=MAX_BIGINT)
    if field == "allowed_providers":
        return validate_providers(value)
    if field == "sort_order":
        return _whole(field, value, minimum=-MAX_INT, maximum=MAX_INT)
    if field == "is_public":
        if not isinstance(value, bool):
            raise ValueError("is_public must be true or false")
        return value
    raise ValueError(f"{field!r} is not a tier field")


def _label(field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field} must be a non-empty text")
    text = value.strip()
    if len(text) > LABEL_LENGTH:
        raise ValueError(f"{field} must have at most {LABEL_LENGTH} characters")
    if not text.isprintable():
        raise ValueError(f"{field} must be printable text on one line")
    return text


def _whole(field: str, value: Any, *, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field} must be a whole number")
    if not minimum <= value <= maximum:
        raise ValueError(f"{field} must be between {minimum} and {maximum}")
    return value


def _currency(value: Any) -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValueError(
            f"currency must be a three-letter ISO 4217 code such as EUR, not {value!r}"
        )
    return code


def validate_providers(names: Any) -> list[str]:
    """Known provider names, without duplicates, in the canonical order."""
    if isinstance(names, str) or not isinstance(names, Sequence | set | frozenset):
        raise ValueError("allowed_providers must be a list of provider names")
    if not all(isinstance(name, str) for name in names):
        raise ValueError("allowed_providers must be a list of provider names")
    wanted = {name.strip().lower() for name in names}
    unknown = sorted(repr(name) for name in wanted - set(provider_names()))
    if unknown:
        raise ValueError(
            f"unknown provider(s) {', '.join(unknown)}; the providers are: "
            + ", ".join(provider_names())
        )
    return [name for name in provider_names() if name in wanted]


def parse_limit(text: str, option: str = "limit") -> int | None:
    """A limit as typed by a person: a whole number, or ``none``/``unlimited``."""
    value = text.strip().lower().replace("_", "")
    if value in UNLIMITED_WORDS:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > len(str(MAX_BIGINT)):
        raise InvalidInput(f"{option} must be a whole number or 'none' (unlimited), not {text!r}")
    return int(value)


def parse_price(text: str) -> int:
    """A price such as ``9.99`` in minor units (999); at most two decimals."""
    refused = InvalidInput(
        f"price must be an amount such as 9.99 (at most two decimals), not {text!r}"
    )
    try:
        amount = Decimal(text.strip())
        if not amount.is_finite() or not 0 <= amount <= Decimal(MAX_INT) / 100:
            raise refused
        if amount != amount.quantize(Decimal("0.01")):
            raise refused
    except InvalidOperation as error:
        raise refused from error
    return int(amount * 100)


def format_price(cents: int, currency: str) -> str:
    return f"{Decimal(cents) / 100:.2f} {currency}"


def format_limit(limit: int | None) -> str:
    return "unlimited" if limit is None else f"{limit:,}"
