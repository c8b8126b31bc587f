"""CSV and XLSX, from minimal files: the defects of issue 16 and the column and header rules.

The workbooks are written part by part here, so each carries exactly the case it tests
(data bars, custom XML, a print header, a shared string used twice, rich text).
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile

import openpyxl
import pytest
from lxml import etree

from workbench.batch.formats import Document, FormatOptions, format_for
from workbench.errors import InvalidInput

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def workbook(
    sheet: str, strings: list[str] | None, *, extra: dict[str, bytes] | None = None
) -> bytes:
    """A workbook of one worksheet (``sheet``: its <sheetData> and what follows) and an
    untouched second one; ``strings`` are <si> bodies (None: no shared strings part)."""
    rels = [
        f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>',
        f'<Relationship Id="rId2" Type="{REL}/worksheet" Target="worksheets/sheet2.xml"/>',
    ]
    rels.append(f'<Relationship Id="rId4" Type="{REL}/styles" Target="styles.xml"/>')
    if strings is not None:
        rels.append(
            f'<Relationship Id="rId3" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
        )
    parts = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns='
            b'"http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="xml" ContentType="application/xml"/>'
            b'<Default Extension="rels" ContentType='
            b'"application/vnd.openxmlformats-package.relationships+xml"/>'
            b'<Default Extension="bin" ContentType='
            b'"application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings"/>'
            b'<Override PartName="/xl/workbook.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            b'<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            + (
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                if strings is not None
                else b""
            )
            + b"</Types>"
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
            f'"{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN}"'
            f' xmlns:r="{REL}"><sheets><sheet name="Strings" sheetId="1" r:id="rId1"/>'
            '<sheet name="Other" sheetId="2" r:id="rId2"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
            f'xmlns="{PKG}">{"".join(rels)}</Relationships>'
        ).encode(),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
            f'"{MAIN}" xmlns:r="{REL}">{sheet}</worksheet>'
        ).encode(),
        "xl/worksheets/sheet2.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
            f'"{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>text</t></is></c>'
            "</row></sheetData></worksheet>"
        ).encode(),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN}">'
            '<fonts count="1"><font/></fonts><fills count="1"><fill><patternFill/></fill></fills>'
            '<borders count="1"><border/></borders><cellXfs count="4">'
            + '<xf fontId="0" fillId="0" borderId="0"/>' * 4
            + "</cellXfs></styleSheet>"
        ).encode(),
        **(extra or {}),
    }
    if strings is not None:
        parts["xl/sharedStrings.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN}" '
            f'count="{len(strings)}" uniqueCount="{len(strings)}">'
            + "".join(f"<si>{body}</si>" for body in strings)
            + "</sst>"
        ).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def rows(*cells: str) -> str:
    return "<sheetData>" + "".join(cells) + "</sheetData>"


def read(data: bytes, name: str, *columns: str, **options: object) -> Document:
    return format_for(name).read(data, FormatOptions(columns=columns, **options))  # type: ignore[arg-type]


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def values(data: bytes, sheet: str = "Strings") -> list[list[object]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # extensions openpyxl does not read
        book = openpyxl.load_workbook(io.BytesIO(data))
    return [[cell.value for cell in row] for row in book[sheet].iter_rows()]


def french(texts: list[str]) -> list[str]:
    """A stand-in translation that keeps every code where it was."""
    return ["FR " + text for text in texts]


def bars(sheet: bytes) -> bytes:
    """The sheet's data bars as XML, not bytes: lxml may write a namespace declaration
    before an attribute it followed."""
    found = etree.fromstring(sheet).find(f"{{{MAIN}}}conditionalFormatting")
    return etree.tostring(found, method="c14n")


# --- XLSX: what the openpyxl round trip lost -------------------------------------------

DATA_BARS = (
    '<conditionalFormatting sqref="C2:C3"><cfRule type="dataBar" priority="1"><dataBar>'
    '<cfvo type="min"/><cfvo type="max"/><color rgb="FF638EC6"/></dataBar><extLst>'
    '<ext uri="{B025F937-C7B1-47D3-B67F-A62EFF666E3E}" xmlns:x14="http://schemas.microsoft.'
    'com/office/spreadsheetml/2009/9/main"><x14:id>{00000000-0000-0000-0000-000000000001}'
    "</x14:id></ext></extLst></cfRule></conditionalFormatting>"
)
HEADER_FOOTER = "<headerFooter><oddHeader>&amp;CConfidential &amp;D</oddHeader></headerFooter>"


def kept_parts_workbook() -> bytes:
    sheet = (
        rows(
            '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
            '<c r="C1" t="s"><v>2</v></c></row>',
            '<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" t="s"><v>4</v></c>'
            '<c r="C2"><v>5</v></c></row>',
            '<row r="3"><c r="A3" t="s"><v>5</v></c><c r="B3" t="s"><v>6</v></c>'
            '<c r="C3"><f>C2*2</f><v>10</v></c></row>',
        )
        + DATA_BARS
        + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        'footer="0.3"/>' + HEADER_FOOTER + '<picture r:id="rId9"/>'
    )
    strings = ["<t>key</t>", "<t>text</t>", "<t>score</t>", "<t>k1</t>", "<t>Hello</t>"]
    strings += ["<t>k2</t>", "<t>World</t>"]
    extra = {
        "customXml/item1.xml": b'<?xml version="1.0"?><b:Sources xmlns:b="urn:x"/>',
        "xl/printerSettings/printerSettings1.bin": bytes(range(256)),
        "xl/charts/style1.xml": b'<?xml version="1.0"?><cs:chartStyle xmlns:cs="urn:cs"/>',
        "xl/media/image1.png": b"\x89PNG\r\n\x1a\n" + bytes(64),
    }
    return workbook(sheet, strings, extra=extra)


def test_xlsx_edits_only_the_sheet_and_shared_strings_byte_for_byte() -> None:
    data = kept_parts_workbook()
    document = read(data, "t.xlsx", "text")
    assert document.texts == ["Hello", "World"]
    out = document.render(french(document.texts))
    before, after = parts(data), parts(out)
    assert list(after) == list(before)
    assert {name for name in before if before[name] != after[name]} == {
        "xl/worksheets/sheet1.xml",
        "xl/sharedStrings.xml",
    }
    sheet = after["xl/worksheets/sheet1.xml"]
    for kept in (HEADER_FOOTER, "<f>C2*2</f><v>10</v>", '<picture r:id="rId9"/>'):
        assert kept.encode() in sheet
    assert bars(sheet) == bars(before["xl/worksheets/sheet1.xml"])
    assert sheet.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet')
    assert values(out) == [
        ["key", "text", "score"],
        ["k1", "FR Hello", 5],
        ["k2", "FR World", "=C2*2"],
    ]


def test_xlsx_with_nothing_to_change_is_the_same_bytes() -> None:
    data = kept_parts_workbook()
    document = read(data, "t.xlsx", "text")
    assert document.render(document.texts) == data


def test_xlsx_shared_string_of_an_untranslated_cell_is_not_changed() -> None:
    # "Hello" is both a key (A2, not translated) and a text (B2).
    sheet = rows(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>',
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>2</v></c></row>',
    )
    data = workbook(sheet, ["<t>key</t>", "<t>text</t>", "<t>Hello</t>"])
    document = read(data, "t.xlsx", "text")
    out = document.render(french(document.texts))
    assert values(out) == [["key", "text"], ["Hello", "FR Hello"]]
    strings = etree.fromstring(parts(out)["xl/sharedStrings.xml"])
    assert (strings.get("count"), strings.get("uniqueCount")) == ("3", "4")


def test_xlsx_rich_text_is_one_segment_whose_formatting_moves_with_its_words() -> None:
    bold = '<r><rPr><b/><sz val="11"/></rPr><t>Sunset</t></r>'
    sheet = rows(
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
        '<row r="2"><c r="A2" t="s"><v>1</v></c></row>',
    )
    data = workbook(
        sheet,
        [
            "<t>title</t>",
            f'<r><t xml:space="preserve">The </t></r>{bold}'
            '<r><t xml:space="preserve"> Tree</t></r>',
        ],
    )
    document = read(data, "t.xlsx", "title")
    assert document.texts == ['The <g id="1">Sunset</g> Tree']
    out = document.render(['L’arbre du <g id="1">couchant</g>'])
    item = etree.fromstring(parts(out)["xl/sharedStrings.xml"])[-1]
    runs = [(r.find(f"{{{MAIN}}}rPr") is not None, r.findtext(f"{{{MAIN}}}t")) for r in item]
    assert runs == [(False, "L’arbre du "), (True, "couchant")]
    properties = item[1].find(f"{{{MAIN}}}rPr")
    assert [etree.QName(p).localname for p in properties] == ["b", "sz"]


def test_xlsx_numbers_dates_and_formulas_in_the_column_are_not_segments() -> None:
    sheet = rows(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>text</t></is></c></row>',
        '<row r="2"><c r="A2"><v>42</v></c></row>',
        '<row r="3"><c r="A3" s="1"><v>45000</v></c></row>',
        '<row r="4"><c r="A4" t="str"><f>"a"&amp;"b"</f><v>ab</v></c></row>',
        '<row r="5"><c r="A5" t="b"><v>1</v></c></row>',
        '<row r="6"><c r="A6" t="inlineStr"><is><t>Only me</t></is></c></row>',
    )
    document = read(workbook(sheet, None), "t.xlsx", "text")
    assert [s.where for s in document.segments] == ["Strings!A6, text"]
    out = document.render(french(document.texts))
    # No shared strings part: the translation is an inline string.
    assert (
        b'<c r="A6" t="inlineStr"><is><t>FR Only me</t></is></c>'
        in parts(out)["xl/worksheets/sheet1.xml"]
    )


def test_xlsx_escaped_characters_are_read_as_characters_and_written_escaped() -> None:
    # Excel writes a carriage return as _x000D_; a text that looks like an escape gets _x005F_.
    sheet = rows(
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
        '<row r="2"><c r="A2" t="s"><v>1</v></c></row>',
    )
    data = workbook(sheet, ["<t>text</t>", "<t>One_x000D_\nTwo _x005F_x0041_</t>"])
    document = read(data, "t.xlsx", "text")
    assert document.texts == ["One&#13;\nTwo _x0041_"]
    out = document.render(["Un&#13;\nDeux _x0041_"])
    written = b'<si><t xml:space="preserve">Un_x000D_\nDeux _x005F_x0041_</t></si>'
    assert written in parts(out)["xl/sharedStrings.xml"]
    # openpyxl leaves _xHHHH_ as it is; the format reads back what it wrote.
    assert read(out, "t.xlsx", "text").texts == ["Un&#13;\nDeux _x0041_"]


def test_xlsx_translation_starting_with_equals_stays_text() -> None:
    data = kept_parts_workbook()
    document = read(data, "t.xlsx", "text")
    out = document.render(["=SUM(1,2)", "plain"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        cell = openpyxl.load_workbook(io.BytesIO(out))["Strings"]["B2"]
    assert (cell.value, cell.data_type) == ("=SUM(1,2)", "s")


# --- XLSX: target columns and the header -------------------------------------------------


def target_workbook() -> bytes:
    sheet = (
        '<dimension ref="A1:C4"/><cols><col min="2" max="2" width="40" customWidth="1"/></cols>'
        + rows(
            '<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c></row>',  # a title
            '<row r="3" spans="1:3"><c r="A3" t="s"><v>1</v></c><c r="B3" s="2" t="s"><v>2</v>'
            '</c><c r="C3" t="s"><v>3</v></c></row>',
            '<row r="4" spans="1:3"><c r="A4" t="s"><v>4</v></c><c r="B4" s="3" t="s"><v>5</v>'
            '</c><c r="C4"><v>7</v></c></row>',
            '<row r="5"><c r="A5" t="s"><v>6</v></c><c r="B5" t="s"><v>7</v></c>'
            '<c r="C5" t="s"><v>8</v></c></row>',
        )
    )
    strings = ["Glossary", "key", "en", "note", "k1", "Hello", "k2", "Bye", "Au revoir"]
    return workbook(sheet, [f"<t>{s}</t>" for s in strings])


def test_xlsx_target_column_is_created_after_the_last_one_and_the_source_kept() -> None:
    data = target_workbook()
    document = read(data, "t.xlsx", "en:fr")
    assert document.texts == ["Hello", "Bye"]
    out = document.render(french(document.texts))
    assert values(out) == [
        ["Glossary", None, None, None],
        [None, None, None, None],
        ["key", "en", "note", "fr"],
        ["k1", "Hello", 7, "FR Hello"],
        ["k2", "Bye", "Au revoir", "FR Bye"],
    ]
    sheet = etree.fromstring(parts(out)["xl/worksheets/sheet1.xml"])
    ns = {"m": MAIN}
    assert sheet.find("m:dimension", ns).get("ref") == "A1:D4"
    assert [c.get("min") for c in sheet.find("m:cols", ns)] == ["2", "4"]  # as wide as "en"
    assert sheet.find(".//m:c[@r='D3']", ns).get("s") == "2"  # styled as the header "en"
    assert sheet.find(".//m:c[@r='D4']", ns).get("s") == "3"  # styled as its source
    assert sheet.find(".//m:row[@r='4']", ns).get("spans") == "1:4"


def test_xlsx_existing_target_cells_are_kept_and_empty_ones_filled() -> None:
    document = read(target_workbook(), "t.xlsx", "en:note")
    assert document.texts == []  # C5 already says "Au revoir"; C4 holds a number
    assert document.notes == ["2 cells already filled in the target column were kept"]


def test_xlsx_header_row_option_names_the_header() -> None:
    data = target_workbook()
    assert read(data, "t.xlsx", "en", header_row=3).texts == ["Hello", "Bye"]
    with pytest.raises(InvalidInput, match=r"column 'en' not found; the file has: 'k1', 'Hello'"):
        read(data, "t.xlsx", "en", header_row=4)
    with pytest.raises(InvalidInput, match="header row 2 is empty"):
        read(data, "t.xlsx", "en", header_row=2)


def test_xlsx_sheet_with_the_columns_is_chosen() -> None:
    data = kept_parts_workbook()
    # "text" is the header of both sheets; the first one wins.
    assert read(data, "t.xlsx", "key").texts == ["k1", "k2"]


# --- CSV ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ";"), ("utf-16", "\t"), ("cp1252", ",")],
)
def test_csv_translates_chosen_columns_and_keeps_the_rest(encoding: str, delimiter: str) -> None:
    rows_in = [["id", "text", "note"], ["1", "Café crème", "keep"], ["2", 'Say "hi", ok', "x"]]
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows_in)
    data = buffer.getvalue().encode(encoding)
    document = read(data, "t.csv", "text")
    assert document.texts == ["Café crème", "Say &quot;hi&quot;, ok".replace("&quot;", '"')]
    out = document.render(french(document.texts))
    back = list(csv.reader(io.StringIO(out.decode(encoding), newline=""), delimiter=delimiter))
    assert back == [
        ["id", "text", "note"],
        ["1", "FR Café crème", "keep"],
        ["2", 'FR Say "hi", ok', "x"],
    ]
    assert out.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    assert out.startswith((b"\xff\xfe", b"\xfe\xff")) == (encoding == "utf-16")


def test_csv_keeps_quoting_and_line_endings_of_every_record() -> None:
    data = b'"id","en"\r\n"1","Hello"\n"2","Bye"\r\n3,plain\r\n'
    document = read(data, "t.csv", "en")
    out = document.render(french(document.texts))
    assert out == b'"id","en"\r\n"1","FR Hello"\n"2","FR Bye"\r\n3,FR plain\r\n'


def test_csv_target_column_is_filled_and_created_leaving_the_source() -> None:
    data = b'Strings to translate,,\nkey,en,fr\nk1,"Hello, {name}",\nk2,Bye,Au revoir\n'
    document = read(data, "t.csv", "en:fr")
    assert document.texts == ['Hello, <x id="1" equiv="{name}"/>']
    assert document.notes == ["1 cells already filled in the target column were kept"]
    out = document.render(['Bonjour, <x id="1" equiv="{name}"/>'])
    assert out == (
        b'Strings to translate,,\nkey,en,fr\nk1,"Hello, {name}","Bonjour, {name}"\n'
        b"k2,Bye,Au revoir\n"
    )
    created = read(data, "t.csv", "en:de")
    assert created.render(french(created.texts)) == (
        b"Strings to translate,,\nkey,en,fr,de\n"
        b'k1,"Hello, {name}",,"FR Hello, {name}"\nk2,Bye,Au revoir,FR Bye\n'
    )


def test_csv_written_cells_never_run_as_formulas() -> None:
    data = b"key,en\nk1,=1+2\n"
    document = read(data, "t.csv", "en:fr")
    assert document.render(document.texts) == b"key,en,fr\nk1,=1+2,'=1+2\n"


def test_csv_header_below_the_first_row_and_the_header_row_option() -> None:
    data = b"# exported 2024-01-01\n\nid,name\n1,english\n"
    assert read(data, "t.csv", "name").texts == ["english"]
    assert [s.where for s in read(data, "t.csv", "name", header_row=3).segments] == ["row 4, name"]
    with pytest.raises(InvalidInput, match="column 'name' not found; the file has: '# exported"):
        read(data, "t.csv", "name", header_row=1)


def test_duplicate_header_names_are_one_clear_error() -> None:
    data = b"id,fr,en,fr\n1,a,b,c\n"
    with pytest.raises(InvalidInput) as refusal:
        read(data, "t.csv", "en:fr")
    assert str(refusal.value) == (
        "the header (row 1) has 2 columns named 'fr' (column 2 and column 4); rename them "
        "so each name is unique, or name another column"
    )
    # A repeated name the job does not use is only noted.
    assert read(data, "t.csv", "en").notes == [
        "the header (row 1) has 2 columns named 'fr'; they were not used"
    ]


def test_csv_needs_an_existing_column() -> None:
    with pytest.raises(InvalidInput, match=r"column 'body' not found; the file has: 'id', 'text'"):
        read(b"id,text\n1,a\n", "t.csv", "body")
    with pytest.raises(InvalidInput, match="--column"):
        read(b"id,text\n1,a\n", "t.csv")


def test_a_column_named_twice_as_target_or_both_ways_is_refused() -> None:
    data = b"a,b,c\n1,2,3\n"
    with pytest.raises(InvalidInput, match="'c' is named as a target twice"):
        read(data, "t.csv", "a:c", "b:c")
    with pytest.raises(InvalidInput, match="'b' cannot be both translated and filled"):
        read(data, "t.csv", "a:b", "b:c")


def test_header_with_a_colon_is_taken_whole() -> None:
    data = b"id,Note: en\n1,Hello\n"
    assert read(data, "t.csv", "Note: en").texts == ["Hello"]
