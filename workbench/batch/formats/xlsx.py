"""XLSX: translations are written into the workbook's XML, every other byte is kept.

The workbook is read straight from its parts (relationships, ``workbook.xml``, the shared
strings and the worksheet) with lxml. Only text cells (shared or inline strings) of the
chosen columns are segments: numbers, dates, booleans and formulas are data. A rich-text
string (several runs) is one segment whose formatted runs are paired codes, so a word
may move and keep its formatting.

Rendering edits two parts at most: the worksheet (the translated cells, and the new
target column's cells) and the shared strings, to which each translation is *added*: a
string that an untranslated cell also uses is never changed. A workbook without shared
strings gets inline strings. Every other part (drawings, media, charts and their styles,
comments, custom XML, printer settings, ``extLst`` data bars, cached formula values) is
copied raw (:mod:`workbench.batch.formats.zipparts`), and a render that changes nothing
gives back the input's bytes.
"""

from __future__ import annotations

import copy
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench import inline
from workbench.batch.formats import tabular
from workbench.batch.formats.base import Document, FileFormat, FormatOptions, Segment
from workbench.batch.formats.zipparts import Package
from workbench.errors import InvalidInput

_KIND = "XLSX"
_NOT_A_WORKBOOK = "this is not an Excel .xlsx workbook (or it is damaged)"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_PROLOG = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*\?>\s*")
_UTF8_PROLOG = re.compile(rb"encoding=[\"'](?i:utf-8)[\"']|\A(?:(?!encoding).)*\Z", re.DOTALL)
# Excel writes a character XML cannot carry (a control character, or a CR that parsers
# would turn into LF) as _xHHHH_, and a text that looks like such an escape with its
# underscore escaped (_x005F_). Segments hold the characters themselves.
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_TO_ESCAPE = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_LETTERS = re.compile(r"[A-Za-z]+")


class Xlsx(FileFormat):
    name = "xlsx"
    extensions = (".xlsx",)

    def read(self, data: bytes, options: FormatOptions) -> Document:
        options.limits.check_package(data, _KIND)
        book = _Book(data)
        sheet, layout = book.choose(options)
        strings = book.strings()
        slots: list[_Slot] = []
        segments: list[Segment] = []
        cache: dict[tuple[str, int], tuple[str, _Source] | None] = {}
        kept = 0
        for number, row, cells in sheet.rows:
            if number <= layout.header_row:
                continue
            for pair in layout.pairs:
                cell = cells.get(pair.source)
                found = _string_of(cell, strings, cache) if cell is not None else None
                if found is None:
                    continue
                canonical, source = found
                target = cells.get(pair.target)
                if not pair.in_place and target is not None and _filled(target, strings):
                    kept += 1
                    continue
                where = f"{sheet.name}!{_letters(pair.source)}{number}, {pair.source_name}"
                options.limits.check_segment_size(canonical, where)
                slots.append(_Slot(row, number, cell, pair, source))
                segments.append(Segment(canonical, where))
                options.limits.check_segments(len(segments), "this XLSX file")
        notes = list(layout.notes)
        if kept:
            notes.append(f"{kept} cells already filled in the target column were kept")

        def render(translations: Sequence[str]) -> bytes:
            return _render(data, book, sheet, layout, slots, segments, translations)

        return Document(segments, render, notes)


def column_names(data: bytes, options: FormatOptions) -> list[str]:
    """The header names every worksheet offers, each header found as :meth:`Xlsx.read` does."""
    options.limits.check_package(data, _KIND)
    book = _Book(data)
    names: list[str] = []
    for name, part in book.sheets:
        names += tabular.header_names(_top_rows(book.sheet(name, part), book.strings()))
    return list(dict.fromkeys(names))


# --- reading ------------------------------------------------------------------------------


@dataclass
class _Source:
    """What a translated string needs from the one it replaces."""

    formats: dict[str, Any]  # paired code id -> the run's <rPr>
    originals: dict[str, str]  # standalone code id -> the text it stands for


