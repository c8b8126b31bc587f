"""What a glossary may contain: its columns, limits, and the rules for one cell.

Reading, validation and export share these so that what we write is exactly what we
accept back.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

from workbench.providers.languages import parse_tag


class Column(StrEnum):
    SOURCE_TERM = "source_term"
    TARGET_TERM = "target_term"
    SOURCE_LANG = "source_lang"
    TARGET_LANG = "target_lang"
    CASE_SENSITIVE = "case_sensitive"
    NOTE = "note"


COLUMNS: Final = tuple(Column)
REQUIRED_COLUMNS: Final = (Column.SOURCE_TERM, Column.TARGET_TERM)
TEXT_COLUMNS: Final = (Column.SOURCE_TERM, Column.TARGET_TERM, Column.NOTE)
LANG_COLUMNS: Final = (Column.SOURCE_LANG, Column.TARGET_LANG)
# DeepL's header-less CSV: source and target, optionally followed by both languages.
HEADERLESS_COLUMNS: Final = {
    2: (Column.SOURCE_TERM, Column.TARGET_TERM),
    4: (Column.SOURCE_TERM, Column.TARGET_TERM, Column.SOURCE_LANG, Column.TARGET_LANG),
}

# DeepL's limit for a term, which we adopt so every glossary can be copied there.
MAX_TERM_BYTES: Final = 1024
MAX_NOTE_CHARS: Final = 4000
MAX_NAME_CHARS: Final = 200
MAX_FILE_BYTES: Final = 32 * 1024 * 1024
MAX_ENTRIES: Final = 250_000
# Beyond this many, a list of problems helps nobody: the file is the wrong kind.
MAX_REPORTED_PROBLEMS: Final = 200

TRUE_WORDS: Final = frozenset({"true", "1", "yes"})
FALSE_WORDS: Final = frozenset({"false", "0", "no", ""})

# C0 controls except tab, line feed and carriage return; DEL; and the two code points
# XML (so XLSX) cannot carry at all.
CONTROL_CHARACTERS: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
LINE_BREAKS: Final = re.compile("\r\n?")

LANG_LENGTH: Final = 16


def normalise_lang(value: str) -> str | None:
    """A language code in one spelling (``en``, ``pt-BR``, ``zh-Hans``, ``sr-Latn`` for
    ``sr@latin``), or None if malformed.

    Codes are compared and checksummed case-insensitively; this spelling is for people.
    """
    value = value.strip()
    tag = parse_tag(value) if len(value) <= LANG_LENGTH else None
    return tag.bcp47 if tag else None


def shown(text: str, limit: int = 40) -> str:
    """A term quoted for a message, shortened so a 10 MB cell does not flood the screen."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)
