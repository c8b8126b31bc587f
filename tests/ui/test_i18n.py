"""Every visible string of the dashboards, the sign-in page and the API's reference page has its
French translation."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import workbench
from workbench.providers.registry import PROVIDERS
from workbench.ui.i18n import LOCALES, Texts, catalog

PACKAGE = Path(workbench.__file__).resolve().parent
MARKED_IN = ("ui", "server", "api")
KEYWORDS = {"_": None, "N_": None}


def marked_strings() -> dict[str, str]:
    """English source text → where it is first used, for every marked string.

    The providers' ``label``s count too: the dashboards show them translated.
    """
    found: dict[str, str] = {}
    for folder in MARKED_IN:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            PACKAGE / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            if isinstance(message, str):
                found.setdefault(message, f"{folder}/{filename}:{lineno}")
    for name, cls in PROVIDERS.items():
        found.setdefault(cls.label, f"the label of the provider {name}")
    return found


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_extraction_sees_the_marked_strings() -> None:
    strings = marked_strings()
    # strings marked in each kind of place: the header, the sign-in page, the page registry
    for expected in ("Sign out", "Wrong email or password.", "Tiers & pricing"):
        assert expected in strings
    assert "Pseudo-localisation (not a real translation)" in strings  # a provider's label
    assert len(strings) > 100


def test_every_marked_string_has_a_french_translation() -> None:
    french = catalog("fr")
    missing = [
        f"{where}: {text!r}" for text, where in marked_strings().items() if text not in french
    ]
    assert not missing, "no French for:\n" + "\n".join(sorted(missing))


def test_translations_keep_the_placeholders() -> None:
    french = catalog("fr")
    broken = [
        text for text in marked_strings() if text in french and fields(text) != fields(french[text])
    ]
    assert not broken


@pytest.mark.parametrize("path", sorted((LOCALES / "fr").glob("*.po")), ids=lambda p: p.name)
def test_catalog_files_are_clean(path: Path) -> None:
    with path.open("rb") as file:
        messages = [message for message in read_po(file, locale="fr") if message.id]
    assert messages
    assert not [message.id for message in messages if message.fuzzy or not message.string]


def test_catalogs_agree_where_they_overlap() -> None:
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for path in sorted((LOCALES / "fr").glob("*.po")):
        with path.open("rb") as file:
            for message in read_po(file, locale="fr"):
                if not message.id:
                    continue
                earlier = seen.setdefault(str(message.id), (str(message.string), path.name))
                if earlier[0] != message.string:
                    clashes.append(f"{message.id!r}: {earlier[1]} vs {path.name}")
    assert not clashes


def test_numbers_money_and_dates_follow_the_locale() -> None:
    import datetime as dt

    english, french = Texts("en"), Texts("fr")
    assert english.money(1234.5, "EUR") == "€1,234.50"
    assert re.fullmatch(r"1\s234,50\s€", french.money(1234.5, "EUR"))
    assert english.number(1234567) == "1,234,567"
    assert re.fullmatch(r"1\s234\s567", french.number(1234567))
    assert french.date(dt.date(2026, 3, 4)) == "4 mars 2026"
    assert french._("Page {page} of {pages}", page=2, pages=5) == "Page 2 sur 5"