@dataclass
class _Slot:
    row: Any  # the <row> element
    number: int
    cell: Any  # the source <c>
    pair: tabular.Pair
    source: _Source


@dataclass
class _Strings:
    part: str | None
    root: Any  # <sst>, or None without shared strings
    items: list[Any] = field(default_factory=list)


@dataclass
class _Sheet:
    name: str
    part: str
    root: Any
    ns: str
    # (row number, <row>, {0-based column: <c>}) for every row, in order
    rows: list[tuple[int, Any, dict[int, Any]]]
    width: int  # one past the last column that has a cell


class _Book:
    def __init__(self, data: bytes) -> None:
        self.parts = Package(data, "Excel .xlsx workbook")
        self.trees: dict[str, Any] = {}
        workbook = self._target("", "_rels/.rels", "/officeDocument")
        if workbook is None:
            raise InvalidInput(_NOT_A_WORKBOOK)
        self.workbook = workbook
        root = self.xml(workbook)
        self.ns = _namespace(root)
        rels = _rels_of(workbook)
        self.sheets: list[tuple[str, str]] = []
        for sheet in root.iter(f"{{{self.ns}}}sheet"):
            rel_id = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), "")
            target = self._target(workbook, rels, "/worksheet", rel_id)
            if target is not None:
                self.sheets.append((sheet.get("name", ""), target))
        if not self.sheets:
            raise InvalidInput("this workbook has no worksheet to translate")
        self._strings: _Strings | None = None

    def xml(self, name: str) -> Any:
        if name not in self.trees:
            from lxml import etree

            parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
            try:
                self.trees[name] = etree.fromstring(self.parts.read(name), parser)
            except etree.XMLSyntaxError as exc:
                raise InvalidInput(f"{_NOT_A_WORKBOOK}: its part {name} is not XML") from exc
        return self.trees[name]

    def strings(self) -> _Strings:
        if self._strings is None:
            part = self._target(self.workbook, _rels_of(self.workbook), "/sharedStrings")
            if part is None:
                self._strings = _Strings(None, None)
            else:
                root = self.xml(part)
                self._strings = _Strings(part, root, list(root.iterchildren(f"{{{self.ns}}}si")))
        return self._strings

    def choose(self, options: FormatOptions) -> tuple[_Sheet, tabular.Layout]:
        """The first worksheet whose header holds the columns (the first one's error if none)."""
        first: InvalidInput | None = None
        for name, part in self.sheets:
            sheet = self.sheet(name, part)
            try:
                return sheet, tabular.plan(
                    options.columns,
                    _top_rows(sheet, self.strings()),
                    header_row=options.header_row,
                    width=sheet.width,
                    label=_letters,
                )
            except InvalidInput as refusal:
                first = first or refusal
        assert first is not None
        raise first

    def sheet(self, name: str, part: str) -> _Sheet:
        root = self.xml(part)
        ns = _namespace(root)
        data = root.find(f"{{{ns}}}sheetData")
        rows: list[tuple[int, Any, dict[int, Any]]] = []
        width = 0
        number = 0
        row_tag, cell_tag = f"{{{ns}}}row", f"{{{ns}}}c"
        for row in data.iterchildren(row_tag) if data is not None else ():
            given = row.get("r")
            number = int(given) if given and given.isdigit() else number + 1
            cells: dict[int, Any] = {}
            column = -1
            for cell in row.iterchildren(cell_tag):
                reference = cell.get("r")
                column = _column(reference) if reference else column + 1
                cells[column] = cell
            if column + 1 > width:
                width = column + 1
            rows.append((number, row, cells))
        return _Sheet(name, part, root, ns, rows, width)

    def _target(self, source: str, rels: str, kind: str, rel_id: str | None = None) -> str | None:
        """The part a relationship of ``rels`` points to, by type suffix (and id)."""
        found = self.parts.name(rels)
        if found is None:
            return None
        for rel in self.xml(found):
            if rel_id is not None and rel.get("Id") != rel_id:
                continue
            if not rel.get("Type", "").endswith(kind) or rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            if target.startswith("/"):
                path = target.lstrip("/")
            else:
                path = posixpath.normpath(posixpath.join(posixpath.dirname(source), target))
            return self.parts.name(path)
        return None


