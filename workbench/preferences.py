"""Admin-editable settings kept in the database (DESIGN §4 ``settings``).

Environment settings (:mod:`workbench.config`) say where things are and hold secrets;
these say how the service behaves: the default provider and model, each provider's
price per million characters and number of concurrent requests, the currency, the
interface's default language. Until an admin stores a value, the defaults below apply.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts._transactions import begin_if_idle
from workbench.accounts.audit import Actor, AuditAction, TargetType, record
from workbench.db.base import utcnow
from workbench.db.models import MODEL_LENGTH, Language, Setting
from workbench.errors import InvalidInput
from workbench.providers.registry import provider_names

# What a provider costs by default, per million characters sent (list prices; admins
# set their own). Free and local providers cost nothing.
DEFAULT_PRICES: dict[str, float] = {
    "pseudo": 0.0,
    "google": 0.0,
    "google_cloud": 20.0,
    "deepl": 20.0,
    "openai": 5.0,
    "ollama": 0.0,
}

LANGUAGES = tuple(language.value for language in Language)
MIN_CONCURRENCY = 1
MAX_CONCURRENCY = 64


@dataclass(frozen=True)
class Preferences:
    default_provider: str = "pseudo"
    default_model: str = ""
    currency: str = "EUR"
    ui_language: str = "en"
    prices: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_PRICES))
    # Concurrent requests per provider, where an admin chose; others use the provider's
    # own ``default_concurrency``.
    concurrency: dict[str, int] = field(default_factory=dict)

    def price_per_million(self, provider: str) -> float:
        return self.prices.get(provider, DEFAULT_PRICES.get(provider, 0.0))

    def cost(self, provider: str, characters: int) -> float:
        return round(characters * self.price_per_million(provider) / 1_000_000, 6)

    def concurrency_for(self, provider: str, default: int) -> int:
        return self.concurrency.get(provider, default)


class PreferenceChanges(TypedDict, total=False):
    """What :func:`save` accepts; ``prices`` and ``concurrency`` name only what changes.

    A ``None`` concurrency returns that provider to its own default.
    """

    default_provider: str
    default_model: str
    currency: str
    ui_language: str
    prices: Mapping[str, float]
    concurrency: Mapping[str, int | None]


_KEYS = ("default_provider", "default_model", "currency", "ui_language", "prices", "concurrency")
_PER_PROVIDER = ("prices", "concurrency")
# The audit log's target for every change of these settings.
TARGET_ID = "preferences"


async def _stored(session: AsyncSession) -> dict[str, Any]:
    rows = await session.execute(select(Setting.key, Setting.value).where(Setting.key.in_(_KEYS)))
    return {row.key: row.value for row in rows}


def _from_stored(stored: Mapping[str, Any]) -> Preferences:
    defaults = Preferences()
    prices = {**defaults.prices, **stored.get("prices", {})}
    return Preferences(
        default_provider=stored.get("default_provider", defaults.default_provider),
        default_model=stored.get("default_model", defaults.default_model),
        currency=stored.get("currency", defaults.currency),
        ui_language=stored.get("ui_language", defaults.ui_language),
        prices={name: float(price) for name, price in prices.items()},
        concurrency={name: int(n) for name, n in stored.get("concurrency", {}).items()},
    )


async def load(session: AsyncSession) -> Preferences:
    return _from_stored(await _stored(session))


def validate(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes, cleaned; every problem found goes into one :class:`InvalidInput`."""
    problems: list[str] = []
    clean: dict[str, Any] = {}
    known = provider_names()
    for key in changes:
        if key not in _KEYS:
            problems.append(f"unknown setting {key!r}")
    if "default_provider" in changes:
        provider = str(changes["default_provider"]).strip()
        if provider in known:
            clean["default_provider"] = provider
        else:
            problems.append(f"unknown provider {provider!r} (choose one of {', '.join(known)})")
    if "default_model" in changes:
        model = str(changes["default_model"]).strip()
        if len(model) <= MODEL_LENGTH:
            clean["default_model"] = model
        else:
            problems.append(f"the model name is longer than {MODEL_LENGTH} characters")
    if "currency" in changes:
        currency = str(changes["currency"]).strip().upper()
        if len(currency) == 3 and currency.isascii() and currency.isalpha():
            clean["currency"] = currency
        else:
            problems.append(f"the currency must be a 3-letter code such as EUR, not {currency!r}")
    if "ui_language" in changes:
        language = str(changes["ui_language"]).strip().lower()
        if language in LANGUAGES:
            clean["ui_language"] = language
        else:
            problems.append(f"the interface language must be one of {', '.join(LANGUAGES)}")
    if "prices" in changes:
        prices: dict[str, float] = {}
        for name, price in dict(changes["prices"]).items():
            if name not in known:
                problems.append(f"unknown provider {name!r} in prices")
            elif not _is_number(price) or not math.isfinite(price) or price < 0:
                problems.append(f"the price of {name} must be a number ≥ 0, not {price!r}")
            else:
                prices[name] = float(price)
        clean["prices"] = prices
    if "concurrency" in changes:
        concurrency: dict[str, int | None] = {}
        for name, value in dict(changes["concurrency"]).items():
            if name not in known:
                problems.append(f"unknown provider {name!r} in concurrency")
            elif value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not MIN_CONCURRENCY <= value <= MAX_CONCURRENCY
            ):
                problems.append(
                    f"the concurrency of {name} must be a whole number from "
                    f"{MIN_CONCURRENCY} to {MAX_CONCURRENCY}, not {value!r}"
                )
            else:
                concurrency[name] = value
        clean["concurrency"] = concurrency
    if problems:
        raise InvalidInput("invalid settings: " + "; ".join(problems), problems)
    return clean


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


