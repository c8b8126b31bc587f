"""The input limits: each is a setting, each refusal names it, and ordinary files pass.

The bombs themselves, end to end under a memory cap, are in tests/attacks/test_inputs.py.
"""

from __future__ import annotations

import json

import pytest

from tests.attacks import input_bombs as bombs
from workbench.batch.formats import FormatOptions, format_for
from workbench.config import Settings, get_settings
from workbench.errors import ConfigError, InvalidInput
from workbench.limits import InputLimits


def limits(**settings: int) -> InputLimits:
    return InputLimits.of(Settings(**settings))  # type: ignore[arg-type]


def test_each_limit_comes_from_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {
        "WORKBENCH_MAX_UNCOMPRESSED_MB": "7",
        "WORKBENCH_MAX_COMPRESSION_RATIO": "9",
        "WORKBENCH_MAX_CELLS": "11",
        "WORKBENCH_MAX_NESTING": "13",
        "WORKBENCH_MAX_SEGMENTS": "15",
        "WORKBENCH_MAX_SEGMENT_BYTES": "17",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    assert InputLimits.of(Settings()) == InputLimits(
        uncompressed_bytes=7 * 1024 * 1024,
        compression_ratio=9,
        cells=11,
        nesting=13,
        segments=15,
        segment_bytes=17,
    )


def test_a_limit_below_one_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_MAX_SEGMENTS", "0")
    get_settings.cache_clear()
    with pytest.raises(
        ConfigError, match=r"^WORKBENCH_MAX_SEGMENTS is not valid: .*greater than or equal to 1"
    ):
        get_settings()


def test_json_is_measured_on_its_brackets_not_on_those_in_strings() -> None:
    text = json.dumps({"menu": {"open": "[[[{{{ : : ]]]", "close": ["a", "b\\"]}})
    tight = limits(max_nesting=3, max_segments=3)
    tight.check_json(text)  # three levels, three string values: within both limits
    with pytest.raises(InvalidInput, match=r"nested 3 levels deep; the limit is 2 \("):
        limits(max_nesting=2).check_json(text)
    with pytest.raises(InvalidInput, match=r"more than 2 strings; .*WORKBENCH_MAX_SEGMENTS"):
        limits(max_segments=2).check_json(text)


def test_a_segment_is_measured_in_utf8_bytes() -> None:
    check = limits(max_segment_bytes=8).check_segment_size
    check("é" * 4, "text 1")  # 8 bytes
    check("a" * 8, "text 2")
    with pytest.raises(InvalidInput, match=r"^text 3 is 12 bytes long; the limit is 8 bytes"):
        check("😀😀😀", "text 3")  # three characters, twelve bytes


def test_csv_cells_are_rows_times_the_widest_row() -> None:
    six = limits(max_cells=6)
    six.check_table("a,b\nc,d\ne,f\n", ",", "CSV")
    six.check_table('a,"b\nwith, commas"\nc,d\n', ",", "CSV")  # quoted: two columns
    with pytest.raises(InvalidInput, match=r"rows × widest row so far: 2 × 4\).*MAX_CELLS"):
        six.check_table("a\nb,c,d,e\n", ",", "CSV")
    with pytest.raises(InvalidInput, match=r"rows × widest row so far: 1 × 7\)"):
        six.check_table("a,b,c,d,e,f,g\n", ",", "CSV")  # refused before the row is built


def test_a_workbook_counts_the_cells_it_has_not_the_size_it_declares() -> None:
    cells = {f"{column}{row}": "x" for column in "AB" for row in (1, 2, 3)}
    declared = bombs.lying_dimension_xlsx(cells, far_row=3)
    limits(max_cells=6).check_package(declared, "XLSX")
    with pytest.raises(InvalidInput, match=r"sheets span 8 cells"):
        limits(max_cells=6).check_package(bombs.lying_dimension_xlsx(cells, far_row=4), "XLSX")


def test_cells_without_references_follow_the_one_before() -> None:
    # Rows and cells as some writers leave them: no r attributes at all.
    sheet = (
        f'<worksheet xmlns="{bombs.SHEET_NS}"><sheetData>'
        + "<row><c><v>1</v></c><c><v>2</v></c></row>" * 3
        + "</sheetData></worksheet>"
    ).encode()
    book = bombs.replacing(bombs.workbook({"A1": "x"}), bombs.deflated(bombs.SHEET_PART, sheet))
    limits(max_cells=6).check_package(book, "XLSX")
    with pytest.raises(InvalidInput, match=r"sheets span 6 cells"):
        limits(max_cells=5).check_package(book, "XLSX")


def test_xml_nesting_is_limited_in_office_files() -> None:
    base = bombs.word_document()
    xml = bombs.part_of(base, bombs.WORD_PART).decode()
    # document, body, p, r, t: five levels, then nine tables' worth of nesting.
    nested = xml.replace("<w:t>Hello world</w:t>", "<w:t>Hello</w:t>" + "<w:x>" * 9 + "</w:x>" * 9)
    deep = bombs.replacing(base, bombs.deflated(bombs.WORD_PART, nested.encode()))
    limits(max_nesting=13).check_package(deep, "DOCX")
    with pytest.raises(InvalidInput, match=r"nested more than 12 elements deep.*MAX_NESTING"):
        limits(max_nesting=12).check_package(deep, "DOCX")


def test_a_binary_part_that_starts_like_xml_is_not_parsed() -> None:
    # An embedded (or obfuscated) font may start with "<" by chance; no reader parses it.
    base = bombs.word_document()
    font = bombs.deflated("word/fonts/font1.odttf", b"<\x89\x00\x17binary" * 100)
    with_font = bombs.replacing(base, font)
    assert bombs.part_of(with_font, font.name).startswith(b"<")
    limits().check_package(with_font, "DOCX")
    broken = bombs.deflated("word/settings.xml", b"<w:settings><w:zoom></w:settings>")
    with pytest.raises(InvalidInput, match=r"word/settings\.xml is not well-formed XML"):
        limits().check_package(bombs.replacing(base, broken), "DOCX")


def test_a_part_packed_by_a_method_office_never_uses_is_refused() -> None:
    base = bombs.word_document()
    archive = bytearray(base)
    # The central directory's method field of the first part, set to bzip2 (12).
    start = archive.index(b"PK\x01\x02")
    archive[start + 10 : start + 12] = (12).to_bytes(2, "little")
    with pytest.raises(InvalidInput, match=r"is packed in a way Office never uses"):
        limits().check_package(bytes(archive), "DOCX")


def test_small_parts_may_compress_past_the_ratio() -> None:
    # Under 1 MiB, a part may be as repetitive as it likes (empty styled cells, say).
    padding = bombs.deflated("word/padding.xml", b"<a>" + b" " * 1_000_000 + b"</a>")
    assert padding.size > 100 * len(padding.compressed)
    limits().check_package(bombs.replacing(bombs.word_document(), padding), "DOCX")


@pytest.mark.parametrize(
    ("name", "data", "refusal"),
    [
        ("notes.txt", b"One.\n\nTwo.\n\nThree.\n", r"this text file has more than 2 segments"),
        ("notes.md", b"# One\n\nTwo.\n\n- three\n", r"this Markdown file has more than 2 segm"),
        (
            "movie.srt",
            b"1\n00:00:01,000 --> 00:00:02,000\nOne\n\n2\n00:00:02,000 --> 00:00:03,000\nTwo\n\n"
            b"3\n00:00:03,000 --> 00:00:04,000\nThree\n",
            r"this SRT file has more than 2 subtitles",
        ),
        (
            "app.po",
            b'msgid "a"\nmsgstr ""\n\nmsgid "b"\nmsgstr ""\n\n#~ msgid "c"\n#~ msgstr "C"\n',
            r"this PO file has more than 2 entries",
        ),
        ("app.json", b'{"a": "One", "b": ["Two", "Three"]}', r"this JSON file has more than 2 str"),
    ],
)
def test_each_text_format_counts_its_segments_as_it_reads(
    name: str, data: bytes, refusal: str
) -> None:
    two = limits(max_segments=2)
    with pytest.raises(InvalidInput, match=refusal + r".*\(WORKBENCH_MAX_SEGMENTS\)"):
        format_for(name).read(data, FormatOptions(limits=two))
    assert len(format_for(name).read(data, FormatOptions(limits=limits(max_segments=3))).texts)
