"""CSV: the chosen columns are translated or filled; every other byte is kept.

A record we do not change is written back as its own text: its quoting, its line ending
and its fields as they were. In a record we change, only the changed fields are written,
quoted when the field they replace was (or when they must be); a new target column is
added to every record from the header down. The encoding and byte-order mark are the
input's (:mod:`workbench.textfiles`).

A translation is written as text a spreadsheet never runs as a formula
(:mod:`workbench.formulas`), and a cell we escaped is read back as its original value.
A target cell that already holds text is a translation someone made: it is kept.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from workbench.batch.formats import tabular
from workbench.batch.formats.base import Document, FileFormat, FormatOptions, Segment
from workbench.errors import InvalidInput
from workbench.formulas import ESCAPE_PREFIX, neutralise, unescape
from workbench.textfiles import decode_text, sniff_delimiter

_LINE_END = re.compile(r"(?:\r\n|\n|\r)\Z")


@dataclass(frozen=True)
class _Record:
    fields: list[str]
    raw: str  # the record's own text, line ending included


@dataclass(frozen=True)
class _Slot:
    record: int
    pair: tabular.Pair
    originals: dict[str, str]


class Csv(FileFormat):
    name = "csv"
    extensions = (".csv", ".tsv")

    def read(self, data: bytes, options: FormatOptions) -> Document:
        decoded = decode_text(data, "CSV")
        delimiter = sniff_delimiter(decoded.text)
        records = _records(decoded.text, delimiter, options)
        if not records:
            raise InvalidInput("this CSV file is empty")
        layout = tabular.plan(
            options.columns,
            (
                (number, record.fields)
                for number, record in enumerate(records[: tabular.HEADER_SCAN_ROWS], start=1)
            ),
            header_row=options.header_row,
            width=max(len(record.fields) for record in records),
            label=lambda column: f"column {column + 1}",
        )
        header = layout.header_row - 1
        slots: list[_Slot] = []
        segments: list[Segment] = []
        kept = 0
        for index in range(header + 1, len(records)):
            fields = records[index].fields
            for pair in layout.pairs:
                text = fields[pair.source] if pair.source < len(fields) else ""
                if text.startswith(ESCAPE_PREFIX):
                    text = unescape(text)
                if not text.strip():
                    continue
                if not pair.in_place and pair.target < len(fields) and fields[pair.target]:
                    kept += 1
                    continue
                where = f"row {index + 1}, {pair.source_name}"
                options.limits.check_segment_size(text, where)
                canonical, originals = tabular.cell_segment(text)
                slots.append(_Slot(index, pair, originals))
                segments.append(Segment(canonical, where))
                options.limits.check_segments(len(segments), "this CSV file")
        notes = list(layout.notes)
        if kept:
            notes.append(f"{kept} cells already filled in the target column were kept")

        def render(translations: Sequence[str]) -> bytes:
            changes: dict[int, dict[int, tuple[str, int]]] = {}
            for slot, segment, translated in zip(slots, segments, translations, strict=True):
                if slot.pair.in_place and translated == segment.text:
                    continue
                text = neutralise(tabular.cell_text(translated, slot.originals))
                changes.setdefault(slot.record, {})[slot.pair.target] = (text, slot.pair.source)
            created = [pair for pair in layout.pairs if pair.created]
            if not changes and not created:
                return data
            for pair in created:
                changes.setdefault(header, {})[pair.target] = (
                    neutralise(pair.target_name),
                    pair.source,
                )
            width = max((pair.target + 1 for pair in created), default=0)
            pieces = []
            for index, record in enumerate(records):
                wanted = width if index >= header and record.fields else 0
                if index in changes or len(record.fields) < wanted:
                    pieces.append(_edited(record, changes.get(index, {}), wanted, delimiter))
                else:
                    pieces.append(record.raw)
            try:
                return decoded.encode("".join(pieces))
            except UnicodeEncodeError as exc:
                raise InvalidInput(
                    f"the translation holds characters {decoded.encoding} cannot write "
                    f"({exc.object[exc.start : exc.end]!r}); save the file as UTF-8 and "
                    "translate it again"
                ) from exc

        return Document(segments, render, notes)


def column_names(data: bytes, options: FormatOptions) -> list[str]:
    """The header names a CSV file offers, its header found as :meth:`Csv.read` finds it."""
    decoded = decode_text(data, "CSV")
    records = _records(decoded.text, sniff_delimiter(decoded.text), options)
    top = records[: tabular.HEADER_SCAN_ROWS]
    return tabular.header_names((n, r.fields) for n, r in enumerate(top, start=1))


def _records(text: str, delimiter: str, options: FormatOptions) -> list[_Record]:
    """Each record's fields and its own text, counted against the limits as it is read."""
    consumed: list[str] = []

    def lines() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            consumed.append(line)
            yield line

    records = []
    try:
        for fields in options.limits.counted_rows(lines(), delimiter, "CSV", strict=True):
            records.append(_Record(fields, "".join(consumed)))
            consumed.clear()
    except csv.Error as exc:
        raise InvalidInput(f"this CSV file is malformed: {exc}") from exc
    return records


def _edited(
    record: _Record, changes: dict[int, tuple[str, int]], width: int, delimiter: str
) -> str:
    """The record with ``changes`` (column -> (text, column whose quoting it follows))."""
    ending = _LINE_END.search(record.raw)
    body = record.raw[: ending.start()] if ending else record.raw
    fields = _raw_fields(body, delimiter)
    fields += [""] * (max(width, max(changes, default=-1) + 1) - len(fields))
    # A quoted field stays quoted; a new one is quoted as its source is.
    quoted = {
        column: fields[column].startswith('"') or fields[like].startswith('"')
        for column, (_text, like) in changes.items()
    }
    for column, (text, _like) in changes.items():
        fields[column] = _field(text, delimiter, quote=quoted[column])
    return delimiter.join(fields) + (ending.group(0) if ending else "")


def _raw_fields(body: str, delimiter: str) -> list[str]:
    """A record's fields as written (quotes included), as a strict csv reader splits them."""
    fields = []
    position, length = 0, len(body)
    while True:
        search_from = position
        if body.startswith('"', position):
            search_from = position + 1
            while True:
                quote = body.find('"', search_from)
                if quote < 0:
                    search_from = length
                    break
                if body.startswith('""', quote):
                    search_from = quote + 2
                    continue
                search_from = quote + 1
                break
        end = body.find(delimiter, search_from)
        end = length if end < 0 else end
        fields.append(body[position:end])
        if end >= length:
            return fields
        position = end + 1


def _field(text: str, delimiter: str, *, quote: bool) -> str:
    if quote or any(character in text for character in (delimiter, '"', "\r", "\n")):
        return '"' + text.replace('"', '""') + '"'
    return text
