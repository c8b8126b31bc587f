"""Every file format: segments found, structure kept, malformed files refused.

``shout`` stands in for a translation here so every changed character is visible; the
engine tests run the same formats through real providers.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

import docx
import openpyxl
import polib
import pytest
from docx.shared import Pt

from tests.batch.samples import MARKDOWN, PO, SRT, document, workbook
from workbench.batch.formats import FORMATS, FormatOptions, format_for
from workbench.errors import InvalidInput


def shout(text: str) -> str:
    return f"<{text.upper()}>"


def translate(data: bytes, extension: str, **options: object) -> tuple[list[str], bytes]:
    document = format_for(f"file{extension}").read(data, FormatOptions(**options))  # type: ignore[arg-type]
    return document.texts, document.render([shout(t) for t in document.texts])


def test_every_extension_has_a_format() -> None:
    assert set(FORMATS) >= {".csv", ".xlsx", ".txt", ".md", ".json", ".po", ".docx", ".srt"}
    with pytest.raises(InvalidInput, match=r"unsupported file type \.exe"):
        format_for("setup.exe")


# --- text and Markdown --------------------------------------------------------------------


def test_plain_text_paragraphs_and_separators_are_kept() -> None:
    source = b"\nFirst paragraph\nstill first.\n\n\n  Second one.\n"
    texts, out = translate(source, ".txt")
    assert texts == ["First paragraph\nstill first.", "  Second one."]
    assert out == b"\n<FIRST PARAGRAPH\nSTILL FIRST.>\n\n\n<  SECOND ONE.>\n"


def test_plain_text_segments_name_the_line_they_start_on() -> None:
    source = b"\n\nOne\ntwo\n\n \n\nThree\n\n\n\nFour"
    document = format_for("notes.txt").read(source, FormatOptions())
    assert [segment.where for segment in document.segments] == ["line 3", "line 8", "line 12"]


def test_markdown_structure_and_code_are_kept() -> None:
    texts, out = translate(MARKDOWN.encode(), ".md")
    assert texts == [
        "Getting *started*",
        "Install the package\nwith pip.",
        "first item",
        "done item",
        "numbered",
        "a quotation",
        "Name",
        "Role",
        "Ada",
        "admin",
        "Setext title",
    ]
    text = out.decode()
    assert "pip install workbench  # never translated" in text
    assert "    indented code stays" in text
    assert "# <GETTING *STARTED*>" in text
    assert "- [x] <DONE ITEM>" in text
    assert "|------|:----:|" in text
    assert "| <ADA>  | <ADMIN> |" in text
    assert "[docs]: https://example.org/docs" in text
    assert text.startswith("---\ntitle: Guide\n---\n")


def test_rendering_the_source_gives_the_file_back() -> None:
    document = format_for("x.md").read(MARKDOWN.encode(), FormatOptions())
    assert document.render(document.texts) == MARKDOWN.encode()


# --- JSON ---------------------------------------------------------------------------------


def test_json_catalog_keeps_keys_nesting_and_non_strings() -> None:
    catalog = {
        "menu": {"open": "Open {file}", "count": "{n} items", "items": ["Cut", "Paste"]},
        "version": 3,
        "enabled": True,
        "empty": None,
    }
    texts, out = translate(json.dumps(catalog, indent=4).encode(), ".json")
    assert texts == ["Open {file}", "{n} items", "Cut", "Paste"]
    result = json.loads(out)
    assert list(result) == ["menu", "version", "enabled", "empty"]
    assert result["menu"]["items"] == ["<CUT>", "<PASTE>"]
    assert result["version"] == 3
    assert result["enabled"] is True
    assert out.decode().splitlines()[1].startswith('    "menu"')


# --- PO -----------------------------------------------------------------------------------


def test_po_translates_untranslated_entries_with_plurals_and_keeps_fuzzy_ones() -> None:
    document = format_for("app.po").read(PO.encode(), FormatOptions(target_lang="pl"))
    assert document.texts == ["Save", "File", "One file", '<x id="1" equiv="{n}"/> files']
    out = document.render(["SAVE", "FILE", "ONE FILE", '<x id="1" equiv="{n}"/> FILES'])
    catalog = polib.pofile(out.decode())
    entries = {(e.msgctxt, e.msgid): e for e in catalog}
    assert entries[(None, "Save")].msgstr == "SAVE"
    assert entries[(None, "Already done")].msgstr == "Déjà fait"
    assert "fuzzy" not in entries[(None, "Already done")].flags
    assert entries[(None, "Maybe")].msgstr == "Peut-être"  # a person's fuzzy work is kept
    assert entries[(None, "Save")].flags == ["fuzzy"]
    assert entries[("menu", "File")].msgstr == "FILE"
    plural = entries[(None, "One file")]
    assert plural.msgstr_plural == {0: "ONE FILE", 1: "{n} FILES", 2: "{n} FILES"}
    assert catalog.metadata["Language"] == "pl"
    assert [e.msgid for e in catalog.obsolete_entries()] == ["Old"]


# --- SRT ----------------------------------------------------------------------------------


def test_srt_keeps_numbers_and_timings() -> None:
    texts, out = translate(SRT.encode(), ".srt")
    assert texts == ["Hello there.\nSecond line.", "Bye."]
    assert out.decode() == (
        "1\r\n00:00:01,000 --> 00:00:02,500\r\n<HELLO THERE.\r\nSECOND LINE.>\r\n\r\n"
        "2\r\n00:00:03,000 --> 00:00:04,000\r\n<BYE.>\r\n"
    )


# --- CSV and XLSX -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ";"), ("utf-16", "\t"), ("cp1252", ",")],
)
def test_csv_translates_chosen_columns_and_keeps_the_rest(encoding: str, delimiter: str) -> None:
    rows = [["id", "text", "note"], ["1", "Café crème", "keep"], ["2", 'Say "hi", ok', "x"]]
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = buffer.getvalue().encode(encoding)
    texts, out = translate(data, ".csv", columns=("text",))
    assert texts == ["Café crème", 'Say "hi", ok']
    back = list(csv.reader(io.StringIO(out.decode(encoding), newline=""), delimiter=delimiter))
    assert back == [
        ["id", "text", "note"],
        ["1", "<CAFÉ CRÈME>", "keep"],
        ["2", '<SAY "HI", OK>', "x"],
    ]
    # Written back in the input's encoding, byte-order mark included.
    assert out.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    assert out.startswith((b"\xff\xfe", b"\xfe\xff")) == (encoding == "utf-16")


def test_csv_needs_an_existing_column() -> None:
    with pytest.raises(InvalidInput, match=r"column 'body' not found; the file has: 'id', 'text'"):
        translate(b"id,text\n1,a\n", ".csv", columns=("body",))
    with pytest.raises(InvalidInput, match="--column"):
        translate(b"id,text\n1,a\n", ".csv")


def test_xlsx_edits_cells_in_place_keeping_styles_formulas_and_sheets() -> None:
    texts, out = translate(workbook(), ".xlsx", columns=("text",))
    assert texts == ["Hello", "World"]
    book = openpyxl.load_workbook(io.BytesIO(out))
    sheet = book["Strings"]
    assert [sheet["B2"].value, sheet["B3"].value] == ["<HELLO>", "<WORLD>"]
    assert sheet["B2"].font.bold
    assert sheet.column_dimensions["B"].width == 42
    assert sheet["C3"].value == "=C2*2"
    assert book["Notes"]["A1"].value == "untouched"


def test_xlsx_translation_starting_with_equals_stays_text() -> None:
    document = format_for("x.xlsx").read(workbook(), FormatOptions(columns=("text",)))
    out = document.render(["=SUM(1,2)", "plain"])
    cell = openpyxl.load_workbook(io.BytesIO(out))["Strings"]["B2"]
    assert cell.value == "=SUM(1,2)"
    assert cell.data_type == "s"


# --- DOCX ---------------------------------------------------------------------------------


def test_docx_replaces_text_run_by_run_keeping_formatting() -> None:
    texts, out = translate(document(), ".docx")
    assert texts == [
        "Plain start, ",
        "bold part",
        " and end.",
        "A heading",
        "Cell A",
        "Cell B",
        "Header text",
    ]
    word = docx.Document(io.BytesIO(out))
    runs = word.paragraphs[0].runs
    assert [r.text for r in runs] == ["<PLAIN START, >", "<BOLD PART>", "< AND END.>"]
    assert runs[1].bold is True
    assert word.paragraphs[1].style is not None
    assert word.paragraphs[1].style.name == "Heading 1"
    cell_run = word.tables[0].cell(0, 1).paragraphs[0].runs[0]
    assert cell_run.text == "<CELL B>"
    assert cell_run.font.size == Pt(20)
    assert word.sections[0].header.paragraphs[0].text == "<HEADER TEXT>"


# --- malformed files ----------------------------------------------------------------------


def _zip_withoutdocument() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not office")
    return out.getvalue()


@pytest.mark.parametrize(
    ("extension", "data", "message"),
    [
        (".csv", b'id,text\n1,"unterminated\n2,x"y\n', "malformed"),
        (".csv", b"\x00\x01\x02binary", "binary data"),
        (".xlsx", b"PK\x03\x04 not really a zip", "not an Excel"),
        (".xlsx", _zip_withoutdocument(), "not an Excel"),
        (".txt", b"caf\xe9 \xff\xfe\x00", "binary data"),
        (".txt", b"caf\xe9 au lait", "not UTF-8"),
        (".md", b"\x89PNG\r\n\x1a\n\x00\x00", "binary data"),
        (".json", b'{"a": "b",}', "malformed: .* line 1"),
        (".json", b'"just a string"', "object of keys"),
        (".po", b'msgid "a"\nmsgstr "b"\nmsgid "c"\nbroken line\n', "malformed"),
        (".po", b"/etc/passwd", "no entries"),
        (".docx", b"random bytes", "not a Word"),
        (".docx", _zip_withoutdocument(), "not a Word"),
        (".srt", b"1\nnot a timing\nText\n", "malformed at subtitle 1"),
        (".srt", b"\n\n", "no subtitles"),
    ],
)
def test_malformed_files_are_refused_clearly(extension: str, data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        format_for(f"file{extension}").read(data, FormatOptions(columns=("text",)))


def test_render_needs_one_translation_per_segment() -> None:
    document = format_for("a.txt").read(b"one\n\ntwo\n", FormatOptions())
    with pytest.raises(ValueError, match="1 translations given for 2 segments"):
        document.render(["only one"])