def _rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _namespace(root: Any) -> str:
    tag: str = root.tag
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def _top_rows(sheet: _Sheet, strings: _Strings) -> list[tabular.Row]:
    top: list[tabular.Row] = []
    for number, _row, cells in sheet.rows[: tabular.HEADER_SCAN_ROWS]:
        values: list[object] = [None] * (max(cells, default=-1) + 1)
        for column, cell in cells.items():
            values[column] = _value(cell, strings)
        top.append((number, values))
    return top


def _value(cell: Any, strings: _Strings) -> object:
    """A header cell: its text if it is a string, None if empty, else a non-text marker."""
    kind = cell.get("t", "n")
    ns = _namespace(cell)
    if kind == "s":
        index = cell.findtext(f"{{{ns}}}v")
        return _plain(strings.items[int(index)], ns) if _valid(index, strings) else None
    if kind == "inlineStr":
        holder = cell.find(f"{{{ns}}}is")
        return _plain(holder, ns) if holder is not None else None
    return 0 if cell.find(f"{{{ns}}}v") is not None or cell.find(f"{{{ns}}}f") is not None else None


def _valid(index: str | None, strings: _Strings) -> bool:
    return index is not None and index.strip().isdigit() and int(index) < len(strings.items)


def _cell_text(raw: str | None) -> str:
    """A <t>'s text as a reader sees it: Excel's _xHHHH_ escapes undone."""
    if not raw:
        return ""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), raw) if "_x" in raw else raw


def _plain(holder: Any, ns: str) -> str:
    """The text of an <si> or <is>: its <t>, or its runs' <t>; phonetic guides left out."""
    t = f"{{{ns}}}t"
    direct = holder.find(t)
    if direct is not None:
        return _cell_text(direct.text)
    return "".join(_cell_text(run.findtext(t)) for run in holder.iterchildren(f"{{{ns}}}r"))


def _string_of(
    cell: Any, strings: _Strings, cache: dict[tuple[str, int], tuple[str, _Source] | None]
) -> tuple[str, _Source] | None:
    """The segment of a text cell with prose (shared strings read once however many cells
    use them); None for any other cell."""
    kind = cell.get("t")
    ns = _namespace(cell)
    if kind == "s":
        index = cell.findtext(f"{{{ns}}}v")
        if not _valid(index, strings):
            return None
        key = ("s", int(index or 0))
        holder = strings.items[key[1]]
    elif kind == "inlineStr":
        holder = cell.find(f"{{{ns}}}is")
        if holder is None:
            return None
        key = ("is", id(holder))
    else:
        return None
    if key not in cache:
        cache[key] = _segment(holder, ns)
    return cache[key]


def _segment(holder: Any, ns: str) -> tuple[str, _Source] | None:
    builder = inline.Builder()
    source = _Source({}, {})
    t, r, rpr = f"{{{ns}}}t", f"{{{ns}}}r", f"{{{ns}}}rPr"
    direct = holder.find(t)
    if direct is not None:
        tabular.add_text(builder, _cell_text(direct.text), source.originals)
    for run in holder.iterchildren(r):
        properties = run.find(rpr)
        if properties is None:
            tabular.add_text(builder, _cell_text(run.findtext(t)), source.originals)
            continue
        code = builder.open()
        source.formats[code] = properties
        tabular.add_text(builder, _cell_text(run.findtext(t)), source.originals)
        builder.close()
    segment = builder.build()
    return (segment.canonical(), source) if segment.prose.strip() else None


def _filled(cell: Any, strings: _Strings) -> bool:
    """A target cell that holds something: a formula, a number, or non-empty text."""
    value = _value(cell, strings)
    return value is not None and value != ""


# --- writing ------------------------------------------------------------------------------


