"""Checking every cell of a glossary input and turning it into clean entries.

Every problem of every row is collected before anything is reported: a person fixes
their file once, not once per error. The checks go column by column and stay cheap on a
100k-row file: one search of a column's joined text tells whether any cell needs a
closer look (usually none does), and repeated source terms are found by pandas' hashing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.formulas import ESCAPED_CELL
from workbench.glossary.problems import Problems
from workbench.glossary.reading import RawTable, header_name
from workbench.glossary.rules import (
    COLUMNS,
    CONTROL_CHARACTERS,
    FALSE_WORDS,
    LANG_COLUMNS,
    LINE_BREAKS,
    MAX_ENTRIES,
    MAX_NOTE_CHARS,
    MAX_TERM_BYTES,
    TEXT_COLUMNS,
    TRUE_WORDS,
    Column,
    normalise_lang,
    shown,
)

if TYPE_CHECKING:  # imported where used: pandas and numpy cost ~0.3 s of a dashboard's first paint
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from workbench.glossary.reading import Places

ENTRY_COLUMNS: tuple[str, ...] = (
    Column.SOURCE_TERM.value,
    Column.TARGET_TERM.value,
    Column.CASE_SENSITIVE.value,
    Column.NOTE.value,
)
_FLAG_WORDS = TRUE_WORDS | FALSE_WORDS
# UTF-8 needs at most 4 bytes a character, so shorter texts need no encoding to check.
_SURELY_SHORT = MAX_TERM_BYTES // 4
# A cell (or a line inside one: a false alarm the exact check then clears) starting with
# a formula sign or an escape apostrophe, searched in "\n" + "\n".join(cells): a pattern
# starting with a literal is scanned for fast.
_CELL_START = re.compile("\n['=]")


@dataclass(frozen=True)
class ValidGlossary:
    """Entries that passed every check, in input order, and the language pair found."""

    entries: pd.DataFrame  # ENTRY_COLUMNS; str, str, bool, str; a RangeIndex
    places: Places  # where each entry was in the input
    source_lang: str | None
    target_lang: str | None
    source: str  # the input's name, for messages
    collapsed: int  # identical repeated rows that were kept once
    provided: frozenset[Column]  # the columns the input had (a merge keeps the others)

    def __len__(self) -> int:
        return len(self.entries)


def requested_lang(value: str | None, role: str) -> str | None:
    """A language given by a caller, normalised; InvalidInput if it is no language code."""
    if value is None or not value.strip():
        return None
    code = normalise_lang(value)
    if code is None:
        Problems("the request").fail(
            None, f"the {role} language {shown(value)} is not a language code such as en or pt-BR"
        )
    return code


def validate(
    table: RawTable, *, source_lang: str | None = None, target_lang: str | None = None
) -> ValidGlossary:
    """Check ``table``; raise InvalidInput with every problem, or return clean entries.

    ``source_lang``/``target_lang``, when given, are what every row's languages must match.
    """
    import pandas as pd

    check = _Check(table)
    text = {
        column: check.text(column) if column in table.cells else [""] * check.count
        for column in TEXT_COLUMNS
    }
    flags = check.flags()
    pair = check.language_pair(source_lang, target_lang)
    entries = pd.DataFrame(
        dict(
            zip(
                ENTRY_COLUMNS,
                (text[Column.SOURCE_TERM], text[Column.TARGET_TERM], flags, text[Column.NOTE]),
                strict=True,
            )
        )
    )
    repeated = check.duplicates(entries)
    problems = table.problems
    problems.raise_if_any()
    keep = ~repeated
    entries = entries.loc[keep].reset_index(drop=True)
    if len(entries) > MAX_ENTRIES:
        problems.fail(
            None, f"{len(entries):,} entries; the limit is {MAX_ENTRIES:,} (split the glossary)"
        )
    if entries.empty:
        problems.fail(None, "there are no entries")
    return ValidGlossary(
        entries=entries,
        places=table.places[keep],
        source_lang=pair[0],
        target_lang=pair[1],
        source=problems.source,
        collapsed=int(repeated.sum()),
        provided=frozenset(Column(column) for column in table.cells.columns),
    )


class _Check:
    """The checks of one table, over plain lists of str.

    pandas' string methods call Python once per cell anyway (its str dtype is not
    vectorised without pyarrow), with more overhead than a list comprehension.
    """

    def __init__(self, table: RawTable) -> None:
        import numpy as np

        self.table = table
        self.problems = table.problems
        self.count = len(table.cells)
        self.bad = np.zeros(self.count, dtype=bool)  # rows with a problem already

    def add(self, row: int, message: str) -> None:
        self.problems.add(int(self.table.places[row]), message)
        self.bad[row] = True

    def text(self, column: Column) -> list[str]:
        import numpy as np

        raw: list[str] = self.table.cells[column].tolist()
        joined = "\n".join(raw)
        if CONTROL_CHARACTERS.search(joined):
            for row, cell in enumerate(raw):
                found = CONTROL_CHARACTERS.search(cell)
                if found:
                    code = ord(found.group())
                    self.add(row, f"{column} contains the control character U+{code:04X}")
        values = [cell.strip() for cell in raw]
        if self.table.spreadsheet and _CELL_START.search("\n" + "\n".join(values)):
            values = self._spreadsheet_cells(column, values)
        if "\r" in joined:
            values = [LINE_BREAKS.sub("\n", value) if "\r" in value else value for value in values]
        lengths = np.fromiter(map(len, values), dtype=np.int64, count=self.count)
        if column is Column.NOTE:
            for row in np.flatnonzero(lengths > MAX_NOTE_CHARS).tolist():
                self.add(
                    row,
                    f"the note has {lengths[row]:,} characters; the limit is {MAX_NOTE_CHARS:,}",
                )
            return values
        for row in np.flatnonzero(lengths == 0).tolist():
            if not self.bad[row]:
                self.add(row, f"{column} is empty")
        for row in np.flatnonzero(lengths > _SURELY_SHORT).tolist():
            size = len(values[row].encode())
            if size > MAX_TERM_BYTES:
                self.add(
                    row,
                    f"{column} {shown(values[row])} is {size:,} bytes long in UTF-8; "
                    f"the limit is {MAX_TERM_BYTES:,}",
                )
        return values

    def _spreadsheet_cells(self, column: Column, values: list[str]) -> list[str]:
        for row, value in enumerate(values):
            if value.startswith("="):
                self.add(
                    row,
                    f"{column} {shown(value)} starts with '=', so a spreadsheet would run it "
                    "as a formula; if it is text, put an apostrophe before it ('=…)",
                )
            elif value.startswith("'") and ESCAPED_CELL.match(value):
                values[row] = value[1:]
        return values

    def flags(self) -> list[bool]:
        if Column.CASE_SENSITIVE not in self.table.cells:
            return [False] * self.count
        raw: list[str] = self.table.cells[Column.CASE_SENSITIVE].tolist()
        words = [cell.strip().lower() for cell in raw]
        for row, word in enumerate(words):
            if word not in _FLAG_WORDS:
                self.add(
                    row,
                    f"case_sensitive is {shown(raw[row])}; "
                    "use true or false (yes/no, 1/0; empty means false)",
                )
        return [word in TRUE_WORDS for word in words]

    def language_pair(
        self, source_lang: str | None, target_lang: str | None
    ) -> tuple[str | None, str | None]:
        requested = {Column.SOURCE_LANG: source_lang, Column.TARGET_LANG: target_lang}
        pair: dict[Column, str | None] = dict(requested)
        unit = self.problems.unit
        for column in LANG_COLUMNS:
            if column not in self.table.cells:
                continue
            raw = [cell.strip() for cell in self.table.cells[column].tolist()]
            spelled = {value: normalise_lang(value) if value else "" for value in set(raw)}
            first: int | None = None
            for row, value in enumerate(raw):
                code = spelled[value]
                if code is None:
                    self.add(
                        row,
                        f"{column} {shown(value)} is not a language code such as en, de or pt-BR",
                    )
                elif code and first is None:
                    first = row
            if first is None:
                continue
            expected = requested[column] or str(spelled[raw[first]])
            pair[column] = expected
            role = "source" if column is Column.SOURCE_LANG else "target"
            if requested[column]:
                reason = f"the requested {role} language is {expected}"
            else:
                reason = f"{unit} {int(self.table.places[first])} has {expected}"
            for row, value in enumerate(raw):
                code = spelled[value]
                if code and code != expected:
                    self.add(
                        row, f"{column} is {code}, but {reason}; a glossary has one language pair"
                    )
        return pair[Column.SOURCE_LANG], pair[Column.TARGET_LANG]

    def duplicates(self, entries: pd.DataFrame) -> npt.NDArray[np.bool_]:
        """Mark repeats of an identical row to drop; report repeats that disagree (both lines)."""
        import numpy as np

        repeated = np.zeros(self.count, dtype=bool)
        sources = entries[Column.SOURCE_TERM]
        candidates = sources.duplicated(keep=False).to_numpy(dtype=bool) & ~self.bad
        if not candidates.any():
            return repeated
        unit = self.problems.unit
        first_row: dict[str, int] = {}
        for row in np.flatnonzero(candidates).tolist():
            source = sources.iat[row]
            if source not in first_row:
                first_row[source] = row
                continue
            first = first_row[source]
            differences = [
                column
                for column in (Column.TARGET_TERM, Column.CASE_SENSITIVE, Column.NOTE)
                if entries[column].iat[row] != entries[column].iat[first]
            ]
            if not differences:
                repeated[row] = True
                continue
            column = differences[0]
            there = int(self.table.places[first])
            self.add(
                row,
                f"source_term {shown(source)} is also on {unit} {there} with a different "
                f"{column} ({_shown_value(entries[column].iat[row])} here, "
                f"{_shown_value(entries[column].iat[first])} on {unit} {there}); "
                "keep one of them",
            )
        return repeated


def _shown_value(value: object) -> str:
    return shown(value) if isinstance(value, str) else str(bool(value)).lower()


def table_from_frame(frame: pd.DataFrame, source: str = "the DataFrame") -> RawTable:
    """A DataFrame with glossary columns as a table to validate like a file.

    Problems name the row by its index label when the index holds integers, else by
    its position (``iloc``).
    """
    import numpy as np
    import pandas as pd

    labelled = pd.api.types.is_integer_dtype(frame.index.dtype)
    problems = Problems(source, "index" if labelled else "row")
    places = (
        frame.index.to_numpy(dtype=np.int64) if labelled else np.arange(len(frame), dtype=np.int64)
    )
    names = {column: header_name(str(column)) for column in frame.columns}
    allowed = ", ".join(COLUMNS)
    for column, name in names.items():
        if name not in COLUMNS:
            problems.add(None, f"unknown column {str(column)!r}; the columns are {allowed}")
    for required in (Column.SOURCE_TERM, Column.TARGET_TERM):
        if required not in names.values():
            problems.add(None, f"the column {required} is missing; the columns are {allowed}")
    if len(set(names.values())) != len(names):
        problems.add(None, "two columns have the same name")
    problems.raise_if_any()
    cells = pd.DataFrame({names[column]: _as_text(frame[column]) for column in frame.columns})
    return RawTable(cells=cells, places=places, problems=problems, spreadsheet=False)


def _as_text(column: pd.Series) -> pd.Series:
    import pandas as pd

    if pd.api.types.is_bool_dtype(column.dtype):
        return column.map({True: "true", False: "false"}).astype(str).reset_index(drop=True)
    values = column.astype(object).where(column.notna(), "")
    texts = [value if isinstance(value, str) else _scalar_text(value) for value in values]
    return pd.Series(texts, dtype=str)


def _scalar_text(value: object) -> str:
    import numpy as np

    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
