"""Reading a glossary file (CSV or XLSX) into a table of raw text cells.

The table keeps, for each row, the place a person sees it at: the line of a CSV file
where its record starts (the header is line 1; a quoted cell holding line breaks spans
several lines) or the row of the XLSX sheet. Everything about the file itself is checked
here: size, the input limits (:mod:`workbench.limits`), encoding, binary content,
delimiter, header; the cells are checked by :mod:`workbench.glossary.validation`. Blank
rows are dropped as they are read.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from workbench.errors import InvalidInput
from workbench.glossary.problems import Problems
from workbench.glossary.rules import (
    COLUMNS,
    HEADERLESS_COLUMNS,
    MAX_ENTRIES,
    MAX_FILE_BYTES,
    Column,
)
from workbench.limits import InputLimits
from workbench.textfiles import DecodedText, Undecodable, decode_text, sniff_delimiter

if TYPE_CHECKING:
    # Imported where used: pandas, numpy and openpyxl cost ~0.45 s of a dashboard's first paint.
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    Places = npt.NDArray[np.int64]


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


SUFFIXES = {
    ".csv": FileFormat.CSV,
    ".tsv": FileFormat.CSV,
    ".txt": FileFormat.CSV,
    ".xlsx": FileFormat.XLSX,
    ".xlsm": FileFormat.XLSX,
}
_LINE_BREAK = re.compile("\r\n|\r|\n")
# Searched in "\0" + "\0".join(cells): a pattern starting with a literal is scanned for fast.
_BLANK_START = re.compile("\x00\\s")
_BLANK_LINES = re.compile("(?:[ \t]*(?:\r\n|\r|\n))+")


@dataclass(frozen=True)
class RawTable:
    """The non-blank rows of a glossary input, one text cell per known column."""

    cells: pd.DataFrame  # columns: Column values present in the input; str cells
    places: Places  # the line (CSV) or row (XLSX, DataFrame) of each row
    problems: Problems  # where cell problems are added; names the input and its unit
    format: FileFormat | None = None
    encoding: str | None = None  # as a person names it: "UTF-16 LE with BOM"
    delimiter: str | None = None
    has_header: bool = True
    # Cells of a file a spreadsheet opens: formulas are refused and export's escape undone.
    # A DataFrame holds plain values, which pass as they are.
    spreadsheet: bool = True


def file_format(filename: str) -> FileFormat:
    suffix = PurePath(filename).suffix.lower()
    if suffix not in SUFFIXES:
        allowed = ", ".join(sorted(SUFFIXES))
        Problems(filename).fail(None, f"{filename} is not a glossary file: use one of {allowed}")
    return SUFFIXES[suffix]


def read_file(
    data: bytes,
    filename: str,
    limits: InputLimits | None = None,
    *,
    delimiter: str | None = None,
) -> RawTable:
    """Read ``data`` (the content of ``filename``); raise InvalidInput listing every problem.

    ``limits`` are those of the settings unless given. ``delimiter`` fixes a CSV text's
    delimiter (a format that names it, such as DeepL's TSV) instead of guessing it.
    """
    limits = limits or InputLimits.of()
    source = PurePath(filename).name or "the file"
    fmt = file_format(filename)
    problems = Problems(source, "line" if fmt is FileFormat.CSV else "row")
    if len(data) > MAX_FILE_BYTES:
        problems.fail(
            None,
            f"the file is {len(data) / 2**20:.1f} MiB; the limit is "
            f"{MAX_FILE_BYTES // 2**20} MiB (split the glossary or remove columns)",
        )
    if not data.strip():
        problems.fail(None, "the file is empty: it has no entries")
    if fmt is FileFormat.XLSX:
        with _limited(problems):
            limits.check_package(data, "XLSX")
        grid, places = _read_xlsx(data, problems)
        return _table(grid, places, problems, fmt=fmt)
    decoded = _decode(data, problems)
    text = decoded.text
    # pandas takes the number of columns from the first line, so it cannot start blank.
    blank = _BLANK_LINES.match(text)
    skipped = len(_LINE_BREAK.findall(blank.group())) if blank else 0
    text = text[blank.end() :] if blank else text
    if delimiter is None:
        delimiter = sniff_delimiter(text, is_header=_is_header, widths=HEADERLESS_COLUMNS)
    with _limited(problems):
        limits.check_table(text, delimiter, "CSV")
    grid = _read_csv(text, delimiter, problems, first_line=1 + skipped)
    return _table(
        grid,
        _record_lines(grid) + skipped,
        problems,
        fmt=fmt,
        encoding=decoded.label,
        delimiter=delimiter,
    )


# --- text ------------------------------------------------------------------------------


def _decode(data: bytes, problems: Problems) -> DecodedText:
    """The text of a CSV file (:mod:`workbench.textfiles` finds the encoding); a file that
    is not text is one problem, placed on the line of its first bad byte."""
    try:
        return decode_text(data, "CSV")
    except Undecodable as error:
        problems.fail(error.line, error.detail)


def _is_header(record: Sequence[str]) -> bool:
    return any(header_name(cell) in COLUMNS for cell in record)


def _read_csv(text: str, delimiter: str, problems: Problems, *, first_line: int) -> pd.DataFrame:
    import pandas as pd

    try:
        grid = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            quotechar='"',
            doublequote=True,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        problems.fail(None, "the file has no entries")
    except pd.errors.ParserError as error:
        _report_bad_records(text, delimiter, problems, first_line)
        problems.fail(None, f"the file cannot be read as CSV: {error}")
    grid.columns = range(grid.shape[1])
    return grid


def _report_bad_records(text: str, delimiter: str, problems: Problems, first_line: int) -> None:
    """Find, with exact line numbers, the records pandas' fast parser refused."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    width: int | None = None
    offset = first_line - 1
    start = first_line
    try:
        for record in reader:
            if width is None and record:
                width, first_line = len(record), start
            elif record and len(record) != width:
                problems.add(
                    start,
                    f"{len(record)} cells, but line {first_line} has {width}; "
                    'put a cell holding the delimiter in double quotes ("a, b")',
                )
            start = offset + reader.line_num + 1
    except csv.Error as error:
        detail = (
            "a quoted cell starts here and is never closed"
            if "end of data" in str(error)
            else f"the cells are not valid CSV ({error})"
        )
        problems.add(start, detail)
    problems.raise_if_any()


def _record_lines(grid: pd.DataFrame) -> Places:
    """The line each record starts on: one line per record plus the breaks inside its cells."""
    import numpy as np

    count = len(grid)
    breaks = np.zeros(count, dtype=np.int64)
    for column in grid.columns:
        cells: list[str] = grid[column].tolist()
        joined = "".join(cells)
        if "\n" in joined or "\r" in joined:
            breaks += np.fromiter(
                (len(_LINE_BREAK.findall(cell)) if cell else 0 for cell in cells),
                dtype=np.int64,
                count=count,
            )
    before = np.concatenate(([0], np.cumsum(breaks)[:-1])) if count else breaks
    return np.arange(1, count + 1, dtype=np.int64) + before


# --- XLSX ------------------------------------------------------------------------------


def _read_xlsx(data: bytes, problems: Problems) -> tuple[pd.DataFrame, Places]:
    import numpy as np
    import openpyxl
    import pandas as pd

    try:
        # Not data_only: a formula must arrive as its text so it can be refused, not as
        # whatever value the spreadsheet last cached for it.
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # openpyxl fails in many ways on a damaged or foreign file
        raise _unreadable(problems, error) from error
    rows: list[list[str]] = []
    numbers: list[int] = []
    try:
        if not book.worksheets:
            problems.fail(None, "the workbook has no sheet")
        sheet = book.worksheets[0]
        # The cells tell where the data is; a declared <dimension> of A1:XFD1048576 would
        # have every row padded to 16,384 cells and a million empty rows produced.
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            row = [_cell_text(value) for value in values]
            if not any(row):
                continue
            rows.append(row)
            numbers.append(number)
            if len(rows) > MAX_ENTRIES + 1:
                problems.fail(None, _too_many_entries())
    except InvalidInput:
        raise
    except Exception as error:
        raise _unreadable(problems, error) from error
    finally:
        book.close()
    # Without a declared size each row is as wide as its last cell: pad them to one width.
    width = max(map(len, rows), default=0)
    grid = pd.DataFrame([row + [""] * (width - len(row)) for row in rows], dtype=object)
    return grid.astype(str), np.array(numbers, dtype=np.int64)


@contextmanager
def _limited(problems: Problems) -> Iterator[None]:
    """Around a check of :mod:`workbench.limits`: a refusal is one line naming the file."""
    try:
        yield
    except InvalidInput as refusal:
        raise InvalidInput(f"{problems.source}: {refusal}") from refusal


def _unreadable(problems: Problems, error: Exception) -> InvalidInput:
    return InvalidInput(
        f"{problems.source} is not a readable XLSX workbook ({type(error).__name__}); "
        "save it again as .xlsx or export it as CSV"
    )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    # Imported only past the usual values: this runs for every cell of the sheet.
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    if isinstance(value, ArrayFormula):
        return str(value.text)
    if isinstance(value, DataTableFormula):
        return "="  # a what-if table is a formula through and through
    return str(value)


def _too_many_entries() -> str:
    return f"the file has more than {MAX_ENTRIES:,} entries, the limit; split the glossary"


# --- header ----------------------------------------------------------------------------


def header_name(cell: str) -> str:
    """A header cell as a column name: ``Source Term`` and ``source-term`` are ``source_term``."""
    return re.sub(r"[\s\-]+", "_", cell.strip().lstrip("\ufeff").strip().lower())


def _table(
    grid: pd.DataFrame,
    places: Places,
    problems: Problems,
    *,
    fmt: FileFormat,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> RawTable:
    filled = _filled_rows(grid)
    grid, places = grid.loc[filled].reset_index(drop=True), places[filled]
    if grid.empty:
        problems.fail(None, "the file has no entries")
    if len(grid) > MAX_ENTRIES + 1:
        problems.fail(None, _too_many_entries())
    first = [str(cell) for cell in grid.iloc[0].tolist()]
    has_header = any(header_name(cell) in COLUMNS for cell in first)
    if has_header:
        names = _header_columns(first, grid, int(places[0]), problems)
        grid, places = grid.iloc[1:].reset_index(drop=True), places[1:]
    else:
        names = _headerless_columns(grid, places, problems)
    keep = [position for position, name in enumerate(names) if name is not None]
    cells = grid.iloc[:, keep].copy()
    cells.columns = [str(names[position]) for position in keep]
    return RawTable(
        cells=cells,
        places=places,
        problems=problems,
        format=fmt,
        encoding=encoding,
        delimiter=delimiter,
        has_header=has_header,
    )


def _filled_rows(grid: pd.DataFrame) -> npt.NDArray[np.bool_]:
    import numpy as np

    filled = np.zeros(len(grid), dtype=bool)
    for column in grid.columns:
        cells: list[str] = grid[column].tolist()
        if _BLANK_START.search("\x00" + "\x00".join(cells)):  # a cell may be only whitespace
            filled |= np.fromiter(
                (bool(cell) and not cell.isspace() for cell in cells), dtype=bool, count=len(cells)
            )
        else:
            filled |= np.fromiter(map(len, cells), dtype=np.int64, count=len(cells)) > 0
    return filled


def _header_columns(
    header: Sequence[str], grid: pd.DataFrame, line: int, problems: Problems
) -> list[Column | None]:
    names: list[Column | None] = []
    seen: dict[Column, int] = {}
    allowed = ", ".join(COLUMNS)
    for position, cell in enumerate(header):
        name = header_name(cell)
        if not name:
            has_data = (grid.iloc[1:, position].str.strip() != "").any()
            if has_data:
                problems.add(line, f"column {position + 1} has values but no name; use {allowed}")
            names.append(None)
        elif name not in COLUMNS:
            problems.add(line, f"unknown column {cell.strip()!r}; the columns are {allowed}")
            names.append(None)
        elif Column(name) in seen:
            problems.add(line, f"the column {name} appears twice")
            names.append(None)
        else:
            seen[Column(name)] = position
            names.append(Column(name))
    for required in (Column.SOURCE_TERM, Column.TARGET_TERM):
        if required not in seen:
            problems.add(line, f"the column {required} is missing; the columns are {allowed}")
    problems.raise_if_any()
    return names


def _headerless_columns(
    grid: pd.DataFrame, places: Places, problems: Problems
) -> list[Column | None]:
    width = grid.shape[1]
    while width > 2 and not (grid.iloc[:, width - 1].str.strip() != "").any():
        width -= 1  # spreadsheets pad rows with empty cells
    if width not in HEADERLESS_COLUMNS:
        problems.fail(
            int(places[0]),
            f"{width} columns and no header; a file without a header has 2 columns "
            "(source, target) or 4 (source, target, source language, target language), "
            f"and a header names its columns from {', '.join(COLUMNS)}",
        )
    names: list[Column | None] = list(HEADERLESS_COLUMNS[width])
    return names + [None] * (grid.shape[1] - width)
