"""Terminology QA: which translated segments miss the target of a glossary term.

For every segment whose source contains a glossary term, the term's target must appear
in the translation. Finding terms (and targets) is the providers' shared
:class:`~workbench.providers.terms.TermMatcher`, whose module states the rules (case,
word boundaries, unspaced scripts, markup, longest match), so QA reports exactly the
occurrences glossary enforcement acted on. This module adapts what QA is given (terms,
loose ``(source, target[, case_sensitive])`` tuples, a glossary's entries frame) to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.glossary.rules import Column
from workbench.providers import terms as shared
from workbench.providers.terms import GlossaryTerm

if TYPE_CHECKING:  # imported where used: pandas costs ~0.3 s of a dashboard's first paint
    import pandas as pd

Term = GlossaryTerm  # QA's older name for a glossary term, kept for its callers
TermLike = GlossaryTerm | tuple[str, str] | tuple[str, str, bool]


@dataclass(frozen=True)
class Violation:
    """A segment whose source has ``term`` but whose translation lacks ``expected``."""

    segment: int  # index of the segment in the checked sequence
    source: str
    translation: str
    term: str
    expected: str


VIOLATION_COLUMNS = ("segment", "source", "translation", "term", "expected")


class TermMatcher(shared.TermMatcher):
    """The shared matcher, built from terms or ``(source, target[, case_sensitive])``
    tuples; a tuple with a blank side is no term and is left out."""

    def __init__(self, terms: Iterable[TermLike]) -> None:
        super().__init__(
            term if isinstance(term, GlossaryTerm) else GlossaryTerm(*term)
            for term in terms
            if isinstance(term, GlossaryTerm) or (term[0].strip() and term[1].strip())
        )

    @classmethod
    def from_frame(cls, entries: pd.DataFrame) -> TermMatcher:
        """From a frame with source_term, target_term and (optionally) case_sensitive."""
        flags = (
            entries[Column.CASE_SENSITIVE].astype(bool).tolist()
            if Column.CASE_SENSITIVE in entries
            else [False] * len(entries)
        )
        return cls(
            zip(
                entries[Column.SOURCE_TERM].astype(str).tolist(),
                entries[Column.TARGET_TERM].astype(str).tolist(),
                flags,
                strict=True,
            )
        )


def check(
    pairs: Iterable[tuple[str, str | None]],
    terms: shared.TermMatcher | Iterable[TermLike],
) -> list[Violation]:
    """Every (segment, term) where the source has the term and the translation lacks its target.

    ``pairs`` are (source, translation); a missing translation (None) lacks every target.
    ``terms`` may be any matcher, such as a ``GlossarySpec``'s, compiled already.
    """
    matcher = terms if isinstance(terms, shared.TermMatcher) else TermMatcher(terms)
    violations = []
    for index, (source, translation) in enumerate(pairs):
        translated = translation or ""
        for term in matcher.terms_in(source):
            if not matcher.has_target(term, translated):
                violations.append(Violation(index, source, translated, term.source, term.target))
    return violations


def violations_frame(violations: Sequence[Violation]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        [
            (item.segment, item.source, item.translation, item.term, item.expected)
            for item in violations
        ],
        columns=list(VIOLATION_COLUMNS),
    )


def check_frame(
    frame: pd.DataFrame,
    terms: shared.TermMatcher | Iterable[TermLike] | pd.DataFrame,
    *,
    source: str = "source",
    translation: str = "translation",
) -> pd.DataFrame:
    """:func:`check` over two columns of ``frame``; ``segment`` is the frame's index label.

    ``terms`` may be a glossary's entries frame (``entries_frame`` or ``to_frame``).
    """
    import pandas as pd

    if isinstance(terms, pd.DataFrame):
        terms = TermMatcher.from_frame(terms)
    labels = frame.index.tolist()
    pairs = zip(
        frame[source].fillna("").astype(str).tolist(),
        frame[translation].where(frame[translation].notna(), None).tolist(),
        strict=True,
    )
    found = check(pairs, terms)
    result = violations_frame(found)
    result["segment"] = [labels[item.segment] for item in found]
    return result
