"""Spreadsheets: the chosen columns are translated, every other cell is kept.

CSV keeps its delimiter and encoding; XLSX is edited in place with openpyxl, so styles,
formulas, other sheets and column widths survive. Columns are chosen by header name; the
first sheet is used unless the workbook has the column only on another one.

A translation is written to CSV as text a spreadsheet never runs as a formula
(:mod:`workbench.formulas`), and a cell we escaped is read back as its original value;
a cell the translation leaves as it was keeps its bytes, formula or not.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from typing import TYPE_CHECKING

from workbench.batch.formats.base import Document, FileFormat, FormatOptions, Segment
from workbench.errors import InvalidInput
from workbench.formulas import neutralise, unescape
from workbench.textfiles import decode_text, sniff_delimiter

if TYPE_CHECKING:  # imported where used: openpyxl costs ~0.13 s of a dashboard's first paint
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet


def _missing(wanted: Sequence[str], header: Sequence[str]) -> InvalidInput:
    shown = ", ".join(repr(h) for h in header if h) or "none"
    return InvalidInput(
        f"column {', '.join(repr(w) for w in wanted)} not found; the file has: {shown}"
    )


def _choose(columns: tuple[str, ...], header: Sequence[str]) -> list[int]:
    if not columns:
        raise InvalidInput(
            "say which column to translate (--column NAME); the file has: "
            + ", ".join(repr(h) for h in header if h)
        )
    missing = [c for c in columns if c not in header]
    if missing:
        raise _missing(missing, header)
    return [list(header).index(c) for c in columns]


class Csv(FileFormat):
    name = "csv"
    extensions = (".csv", ".tsv")

    def read(self, data: bytes, options: FormatOptions) -> Document:
        decoded = decode_text(data, "CSV")
        delimiter = sniff_delimiter(decoded.text)
        try:
            rows = list(options.limits.counted_rows(decoded.text, delimiter, "CSV", strict=True))
        except csv.Error as exc:
            raise InvalidInput(f"this CSV file is malformed: {exc}") from exc
        if not rows:
            raise InvalidInput("this CSV file is empty")
        header = rows[0]
        chosen = _choose(options.columns, header)
        slots: list[tuple[int, int]] = []
        segments: list[Segment] = []
        for row_number, row in enumerate(rows[1:], start=2):
            for column in chosen:
                if column < len(row):
                    slots.append((row_number - 1, column))
                    text = unescape(row[column])
                    segments.append(Segment(text, f"row {row_number}, {header[column]}"))

        def render(translations: Sequence[str]) -> bytes:
            out_rows = [list(row) for row in rows]
            for (row, column), segment, translated in zip(
                slots, segments, translations, strict=True
            ):
                if translated != segment.text:
                    out_rows[row][column] = neutralise(translated)
            return decoded.encode(_csv_text(out_rows, delimiter, decoded.newline))

        return Document(segments, render)


def _csv_text(rows: list[list[str]], delimiter: str, newline: str) -> str:
    """``rows`` as CSV lines ending in ``newline``, a cell holding any line break quoted.

    The csv module quotes a cell only for the characters of its line terminator: with
    "\n" alone, a cell holding "\r" would be written bare and split the row in two.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    lines = []
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        lines.append(buffer.getvalue().removesuffix("\r\n"))
    return "".join(line + newline for line in lines)


class Xlsx(FileFormat):
    name = "xlsx"
    extensions = (".xlsx",)

    def read(self, data: bytes, options: FormatOptions) -> Document:
        options.limits.check_package(data, "XLSX")
        book = _load(data)
        sheet = _sheet_with(book, options.columns)
        header = [str(c.value) if c.value is not None else "" for c in sheet[1]]
        chosen = _choose(options.columns, header)
        cells: list[str] = []
        segments: list[Segment] = []
        for row in sheet.iter_rows(min_row=2):
            for column in chosen:
                if column >= len(row):
                    continue
                cell = row[column]
                # Numbers, dates and formulas are data, not text to translate.
                if isinstance(cell.value, str) and cell.data_type == "s":
                    cells.append(cell.coordinate)
                    segments.append(
                        Segment(cell.value, f"{sheet.title}!{cell.coordinate}, {header[column]}")
                    )
        title = sheet.title

        def render(translations: Sequence[str]) -> bytes:
            fresh = _load(data)
            target = fresh[title]
            for coordinate, translated in zip(cells, translations, strict=True):
                cell = target[coordinate]
                cell.value = translated
                # openpyxl would take a translation starting with "=" for a formula.
                cell.data_type = "s"
            out = io.BytesIO()
            fresh.save(out)
            return out.getvalue()

        return Document(segments, render)


def _load(data: bytes) -> Workbook:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return openpyxl.load_workbook(io.BytesIO(data))
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        OSError,
        SyntaxError,  # a part that is not XML where XML belongs
    ) as exc:
        raise InvalidInput("this is not an Excel .xlsx workbook (or it is damaged)") from exc


def _sheet_with(book: Workbook, columns: tuple[str, ...]) -> Worksheet:
    for sheet in book.worksheets:
        header = {str(c.value) for c in sheet[1] if c.value is not None}
        if columns and all(c in header for c in columns):
            return sheet
    first: Worksheet = book.worksheets[0]
    return first