def _render(
    data: bytes,
    book: _Book,
    sheet: _Sheet,
    layout: tabular.Layout,
    slots: Sequence[_Slot],
    segments: Sequence[Segment],
    translations: Sequence[str],
) -> bytes:
    changed = [
        (slot, translated)
        for slot, segment, translated in zip(slots, segments, translations, strict=True)
        if not (slot.pair.in_place and translated == segment.text)
    ]
    created = [pair for pair in layout.pairs if pair.created]
    if not changed and not created:
        return data
    # Edited on copies: the document may be rendered again with other translations.
    root = copy.deepcopy(sheet.root)
    strings = book.strings()
    sst = copy.deepcopy(strings.root) if strings.root is not None else None
    ns = sheet.ns
    copies = zip(sheet.rows, _rows(root, ns), strict=True)
    rows = {id(row): copy_row for (_, row, _), copy_row in copies}
    writer = _Writer(ns, sst, len(strings.items))
    for slot, translated in changed:
        row = rows[id(slot.row)]
        cell = _cell_at(row, slot.pair.target, slot.number, ns, like=slot.cell)
        writer.put(cell, translated, slot.source)
    header = next(row for number, row, _ in sheet.rows if number == layout.header_row)
    header_cells = next(cells for number, _, cells in sheet.rows if number == layout.header_row)
    for pair in created:
        like = header_cells.get(pair.source)
        cell = _cell_at(rows[id(header)], pair.target, layout.header_row, ns, like=like)
        writer.put(cell, inline.plain(pair.target_name), _Source({}, {}))
    if created:
        _widen(root, ns, max(pair.target for pair in created), created)
    replaced = {sheet.part: _serialised(root, book.parts.read(sheet.part))}
    if writer.added and strings.part is not None:
        replaced[strings.part] = _serialised(writer.finish(), book.parts.read(strings.part))
    return book.parts.write(replaced)


def _rows(root: Any, ns: str) -> list[Any]:
    data = root.find(f"{{{ns}}}sheetData")
    return list(data.iterchildren(f"{{{ns}}}row")) if data is not None else []


class _Writer:
    """Puts translated strings into cells: new shared strings, or inline strings."""

    def __init__(self, ns: str, sst: Any, count: int) -> None:
        self.ns, self.sst, self.count = ns, sst, count
        self.added = 0
        self.references = 0
        self.indexes: dict[tuple[int, str], int] = {}

    def put(self, cell: Any, translated: str, source: _Source) -> None:
        ns = self.ns
        if cell.get("t") == "s":
            self.references -= 1
        for child in cell.findall(f"{{{ns}}}v") + cell.findall(f"{{{ns}}}is"):
            cell.remove(child)
        cell.attrib.pop("vm", None)  # value metadata belonged to the old value
        if self.sst is None:
            cell.set("t", "inlineStr")
            holder = cell.makeelement(f"{{{ns}}}is", {})
            _fill(holder, translated, source, ns)
            cell.append(holder)
            return
        key = (id(source), translated)
        if key not in self.indexes:
            item = self.sst.makeelement(f"{{{ns}}}si", {})
            _fill(item, translated, source, ns)
            self.sst.append(item)
            self.indexes[key] = self.count + self.added
            self.added += 1
        cell.set("t", "s")
        value = cell.makeelement(f"{{{ns}}}v", {})
        value.text = str(self.indexes[key])
        cell.append(value)
        self.references += 1

    def finish(self) -> Any:
        if self.sst.get("uniqueCount") is not None:
            self.sst.set("uniqueCount", str(self.count + self.added))
        total = self.sst.get("count")
        if total is not None and total.isdigit():
            self.sst.set("count", str(int(total) + self.references))
        return self.sst


def _fill(holder: Any, translated: str, source: _Source, ns: str) -> None:
    """An <si> or <is> holding ``translated``: plain text, or runs for its paired codes."""
    pieces: list[tuple[str | None, str]] = []
    for code, text in tabular.runs(translated, source.originals):
        if pieces and pieces[-1][0] == code:
            pieces[-1] = (code, pieces[-1][1] + text)
        else:
            pieces.append((code, text))
    if all(code is None for code, _ in pieces):
        _text(holder, "".join(text for _, text in pieces), ns)
        return
    for code, text in pieces:
        run = holder.makeelement(f"{{{ns}}}r", {})
        if code is not None and code in source.formats:
            run.append(copy.deepcopy(source.formats[code]))
        _text(run, text, ns)
        holder.append(run)


