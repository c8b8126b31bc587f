"""English and French for every visible string, and locale-aware numbers, money and dates.

Source strings are English, marked in code with ``texts._("…")`` (or ``N_("…")`` where a
string is named before any language is known). French lives in gettext catalogs under
``locales/fr/``, one per page, read with Babel; ``tests/ui/test_i18n.py`` extracts every
marked string from the code and fails when one has no French. Placeholders use
``str.format`` names: ``texts._("{n} users", n=3)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent

LANGUAGES = ("en", "fr")  # those with catalogs here; the accounts' Language enum agrees
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}  # each in its own language
DEFAULT_LANGUAGE = "en"
LOCALES = Path(__file__).resolve().parent / "locales"


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs without translating it yet."""
    return message


def language_or_default(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@lru_cache
def catalog(lang: str) -> dict[str, str]:
    """Every translated message of ``lang``: English source text → text in ``lang``."""
    messages: dict[str, str] = {}
    for path in sorted((LOCALES / lang).glob("*.po")):
        with path.open("rb") as file:
            for message in read_po(file, locale=lang):
                if message.id and message.string and not message.fuzzy:
                    messages[str(message.id)] = str(message.string)
    return messages


@dataclass(frozen=True)
class Texts:
    """The strings and formats of one interface language."""

    lang: str = DEFAULT_LANGUAGE

    def _(self, message: str, **values: object) -> str:
        text = catalog(self.lang).get(message, message) if self.lang != "en" else message
        return text.format(**values) if values else text

    def number(self, value: int | float | Decimal, digits: int | None = None) -> str:
        if digits is None:
            return format_decimal(value, locale=self.lang)
        pattern = "#,##0." + "0" * digits if digits else "#,##0"
        return format_decimal(value, format=pattern, locale=self.lang)

    def money(self, amount: float | Decimal, currency: str) -> str:
        return format_currency(amount, currency, locale=self.lang)

    def percent(self, fraction: float) -> str:
        return format_percent(fraction, locale=self.lang)

    def date(self, value: dt.date, form: str = "medium") -> str:
        return format_date(value, format=form, locale=self.lang)

    def datetime(self, value: dt.datetime, form: str = "short") -> str:
        return format_datetime(value, format=form, locale=self.lang)

    def when(self, value: dt.datetime | None) -> str:
        """A timestamp for tables, or a dash when there is none."""
        return self.datetime(value) if value is not None else "–"
