"""Admin-editable settings kept in the database (DESIGN §4 ``settings``).

Environment settings (:mod:`workbench.config`) say where things are and hold secrets;
these say how the service behaves: the default provider and model, each provider's
price per million characters, the interface's default language. Until an admin stores
a value, the defaults below apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.db.models import Setting

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


@dataclass(frozen=True)
class Preferences:
    default_provider: str = "pseudo"
    default_model: str = ""
    currency: str = "EUR"
    ui_language: str = "en"
    prices: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_PRICES))

    def price_per_million(self, provider: str) -> float:
        return self.prices.get(provider, DEFAULT_PRICES.get(provider, 0.0))

    def cost(self, provider: str, characters: int) -> float:
        return round(characters * self.price_per_million(provider) / 1_000_000, 6)


_KEYS = ("default_provider", "default_model", "currency", "ui_language", "prices")


async def load(session: AsyncSession) -> Preferences:
    rows = await session.execute(select(Setting.key, Setting.value).where(Setting.key.in_(_KEYS)))
    stored: dict[str, Any] = {row.key: row.value for row in rows}
    defaults = Preferences()
    prices = {**defaults.prices, **stored.get("prices", {})}
    return Preferences(
        default_provider=stored.get("default_provider", defaults.default_provider),
        default_model=stored.get("default_model", defaults.default_model),
        currency=stored.get("currency", defaults.currency),
        ui_language=stored.get("ui_language", defaults.ui_language),
        prices={name: float(price) for name, price in prices.items()},
    )
