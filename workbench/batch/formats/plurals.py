"""A language's plural categories (CLDR, through Babel), for messages that choose by number.

CLDR names the categories ``zero``, ``one``, ``two``, ``few``, ``many`` and ``other``;
Polish uses one/few/many/other, Japanese only other. Cardinal rules serve ``plural``,
ordinal rules ``selectordinal`` (1st, 2nd…).
"""

from __future__ import annotations

from functools import cache

from babel import Locale, UnknownLocaleError

#: CLDR's order, the order a catalog lists them in.
ORDER = ("zero", "one", "two", "few", "many", "other")


@cache
def categories(language: str, *, ordinal: bool = False) -> tuple[str, ...] | None:
    """The categories of ``language`` (a BCP 47 or gettext code) in CLDR order, or ``None``
    when CLDR does not know the language."""
    locale = _locale(language)
    if locale is None:
        return None
    rule = locale.ordinal_form if ordinal else locale.plural_form
    return tuple(name for name in ORDER if name in rule.tags or name == "other")


def _locale(language: str) -> Locale | None:
    code = language.strip().replace("-", "_")
    for candidate in (code, code.split("@")[0], code.split("_")[0]):
        if not candidate:
            continue
        try:
            return Locale.parse(candidate)
        except (ValueError, UnknownLocaleError):
            continue
    return None
