"""Canonical segment texts (:mod:`workbench.inline`) as the engine handles them.

Files give canonical texts already; texts given directly (a DataFrame column, a list of
texts) are plain and are escaped on the way in (:func:`from_plain`) and read back on the
way out (:func:`to_plain`), so ``a < b & c`` comes back translated, never as ``&lt;``.

What is billed, counted against quotas and decides whether a segment is translated at
all is its prose (:func:`prose`), never its markup. Most segments hold no code: these
functions answer them without parsing, which keeps a 20,000-segment job's per-segment
work to a few string scans.
"""

from __future__ import annotations

from workbench import inline


def from_plain(text: str) -> str:
    """The canonical form of a text given directly (no codes)."""
    return inline.plain(text)


def to_plain(canonical: str) -> str:
    """The text of a translated plain segment (it has no codes)."""
    if "&" not in canonical and "<" not in canonical:
        return canonical
    return inline.text_of(canonical)


def prose(canonical: str) -> str:
    """The text alone, codes left out: what is billed and checked for letters."""
    if "<" not in canonical:
        return canonical if "&" not in canonical else inline.unescape(canonical)
    return inline.parse(canonical).prose


def readable(canonical: str) -> str:
    """The text as a person reads it: standalone codes shown by what they stand for,
    paired codes dropped. Reports and glossary QA look at this, never at the XML."""
    if "<" not in canonical:
        return canonical if "&" not in canonical else inline.unescape(canonical)
    return inline.parse(canonical).readable


def needs_translation(prose: str) -> bool:
    """Empty, blank and letterless texts (numbers, punctuation) are kept as they are."""
    return any(character.isalpha() for character in prose)
