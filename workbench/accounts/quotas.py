"""Quotas: daily translations and monthly characters, exact under concurrency.

Each counter carries the period it belongs to (``daily_count_date``, ``monthly_count_month``):
the first use in a new day or month starts again from 0, so no job resets anything at
midnight. A day and a month are those of the quota time zone (``WORKBENCH_QUOTA_TIMEZONE``,
UTC by default).

Taking from the allowance is one ``UPDATE … WHERE <count after> <= <limit> RETURNING``
statement: the database admits or refuses it atomically, so concurrent workers can never
overshoot a limit between a read and a write. Unlimited tiers (limit ``None``) still count.

A batch first :func:`reserve`s what it may use, then :func:`settle`s with what it actually
used; the rest goes back to the user, in the period it was taken from. :func:`consume`
is the one-step form. Usage is recorded in ``usage_events`` when it is final.

Every function takes ``now`` (and ``zone``) so tests and replays choose the clock. The
statements go straight to the session's connection (:func:`workbench.db.core`): they
return plain rows and leave any loaded ``User`` as it was, so reload it to see counters.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, case, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts._transactions import begin_if_idle
from workbench.accounts.subscriptions import current_subscription
from workbench.config import get_settings
from workbench.db import core
from workbench.db.base import utcnow
from workbench.db.models import MODEL_LENGTH, Tier, UsageEvent, User
from workbench.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
    ProviderNotAllowed,
    QuotaExceeded,
)
from workbench.providers.registry import provider_names

MAX_TRANSLATIONS = 2**31 - 1  # the INTEGER counter
MAX_CHARACTERS = 2**53  # far beyond any month, well inside the BIGINT counter
# A refused update is re-read to explain it; if meanwhile a refund made room, try again.
_ATTEMPTS = 3


@dataclass(frozen=True)
class Allowance:
    """Where a user stands: what is used and what the tier allows (``None``: unlimited)."""

    tier: str
    translations_used: int
    translation_limit: int | None
    characters_used: int
    character_limit: int | None
    day: date
    month: date
    day_resets_at: datetime
    month_resets_at: datetime

    @property
    def translations_left(self) -> int | None:
        if self.translation_limit is None:
            return None
        return max(0, self.translation_limit - self.translations_used)

    @property
    def characters_left(self) -> int | None:
        if self.character_limit is None:
            return None
        return max(0, self.character_limit - self.characters_used)


@dataclass
class Reservation:
    """Translations and characters taken ahead of a batch, to be settled exactly once.

    ``day`` and ``month`` are the periods they were taken from: a refund after midnight
    gives nothing back to the new day, which started from 0 anyway.
    """

    user_id: uuid.UUID
    provider: str
    model: str
    translations: int
    characters: int
    day: date
    month: date
    job_id: uuid.UUID | None = None
    allowance: Allowance | None = field(default=None, compare=False)
    settled: bool = False


def quota_zone() -> tzinfo:
    return get_settings().quota_zone


def quota_day(now: datetime, zone: tzinfo) -> date:
    return now.astimezone(zone).date()


def quota_month(now: datetime, zone: tzinfo) -> date:
    return quota_day(now, zone).replace(day=1)


def day_resets_at(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def month_resets_at(month: date, zone: tzinfo) -> datetime:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return datetime.combine(following, time(0), tzinfo=zone).astimezone(UTC)


def check_provider_allowed(tier: Tier, provider: str) -> None:
    if provider not in provider_names():
        raise InvalidInput(
            f"unknown provider {provider!r}; the providers are: {', '.join(provider_names())}"
        )
    if provider not in tier.allowed_providers:
        allowed = ", ".join(tier.allowed_providers) or "none"
        raise ProviderNotAllowed(
            f"the {tier.name} tier does not include the provider {provider}; it includes: {allowed}"
        )


async def consume(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    provider: str,
    translations: int = 0,
    characters: int = 0,
    model: str = "",
    job_id: uuid.UUID | None = None,
    now: datetime | None = None,
    zone: tzinfo | None = None,
) -> Allowance:
    """Take ``translations`` and ``characters`` now and record the usage; the caller commits.

    Raises :class:`QuotaExceeded` (nothing taken), :class:`ProviderNotAllowed`,
    :class:`PermissionDenied` for a deactivated user, :class:`NotFound`.
    """
    now, zone = now or utcnow(), zone or quota_zone()
    allowance = await _take(session, user_id, provider, model, translations, characters, now, zone)
    await _record_usage(session, user_id, provider, model, translations, characters, job_id, now)
    return allowance


async def reserve(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    provider: str,
    translations: int = 0,
    characters: int = 0,
    model: str = "",
    job_id: uuid.UUID | None = None,
    now: datetime | None = None,
    zone: tzinfo | None = None,
) -> Reservation:
    """Take what a batch may use, before it runs; commit, run, then :func:`settle`."""
    now, zone = now or utcnow(), zone or quota_zone()
    allowance = await _take(session, user_id, provider, model, translations, characters, now, zone)
    return Reservation(
        user_id=user_id,
        provider=provider,
        model=model,
        translations=translations,
        characters=characters,
        day=allowance.day,
        month=allowance.month,
        job_id=job_id,
        allowance=allowance,
    )


async def settle(
    session: AsyncSession,
    reservation: Reservation,
    *,
    translations: int,
    characters: int,
    now: datetime | None = None,
) -> None:
    """Record what was used (at most what was reserved) and give back the rest."""
    if reservation.settled:
        raise InvalidInput("this reservation has already been settled")
    for name, used, reserved in (
        ("translations", translations, reservation.translations),
        ("characters", characters, reservation.characters),
    ):
        _check_amount(name, used)
        if used > reserved:
            raise InvalidInput(
                f"{used} {name} used but only {reserved} reserved; reserve more before using more"
            )
    await begin_if_idle(session)
    unused_translations = reservation.translations - translations
    unused_characters = reservation.characters - characters
    if unused_translations or unused_characters:
        await core(session, _give_back(reservation, unused_translations, unused_characters))
    await _record_usage(
        session,
        reservation.user_id,
        reservation.provider,
        reservation.model,
        translations,
        characters,
        reservation.job_id,
        now or utcnow(),
    )
    reservation.settled = True


async def refund(session: AsyncSession, reservation: Reservation) -> None:
    """Give the whole reservation back (the batch did not run)."""
    await settle(session, reservation, translations=0, characters=0)


async def get_allowance(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    now: datetime | None = None,
    zone: tzinfo | None = None,
) -> Allowance:
    """The user's standing at ``now``, without taking anything."""
    now, zone = now or utcnow(), zone or quota_zone()
    tier = (await current_subscription(session, user_id, now)).tier
    counters = await _counters(session, user_id)
    return _allowance(tier, counters, quota_day(now, zone), quota_month(now, zone), zone)