async def save(session: AsyncSession, changes: PreferenceChanges, *, actor: Actor) -> Preferences:
    """Validate and store ``changes``; the audit entry holds what changed, before and after.

    Joins the caller's transaction when one is open (the caller commits), like the
    account services. Nothing is written when nothing changes.
    """
    clean = validate(changes)
    await begin_if_idle(session)
    actor = await actor.authorize(session, admin=True)
    stored = await _stored(session)
    current = _from_stored(stored)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    new_values: dict[str, Any] = {}
    for key, value in clean.items():
        if key in _PER_PROVIDER:
            old: dict[str, Any] = getattr(current, key)
            merged = dict(stored.get(key, {}))
            for name, item in value.items():
                if item is None:
                    merged.pop(name, None)
                elif name in merged or item != old.get(name):
                    # A value that only restates a default is not stored: the default
                    # may change later.
                    merged[name] = item
            new = _from_stored({**stored, key: merged})
            new_map: dict[str, Any] = getattr(new, key)
            changed = sorted(
                name for name in old.keys() | new_map.keys() if old.get(name) != new_map.get(name)
            )
            if changed:
                before[key] = {name: old.get(name) for name in changed}
                after[key] = {name: new_map.get(name) for name in changed}
                new_values[key] = merged
        elif getattr(current, key) != value:
            before[key], after[key] = getattr(current, key), value
            new_values[key] = value
    if not new_values:
        return current
    await _upsert(session, new_values, actor)
    await record(
        session,
        actor=actor,
        action=AuditAction.SETTINGS_UPDATE,
        target_type=TargetType.SETTINGS,
        target_id=TARGET_ID,
        before=before,
        after=after,
    )
    return _from_stored({**stored, **new_values})


async def _upsert(session: AsyncSession, values: Mapping[str, Any], actor: Actor) -> None:
    now = utcnow()
    rows = [
        {"key": key, "value": value, "updated_at": now, "updated_by": actor.id}
        for key, value in values.items()
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Setting).values(rows)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[Setting.key],
            set_={
                "value": statement.excluded.value,
                "updated_at": statement.excluded.updated_at,
                "updated_by": statement.excluded.updated_by,
            },
        )
    )