def _text(parent: Any, text: str, ns: str) -> None:
    element = parent.makeelement(f"{{{ns}}}t", {})
    element.text = _TO_ESCAPE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    if text != text.strip() or "\n" in text:
        element.set(_XML_SPACE, "preserve")
    parent.append(element)


def _cell_at(row: Any, column: int, number: int, ns: str, *, like: Any) -> Any:
    """The row's cell in ``column``, added in column order (styled as ``like``) if missing."""
    position = 0
    current = -1
    for position, cell in enumerate(row.iterchildren(f"{{{ns}}}c")):  # noqa: B007
        reference = cell.get("r")
        current = _column(reference) if reference else current + 1
        if current == column:
            return cell
        if current > column:
            break
    else:
        position = len(row.findall(f"{{{ns}}}c"))
    cell = row.makeelement(f"{{{ns}}}c", {"r": f"{_letters(column)}{number}"})
    if like is not None and like.get("s") is not None:
        cell.set("s", like.get("s"))
    row.insert(position, cell)
    spans = row.get("spans")
    if spans and re.fullmatch(r"\d+:\d+", spans):
        low, high = (int(part) for part in spans.split(":"))
        if column + 1 > high:
            row.set("spans", f"{low}:{column + 1}")
    return cell


def _widen(root: Any, ns: str, last: int, created: Sequence[tabular.Pair]) -> None:
    """The sheet's declared size takes in the new columns, each as wide as its source."""
    dimension = root.find(f"{{{ns}}}dimension")
    if dimension is not None:
        reference = dimension.get("ref", "")
        match = re.fullmatch(r"([A-Z]+)(\d+):([A-Z]+)(\d+)", reference)
        if match and _column(match.group(3)) < last:
            dimension.set(
                "ref", f"{match.group(1)}{match.group(2)}:{_letters(last)}{match.group(4)}"
            )
    columns = root.find(f"{{{ns}}}cols")
    if columns is None:
        return
    for pair in created:
        number, source = pair.target + 1, pair.source + 1
        widths = list(columns.iterchildren(f"{{{ns}}}col"))
        if any(int(c.get("min", 0)) <= number <= int(c.get("max", 0)) for c in widths):
            continue
        model = next(
            (c for c in widths if int(c.get("min", 0)) <= source <= int(c.get("max", 0))), None
        )
        if model is None:
            continue
        added = copy.deepcopy(model)
        added.set("min", str(number))
        added.set("max", str(number))
        after = [c for c in widths if int(c.get("min", 0)) < number]
        if after:
            after[-1].addnext(added)
        else:
            columns.insert(0, added)


def _serialised(root: Any, original: bytes) -> bytes:
    """The edited part, with the original's XML declaration when it was UTF-8."""
    from lxml import etree

    prolog = _PROLOG.match(original)
    if prolog is None or _UTF8_PROLOG.search(prolog.group(0)):
        head = prolog.group(0) if prolog else b""
        body: bytes = etree.tostring(root.getroottree(), encoding="UTF-8")
        return head + _PROLOG.sub(b"", body)
    encoding = root.getroottree().docinfo.encoding or "UTF-8"
    serialised: bytes = etree.tostring(
        root.getroottree(), encoding=encoding, xml_declaration=True, standalone=True
    )
    return serialised


_COLUMNS: dict[str, int] = {}


def _column(reference: str) -> int:
    """0-based column of a cell reference such as ``AB12``."""
    match = _LETTERS.match(reference)
    letters = match.group(0).upper() if match else ""
    found = _COLUMNS.get(letters)
    if found is None:
        found = 0
        for letter in letters:
            found = found * 26 + ord(letter) - 64
        found -= 1
        if len(_COLUMNS) < 20000:
            _COLUMNS[letters] = found
    return found


def _letters(column: int) -> str:
    """``A`` for column 0, ``AA`` for 26."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


__all__ = ["Xlsx"]