# --- the statements ----------------------------------------------------------------------


def _count_in(count: Any, period: Any, current: date) -> Any:
    """The stored count if it belongs to ``current`` (or, on a lagging clock, later), else 0."""
    return case((period >= current, count), else_=0)


def _latest(period: Any, current: date) -> Any:
    # A worker whose clock lags must not move the period back and restart it from 0.
    return case((period > current, period), else_=current)


def _take_statement(
    user_id: uuid.UUID,
    day: date,
    month: date,
    translations: int,
    characters: int,
    tier: Tier,
) -> Any:
    day_count = _count_in(User.daily_translation_count, User.daily_count_date, day)
    month_count = _count_in(User.monthly_character_count, User.monthly_count_month, month)
    values: dict[str, Any] = {}
    conditions = [User.id == user_id]
    if translations:
        values["daily_translation_count"] = day_count + translations
        values["daily_count_date"] = _latest(User.daily_count_date, day)
        if tier.daily_translation_limit is not None:
            conditions.append(day_count + translations <= tier.daily_translation_limit)
    if characters:
        values["monthly_character_count"] = month_count + characters
        values["monthly_count_month"] = _latest(User.monthly_count_month, month)
        if tier.monthly_character_limit is not None:
            conditions.append(month_count + characters <= tier.monthly_character_limit)
    return update(User).where(*conditions).values(values).returning(*_COUNTER_COLUMNS)


def _give_back(reservation: Reservation, translations: int, characters: int) -> Any:
    values: dict[str, Any] = {}
    if translations:
        values["daily_translation_count"] = _minus(
            User.daily_translation_count, User.daily_count_date, reservation.day, translations
        )
    if characters:
        values["monthly_character_count"] = _minus(
            User.monthly_character_count, User.monthly_count_month, reservation.month, characters
        )
    return update(User).where(User.id == reservation.user_id).values(values)


