"""Office packages: parts replaced, every other zip entry copied as it was stored."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from workbench.batch.formats.zipparts import Package
from workbench.errors import InvalidInput


class _Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek back in: it then writes data descriptors."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, chunk: bytes) -> int:  # type: ignore[override]
        self.data += chunk
        return len(chunk)


_PARTS = {
    "[Content_Types].xml": (b"<Types/>", zipfile.ZIP_DEFLATED),
    "word/document.xml": (b"<doc>old text</doc>" * 20, zipfile.ZIP_DEFLATED),
    "media/image1.png": (b"\x89PNG stored as it is", zipfile.ZIP_STORED),
    "word/styles.xml": (b"<styles/>" * 50, zipfile.ZIP_DEFLATED),
    "word/settings.xml": (b"<settings/>", zipfile.ZIP_STORED),
}


def _zip(*, streamed: bool, zip64: bool = False) -> bytes:
    target: io.RawIOBase | io.BytesIO = _Unseekable() if streamed else io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:  # type: ignore[arg-type]
        archive.comment = b"kept comment"
        for name, (content, method) in _PARTS.items():
            info = zipfile.ZipInfo(name, (2024, 5, 6, 7, 8, 10))
            info.compress_type = method
            with archive.open(info, "w", force_zip64=zip64) as part:
                part.write(content)
    data = bytes(target.data if isinstance(target, _Unseekable) else target.getvalue())
    return _offsets_in_zip64_fields(data) if zip64 else data


def _offsets_in_zip64_fields(data: bytes) -> bytes:
    """The archive with each central record's offset moved into a zip64 extra field, as
    some writers do whatever the archive's size."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        start = archive.start_dir
    entries, directory, end = data[:start], data[start:], b""
    records = bytearray()
    position = 0
    while directory[position : position + 4] == b"PK\x01\x02":
        lengths = struct.unpack("<HHH", directory[position + 28 : position + 34])
        record = bytearray(directory[position : position + 46 + sum(lengths)])
        offset = struct.unpack("<I", record[42:46])[0]
        record[42:46] = b"\xff\xff\xff\xff"
        name_end = 46 + lengths[0]
        record[name_end:name_end] = struct.pack("<HHQ", 1, 8, offset)
        record[30:32] = struct.pack("<H", lengths[1] + 12)
        records += record
        position += 46 + sum(lengths)
    end = bytearray(directory[position:])
    end[12:16] = struct.pack("<I", len(records))
    return entries + bytes(records) + bytes(end)


def _stored(data: bytes, name: str) -> bytes:
    """An entry as it is in the archive: its local header, data and data descriptor."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        starts = sorted(info.header_offset for info in archive.infolist())
        start = archive.getinfo(name).header_offset
        end = next((offset for offset in starts if offset > start), archive.start_dir)
    return data[start:end]


@pytest.mark.parametrize(
    ("streamed", "zip64"),
    [(False, False), (True, False), (True, True), (False, True)],
    ids=["sizes in headers", "data descriptors", "zip64 descriptors", "zip64 offsets"],
)
@pytest.mark.parametrize("replaced", ["word/document.xml", "word/settings.xml"])
def test_one_part_replaced_and_the_others_copied_raw(
    streamed: bool, zip64: bool, replaced: str
) -> None:
    data = _zip(streamed=streamed, zip64=zip64)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert all(bool(info.flag_bits & 0x08) is streamed for info in archive.infolist())
    out = Package(data, "Word").write({replaced: b"<new>text</new>"})

    with zipfile.ZipFile(io.BytesIO(out)) as after, zipfile.ZipFile(io.BytesIO(data)) as before:
        assert after.testzip() is None
        assert after.comment == b"kept comment"
        assert after.namelist() == before.namelist()
        assert after.read(replaced) == b"<new>text</new>"
        for old, new in zip(before.infolist(), after.infolist(), strict=True):
            assert (new.compress_type, new.date_time) == (old.compress_type, old.date_time)
            if old.filename != replaced:
                assert _stored(out, old.filename) == _stored(data, old.filename)
                assert new.CRC == old.CRC


def test_nothing_replaced_is_the_same_bytes() -> None:
    data = _zip(streamed=True)
    assert Package(data, "Word").write({}) is data


def test_relationships_and_content_types_are_resolved() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/Word/Document.xml" ContentType="main+xml"/></Types>',
        )
        archive.writestr(
            "word/_rels/document.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="a" Type="http://x/relationships/header" Target="header%201.xml"/>'
            '<Relationship Id="b" Type="http://x/relationships/image" Target="../media/i.png"/>'
            '<Relationship Id="c" Type="http://x/relationships/footer" Target="/word/f.xml"/>'
            '<Relationship Id="d" Type="http://x/relationships/hyperlink" '
            'Target="https://example.org/a%20b" TargetMode="External"/>'
            "</Relationships>",
        )
        archive.writestr("word/document.xml", "<d/>")
    package = Package(out.getvalue(), "Word")
    rels = package.relationships("word/document.xml")
    assert [(r.id, r.target, r.external) for r in rels] == [
        ("a", "word/header 1.xml", False),
        ("b", "media/i.png", False),
        ("c", "word/f.xml", False),
        ("d", "https://example.org/a%20b", True),
    ]
    assert rels[0].is_a("header")
    assert not rels[0].is_a("footer")
    assert package.content_type("word/document.xml") == "main+xml"  # names ignore case
    assert package.content_type("word/other.xml") == "application/xml"
    assert package.relationships("word/header 1.xml") == []


@pytest.mark.parametrize(
    ("kind", "message"), [("Word .docx", "not a Word .docx file"), ("Excel .xlsx", "not an Excel")]
)
def test_what_is_not_a_zip_is_refused(kind: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        Package(b"PK\x03\x04 nothing more", kind)


def test_part_names_are_found_whatever_their_case() -> None:
    # Real workbooks name a part "xl/SharedStrings.xml" where relationships say otherwise.
    data = _zip(streamed=False)
    package = Package(data, "test")
    for info in zipfile.ZipFile(io.BytesIO(data)).infolist():
        assert package.name(info.filename.upper()) == info.filename
    assert package.name("word/nothing-here.xml") is None
