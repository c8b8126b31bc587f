"""A job's QA report: what a person should look at in a translation, one row each.

A row says which check found it, where (the file and the place in it), the source and
the translation as a person reads them (standalone codes shown by what they stand for,
never the canonical XML) and the problem:

- **glossary term missing**: the source has a glossary term and the translation lacks its
  target (the glossary's QA, :mod:`workbench.glossary.qa`, run on readable text);
- **codes repaired**: the provider could not keep the segment's codes (markup,
  placeholders), so its texts between codes were translated one by one; the file is
  whole, but the sentence was translated in pieces;
- **left untranslated**: a part a format did not translate, and why (a file's notes,
  such as a column problem or a part kept as it is).

The rows are stored with the job (``TranslationJob.qa_report``, as dicts) and written as
CSV (:func:`to_csv`) with spreadsheet formulas neutralised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from workbench.batch.segments import readable
from workbench.formulas import neutralise
from workbench.glossary import qa
from workbench.providers.terms import TermMatcher


class Check(StrEnum):
    GLOSSARY = "glossary term missing"
    CODES = "codes repaired"
    UNTRANSLATED = "left untranslated"


COLUMNS = ("check", "where", "source", "translation", "problem")


@dataclass(frozen=True)
class Row:
    check: Check
    where: str
    source: str
    translation: str
    problem: str

    def to_json(self) -> dict[str, str]:
        return {**asdict(self), "check": self.check.value}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Row:
        if "check" not in data:  # stored by glossary QA before this report existed
            return cls(
                Check.GLOSSARY,
                "",
                str(data.get("source", "")),
                str(data.get("translation", "")),
                _missing(str(data.get("term", "")), str(data.get("expected", ""))),
            )
        return cls(
            Check(data["check"]),
            data["where"],
            data["source"],
            data["translation"],
            data["problem"],
        )


@dataclass(frozen=True)
class Note:
    """A file's note (:attr:`Document.notes`): a part left untranslated, and why."""

    file: str
    text: str

    def __str__(self) -> str:
        return f"{self.file}: {self.text}"

    def to_json(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Note:
        return cls(str(data["file"]), str(data["text"]))


@dataclass(frozen=True, slots=True)
class Outcome:
    """One place a segment was translated, as the report sees it (texts canonical)."""

    where: str
    source: str
    translation: str | None
    code_issue: str | None = None


def build(
    outcomes: Iterable[Outcome], notes: Sequence[Note], matcher: TermMatcher | None
) -> list[Row]:
    """The report's rows: the files' notes, then each place's codes and glossary rows."""
    rows = [Row(Check.UNTRANSLATED, note.file, "", "", note.text) for note in notes]
    seen: dict[str, str] = {}

    def shown(canonical: str) -> str:
        if canonical not in seen:
            seen[canonical] = readable(canonical)
        return seen[canonical]

    for outcome in outcomes:
        source = shown(outcome.source)
        translation = shown(outcome.translation) if outcome.translation is not None else ""
        if outcome.code_issue:
            rows.append(Row(Check.CODES, outcome.where, source, translation, outcome.code_issue))
        if matcher is not None:
            for violation in qa.check([(source, translation)], matcher):
                problem = _missing(violation.term, violation.expected)
                rows.append(Row(Check.GLOSSARY, outcome.where, source, translation, problem))
    return rows


def to_csv(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """A job's report (its rows as stored) as CSV a spreadsheet opens safely.

    UTF-8 with a byte order mark, as Excel needs; a cell a spreadsheet would run as a
    formula (a provider's reply may be one) is neutralised.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for stored in rows:
        row = Row.from_json(stored).to_json()
        writer.writerow([neutralise(row[name]) for name in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def _missing(term: str, expected: str) -> str:
    return f"“{expected}” is missing (the glossary's target for “{term}”)"