def _minus(count: Any, period: Any, reserved_in: date, amount: int) -> Any:
    """``count - amount`` in the period it was taken from, never below 0; else unchanged."""
    return case(
        (and_(period == reserved_in, count >= amount), count - amount),
        (period == reserved_in, 0),
        else_=count,
    )


_COUNTER_COLUMNS = (
    User.daily_translation_count,
    User.daily_count_date,
    User.monthly_character_count,
    User.monthly_count_month,
)
_Counters = tuple[int, date | None, int, date | None]


async def _take(
    session: AsyncSession,
    user_id: uuid.UUID,
    provider: str,
    model: str,
    translations: int,
    characters: int,
    now: datetime,
    zone: tzinfo,
) -> Allowance:
    _check_amount("translations", translations)
    _check_amount("characters", characters)
    if len(model) > MODEL_LENGTH or not model.isprintable():
        raise InvalidInput(f"the model name must be at most {MODEL_LENGTH} printable characters")
    await begin_if_idle(session)
    subscription = await current_subscription(session, user_id, now)
    tier = subscription.tier
    if not subscription.is_active:
        raise PermissionDenied("this account is deactivated; ask an admin to activate it")
    check_provider_allowed(tier, provider)
    day, month = quota_day(now, zone), quota_month(now, zone)
    if not translations and not characters:
        return _allowance(tier, await _counters(session, user_id), day, month, zone)
    for _ in range(_ATTEMPTS):
        taken = (
            await core(
                session, _take_statement(user_id, day, month, translations, characters, tier)
            )
        ).one_or_none()
        if taken is not None:
            return _allowance(tier, tuple(taken), day, month, zone)
        allowance = _allowance(tier, await _counters(session, user_id), day, month, zone)
        _raise_if_exceeded(allowance, translations, characters)
    raise QuotaExceeded("the quota is too contended right now; try again in a moment")


async def _counters(session: AsyncSession, user_id: uuid.UUID) -> _Counters:
    row = (await session.execute(select(*_COUNTER_COLUMNS).where(User.id == user_id))).one_or_none()
    if row is None:
        raise NotFound(f"no user with the id {user_id}")
    day_count, count_day, month_count, count_month = row
    return day_count, count_day, month_count, count_month


def _allowance(tier: Tier, counters: _Counters, day: date, month: date, zone: tzinfo) -> Allowance:
    day_count, count_day, month_count, count_month = counters
    return Allowance(
        tier=tier.name,
        translations_used=day_count if count_day is not None and count_day >= day else 0,
        translation_limit=tier.daily_translation_limit,
        characters_used=month_count if count_month is not None and count_month >= month else 0,
        character_limit=tier.monthly_character_limit,
        day=day,
        month=month,
        day_resets_at=day_resets_at(day, zone),
        month_resets_at=month_resets_at(month, zone),
    )


def _raise_if_exceeded(allowance: Allowance, translations: int, characters: int) -> None:
    limit = allowance.translation_limit
    if translations and limit is not None and allowance.translations_used + translations > limit:
        raise QuotaExceeded(
            f"daily translation limit of the {allowance.tier} tier reached: "
            f"{allowance.translations_used} of {limit} used, {translations} more asked; "
            f"it resets at {_when(allowance.day_resets_at)}"
        )
    limit = allowance.character_limit
    if characters and limit is not None and allowance.characters_used + characters > limit:
        raise QuotaExceeded(
            f"monthly character limit of the {allowance.tier} tier reached: "
            f"{allowance.characters_used:,} of {limit:,} used, {characters:,} more asked; "
            f"it resets at {_when(allowance.month_resets_at)}"
        )


def _when(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M UTC")


def _check_amount(name: str, amount: int) -> None:
    maximum = MAX_TRANSLATIONS if name == "translations" else MAX_CHARACTERS
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= maximum:
        raise InvalidInput(f"{name} must be a whole number between 0 and {maximum}, not {amount!r}")


async def _record_usage(
    session: AsyncSession,
    user_id: uuid.UUID,
    provider: str,
    model: str,
    translations: int,
    characters: int,
    job_id: uuid.UUID | None,
    now: datetime,
) -> None:
    if not translations and not characters:
        return
    await core(
        session,
        insert(UsageEvent).values(
            id=uuid.uuid4(),
            user_id=user_id,
            job_id=job_id,
            provider=provider,
            model=model,
            characters=characters,
            translations=translations,
            created_at=now,
        ),
    )
