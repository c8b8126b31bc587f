"""Hostile input files, made in the test that uses them (never committed as binaries).

Zip bombs are written part by part: a part that inflates to gigabytes is one deflate
block of a 1 MiB unit repeated (a full flush resets the compressor, so the same input
gives the same bytes again), so a 2 GiB part costs a CRC pass, not a compression run.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

import docx
import openpyxl
import openpyxl.styles

MIB = 1024 * 1024
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
SHEET_PART = "xl/worksheets/sheet1.xml"
WORD_PART = "word/document.xml"


@dataclass(frozen=True)
class Part:
    name: str
    compressed: bytes  # raw deflate
    crc: int
    size: int  # the uncompressed size the zip directory declares


def deflated(name: str, content: bytes) -> Part:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    data = compressor.compress(content) + compressor.flush()
    return Part(name, data, zlib.crc32(content), len(content))


def inflating(name: str, head: bytes, unit: bytes, times: int, tail: bytes) -> Part:
    """A part of ``head + unit * times + tail``, written without compressing it all."""

    def flushed(content: bytes, mode: int) -> bytes:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        return compressor.compress(content) + compressor.flush(mode)

    block = flushed(unit, zlib.Z_FULL_FLUSH)
    data = flushed(head, zlib.Z_FULL_FLUSH) + block * times + flushed(tail, zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(unit, crc)
    crc = zlib.crc32(tail, crc)
    return Part(name, data, crc, len(head) + len(unit) * times + len(tail))


def package(parts: list[Part]) -> bytes:
    """A zip of deflated parts, its directory saying exactly what each ``Part`` says."""
    out = io.BytesIO()
    directory = io.BytesIO()
    for part in parts:
        name = part.name.encode()
        offset = out.tell()
        fields = (8, 0, 0x21, part.crc, len(part.compressed), part.size, len(name))
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, *fields, 0))
        out.write(name + part.compressed)
        directory.write(
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, *fields, 0, 0, 0, 0, 0, offset)
        )
        directory.write(name)
    start = out.tell()
    out.write(directory.getvalue())
    count = len(parts)
    out.write(
        struct.pack(
            "<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory.getvalue()), start, 0
        )
    )
    return out.getvalue()


def replacing(base: bytes, *replacements: Part) -> bytes:
    """``base`` (a real DOCX or XLSX) with some parts replaced, or added at its end."""
    chosen = {part.name: part for part in replacements}
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        names = [info.filename for info in archive.infolist()]
        parts = [chosen.pop(name, None) or deflated(name, archive.read(name)) for name in names]
    return package([*parts, *chosen.values()])


def part_of(base: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        return archive.read(name)


# --- workbooks ---------------------------------------------------------------------------


def workbook(cells: dict[str, str], styled: str | None = None) -> bytes:
    """A workbook of ``cells``, and a bold but empty cell at ``styled`` if given."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for coordinate, value in cells.items():
        sheet[coordinate] = value
    if styled is not None:
        sheet[styled].font = openpyxl.styles.Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sparse_xlsx(cells: dict[str, str]) -> bytes:
    """``cells`` and one more at the sheet's last cell: 1,048,576 rows × 16,384 columns."""
    return workbook({**cells, "XFD1048576": "far away"})


def lying_dimension_xlsx(cells: dict[str, str], far_row: int) -> bytes:
    """``cells``, an empty bold cell in column A of ``far_row``, and a ``<dimension>`` that
    claims the whole sheet: a reader trusting it pads every row, empty ones included, to
    16,384 cells."""
    base = workbook(cells, styled=f"A{far_row}")
    sheet = part_of(base, SHEET_PART).decode()
    start = sheet.index('<dimension ref="') + len('<dimension ref="')
    end = sheet.index('"', start)
    lying = sheet[:start] + "A1:XFD1048576" + sheet[end:]
    return replacing(base, deflated(SHEET_PART, lying.encode()))


def inflating_xlsx(size: int) -> bytes:
    """A sheet of a header and rows of one short cell, inflating to about ``size`` bytes."""
    base = workbook({"A1": "text"})
    row = b'<row><c t="inlineStr"><is><t>Hello</t></is></c></row>'
    unit = row * (MIB // len(row))
    head = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{SHEET_NS}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>text</t></is></c></row>'
    ).encode()
    tail = b"</sheetData></worksheet>"
    return replacing(base, inflating(SHEET_PART, head, unit, size // len(unit), tail))


# --- Word documents ----------------------------------------------------------------------


def word_document(text: str = "Hello world") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _body_parts(base: bytes) -> tuple[str, str]:
    """The document part of ``base`` split around its body's content."""
    xml = part_of(base, WORD_PART).decode()
    start = xml.index("<w:body>") + len("<w:body>")
    return xml[:start], xml[start:]


def inflating_docx(size: int) -> bytes:
    """Paragraphs of one short run, inflating to about ``size`` bytes."""
    base = word_document()
    return replacing(base, _paragraphs(base, size))


def lying_docx(size: int) -> bytes:
    """:func:`inflating_docx` whose directory says its document part has 4 KB."""
    base = word_document()
    part = _paragraphs(base, size)
    return replacing(base, Part(part.name, part.compressed, part.crc, 4096))


def _paragraphs(base: bytes, size: int) -> Part:
    head, tail = _body_parts(base)
    paragraph = b"<w:p><w:r><w:t>Hello</w:t></w:r></w:p>"
    unit = paragraph * (MIB // len(paragraph))
    return inflating(WORD_PART, head.encode(), unit, size // len(unit), tail.encode())


def laughing_docx() -> bytes:
    """The "billion laughs": ten entities, each ten of the one before, in the document."""
    base = word_document("PLACEHOLDER")
    xml = part_of(base, WORD_PART).decode()
    declarations = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)
    )
    prolog, _, body = xml.partition("?>")
    laughing = f"{prolog}?>\n<!DOCTYPE w:document [{declarations}]>{body.lstrip()}"
    return replacing(base, deflated(WORD_PART, laughing.replace("PLACEHOLDER", "&lol9;").encode()))


def malformed_docx() -> bytes:
    """A document part whose last paragraph is never closed."""
    base = word_document()
    xml = part_of(base, WORD_PART).decode().replace("</w:body>", "<w:p></w:body>")
    return replacing(base, deflated(WORD_PART, xml.encode()))


# --- text formats ------------------------------------------------------------------------


def deep_json(depth: int) -> bytes:
    return ("[" * depth + '"Hello"' + "]" * depth).encode()


def po_catalog(entries: int) -> bytes:
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    body = "".join(f'msgid "Entry number {n}"\nmsgstr ""\n\n' for n in range(entries))
    return (header + body).encode()


def one_line_text(size: int) -> bytes:
    word = b"lorem "
    return word * (size // len(word))
