"""Real workbooks and CSV files of other projects (``tests/corpus/xlsx``, ``tests/corpus/csv``).

For each: rendering its segments unchanged gives the input back byte for byte, and a
translation through ``pseudo`` gives a file its format's own tools read, with only the
translated cells changed. An XLSX output is compared part by part with its input: the
parts we did not edit are byte-identical, every XML part parses, openpyxl loads it, and
every formula and cached value is the input's. A CSV output is read back with the csv
module in the input's encoding and dialect: the other columns are the input's.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lxml import etree

from workbench import inline
from workbench.batch.formats import FormatOptions, format_for
from workbench.errors import InvalidInput
from workbench.providers.registry import get_provider
from workbench.textfiles import decode_text, sniff_delimiter

CORPUS = Path(__file__).parents[2] / "corpus"

# (file, the columns a user would name in it); a workbook may be there twice
WORKBOOKS: list[tuple[str, tuple[str, ...]]] = [
    ("excelize-Book1.xlsx", ("Total:",)),  # background picture, drawing, comments, table
    ("excelize-Book1.xlsx", ("Brand", "Monitor:fr")),  # rich text, inline strings, formulas
    ("excelize-MergeCell.xlsx", ("A1", "C1:fr")),
    ("frictionless-sheets.xlsx", ("name:fr",)),
    ("frictionless-skip-rows.xlsx", ("B",)),  # a title row above the header
    ("openpyxl-bug275.xlsx", ("Y/N",)),  # one shared string used by several cells
    ("openpyxl-bug304.xlsx", ("ФИО",)),  # custom XML parts
    ("openpyxl-comments.xlsx", ("this",)),  # comments, printer settings
    ("openpyxl-concatenate.xlsx", ("Hello, ",)),  # a formula over the translated cell
    ("openpyxl-contains_chartsheets.xlsx", ("month",)),  # chart sheets
    ("openpyxl-formulae.xlsx", ("Nothing",)),  # formulas with cached values
    ("openpyxl-libreoffice_nrt.xlsx", ("Simple LibreOffice spreadsheet",)),  # print header
    ("openpyxl-merge_range.xlsx", ("C",)),  # numbers above the header
    ("swisstopo-translations.xlsx", ("en:es",)),  # a translation table: de, fr, it, en
    ("swisstopo-translations.xlsx", ("it",)),
]
DATA_BARS = "openpyxl-conditional-formatting.xlsx"  # data bars and no text at all
REPEATED = "openpyxl-complex-styles.xlsx"  # a header naming four columns alike
TABLES: dict[str, tuple[str, ...]] = {
    "frictionless-bom.csv": ("name",),
    "frictionless-doublequote.csv": ("NOMBREPROGRAMA", "DESCRIPCIONPROGRAMA:fr"),
    "frictionless-duplicate-headers.csv": ("name",),
    "frictionless-encoding-issue-274.csv": ("name", "description"),
    "frictionless-escaping.csv": (" Test",),
    "frictionless-issue-1009-semicolon.csv": ("fieldNameB",),
    "frictionless-latin1.csv": ("name",),
    "frictionless-matrix-with-comment.csv": ("f2:label",),
    "frictionless-skip-rows-before-headers.csv": ("name",),
    "frictionless-table-unicode-headers.csv": ("国人",),
    "frictionless-table-with-accents.csv": ("Quartier", "Classement:fr"),
    "frictionless-table.tsv": ("name",),
    "godot-translation-text.csv": ("en:fr",),
}


def test_every_corpus_file_is_listed() -> None:
    workbooks = {name for name, _columns in WORKBOOKS} | {DATA_BARS, REPEATED}
    assert sorted(p.name for p in (CORPUS / "xlsx").glob("*.xlsx")) == sorted(workbooks)
    listed = sorted(p.name for p in (CORPUS / "csv").iterdir() if p.suffix in (".csv", ".tsv"))
    assert listed == sorted(TABLES)


def fills(columns: tuple[str, ...]) -> bool:
    """Whether a SRC:DEST column is named (a header such as "Total:" is taken whole)."""
    return any(re.search(r":.", column) for column in columns)


async def pseudo(texts: list[str]) -> list[str]:
    async with get_provider("pseudo") as provider:
        return [t.text for t in await provider.translate_segments(texts, target="fr")]


# --- XLSX ---------------------------------------------------------------------------------


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def formulas(data: bytes) -> list[tuple[str, str, str, str]]:
    """Every formula cell of every sheet: where, the formula and its cached value."""
    found = []
    for name, content in parts(data).items():
        if not name.startswith("xl/worksheets/") or not name.endswith(".xml"):
            continue
        root = etree.fromstring(content)
        for cell in root.iter("{*}c"):
            formula = cell.find("{*}f")
            if formula is not None:
                found.append(
                    (
                        name,
                        cell.get("r", ""),
                        etree.tostring(formula).decode(),
                        cell.findtext("{*}v") or "",
                    )
                )
    return found


def outside_cells(content: bytes) -> list[bytes]:
    """A worksheet without its cells, size and column widths: what an edit must not touch."""
    root = etree.fromstring(content)
    return [
        etree.tostring(child)
        for child in root
        if etree.QName(child).localname not in ("sheetData", "dimension", "cols")
    ]


@pytest.mark.parametrize(("name", "columns"), WORKBOOKS)
def test_workbook_unchanged_translations_give_the_same_bytes(
    name: str, columns: tuple[str, ...]
) -> None:
    data = (CORPUS / "xlsx" / name).read_bytes()
    document = format_for(name).read(data, FormatOptions(columns=columns))
    out = document.render(document.texts)
    created = fills(columns)
    assert (out == data) is not created  # a new target column is written even so


@pytest.mark.parametrize(("name", "columns"), WORKBOOKS)
async def test_workbook_translated_keeps_every_other_part(
    name: str, columns: tuple[str, ...]
) -> None:
    data = (CORPUS / "xlsx" / name).read_bytes()
    document = format_for(name).read(data, FormatOptions(columns=columns))
    assert document.segments, "each listed workbook has text to translate"
    translated = await pseudo(document.texts)
    out = document.render(translated)

    before, after = parts(data), parts(out)
    assert list(after) == list(before)
    changed = {part for part in before if before[part] != after[part]}
    assert changed, "the translation is written"
    assert all(re.fullmatch(r"xl/(worksheets/sheet\d*|sharedStrings)\.xml", p) for p in changed)
    for part in changed:
        if part.startswith("xl/worksheets/"):
            assert outside_cells(after[part]) == outside_cells(before[part])
    for part, content in after.items():
        if part.endswith((".xml", ".rels")):
            etree.fromstring(content)  # every XML part parses
    assert formulas(out) == formulas(data)

    book, original = load(out), load(data)
    texts = {
        (sheet.title, cell.coordinate): cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    }
    for segment, result in zip(document.segments, translated, strict=True):
        sheet_name, _, rest = segment.where.partition("!")
        source_cell = rest.partition(",")[0]
        readable = inline.parse(result).readable
        if not fills(columns):
            assert texts[(sheet_name, source_cell)] == readable
            assert original[sheet_name][source_cell].value != readable
    assert book.sheetnames == original.sheetnames


def load(data: bytes) -> openpyxl.Workbook:
    with warnings.catch_warnings():
        # openpyxl warns about the extensions it drops; we only read what it understands.
        warnings.simplefilter("ignore", UserWarning)
        return openpyxl.load_workbook(io.BytesIO(data))


def test_workbook_with_data_bars_and_no_text_is_refused_clearly() -> None:
    data = (CORPUS / "xlsx" / DATA_BARS).read_bytes()
    with pytest.raises(InvalidInput, match="column 'A' not found; the file has: none"):
        format_for("x.xlsx").read(data, FormatOptions(columns=("A",)))


def test_a_header_naming_the_chosen_column_twice_is_refused_naming_them() -> None:
    data = (CORPUS / "xlsx" / REPEATED).read_bytes()
    with pytest.raises(InvalidInput) as refusal:
        format_for("x.xlsx").read(data, FormatOptions(columns=("Column Width (2.6 inches)",)))
    assert str(refusal.value) == (
        "the header (row 1) has 4 columns named 'Column Width (2.6 inches)' (A, C, E and G); "
        "rename them so each name is unique, or name another column"
    )


async def test_target_column_is_created_beside_the_source_in_a_real_workbook() -> None:
    data = (CORPUS / "xlsx" / "frictionless-sheets.xlsx").read_bytes()
    document = format_for("x.xlsx").read(data, FormatOptions(columns=("name:fr",)))
    out = document.render(await pseudo(document.texts))
    sheet = load(out).worksheets[0]
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["id", "name", "fr"],
        [1, "london", "[löñdöñ ~~]"],
    ]


# --- CSV ----------------------------------------------------------------------------------


def rows_of(data: bytes) -> tuple[list[list[str]], str, str]:
    decoded = decode_text(data, "CSV")
    delimiter = sniff_delimiter(decoded.text)
    rows = list(csv.reader(io.StringIO(decoded.text, newline=""), delimiter=delimiter))
    return rows, delimiter, decoded.encoding


@pytest.mark.parametrize("name", sorted(TABLES))
def test_table_unchanged_translations_give_the_same_bytes(name: str) -> None:
    data = (CORPUS / "csv" / name).read_bytes()
    document = format_for(name).read(data, FormatOptions(columns=TABLES[name]))
    created = fills(TABLES[name])
    assert (document.render(document.texts) == data) is not created


@pytest.mark.parametrize("name", sorted(TABLES))
async def test_table_translated_changes_only_its_columns(name: str) -> None:
    data = (CORPUS / "csv" / name).read_bytes()
    document = format_for(name).read(data, FormatOptions(columns=TABLES[name]))
    assert document.segments
    translated = await pseudo(document.texts)
    out = document.render(translated)
    before, delimiter, encoding = rows_of(data)
    after, out_delimiter, out_encoding = rows_of(out)
    assert (out_delimiter, out_encoding) == (delimiter, encoding)
    assert len(after) == len(before)
    # Line endings are the input's, record by record.
    assert out.count(b"\r\n") - data.count(b"\r\n") == sum(
        text.count("\r\n") - source.count("\r\n")
        for text, source in zip(translated, document.texts, strict=True)
    )
    header = next(i for i, row in enumerate(before) if any(c in row for c in _sources(name)))
    names = before[header]
    touched = {names.index(c) for c in TABLES[name] if not fills((c,))}
    created = [c for c in TABLES[name] if fills((c,))]
    touched |= set(range(len(names), len(names) + len(created)))
    for before_row, after_row in zip(before, after, strict=True):
        kept = [cell for i, cell in enumerate(after_row) if i not in touched]
        assert kept[: len(before_row)] == [
            cell for i, cell in enumerate(before_row) if i not in touched
        ]
    segment_rows = {int(s.where.split(",")[0].removeprefix("row ")) for s in document.segments}
    for number in segment_rows:
        assert after[number - 1] != before[number - 1]


def _sources(name: str) -> list[str]:
    return [column.partition(":")[0] for column in TABLES[name]]


def test_godot_translation_table_gets_a_french_column() -> None:
    data = (CORPUS / "csv" / "godot-translation-text.csv").read_bytes()
    document = format_for("text.csv").read(data, FormatOptions(columns=("en:fr",)))
    assert document.texts[:2] == ["Hello!", "Push Me!"]
    out = document.render([f"FR {inline.text_of(t)}" for t in document.texts])
    rows, _, _ = rows_of(out)
    assert rows[0] == ["", "en", "es", "ja", "ru", "fr"]
    assert rows[1] == ["KEY_HELLO", "Hello!", "Hola!", "こんにちは!", "Привет!", "FR Hello!"]
    assert out.startswith(data.split(b"\n")[0] + b",fr\n")
