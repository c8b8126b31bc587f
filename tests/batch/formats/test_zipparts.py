"""Zip packages: replaced parts are packed again, every other entry is copied raw."""

from __future__ import annotations

import io
import zipfile

import pytest

from workbench.batch.formats.zipparts import find_part, read_parts, replace_parts
from workbench.errors import InvalidInput


class Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek back in: it writes a data descriptor after each part."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        return self.buffer.write(data)


def package(*, streamed: bool) -> bytes:
    target: io.RawIOBase | io.BytesIO = Unseekable() if streamed else io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>", zipfile.ZIP_DEFLATED)
        archive.writestr("xl/media/image1.png", bytes(range(256)) * 4, zipfile.ZIP_STORED)
        archive.writestr("xl/sharedStrings.xml", b"<sst>old</sst>", zipfile.ZIP_DEFLATED)
        archive.writestr("docProps/app.xml", b"<Properties/>" * 50, zipfile.ZIP_DEFLATED)
    raw = target.buffer if isinstance(target, Unseekable) else target
    return raw.getvalue()


def raw_entries(data: bytes) -> dict[str, bytes]:
    """Each entry's bytes as stored: local header, packed data (and descriptor)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = sorted(archive.infolist(), key=lambda info: info.header_offset)
        directory = archive.start_dir
    ends = [info.header_offset for info in infos[1:]] + [directory]
    return {
        info.filename: data[info.header_offset : end] for info, end in zip(infos, ends, strict=True)
    }


@pytest.mark.parametrize("streamed", [False, True])
def test_only_the_replaced_part_changes(streamed: bool) -> None:
    data = package(streamed=streamed)
    if streamed:  # the case this test is for: parts followed by data descriptors
        assert all(info.flag_bits & 0x08 for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    out = replace_parts(data, {"xl/sharedStrings.xml": b"<sst>new, and longer</sst>"})
    with zipfile.ZipFile(io.BytesIO(out)) as archive:
        assert archive.testzip() is None
        infos = archive.infolist()
        assert [info.filename for info in infos] == [
            "[Content_Types].xml",
            "xl/media/image1.png",
            "xl/sharedStrings.xml",
            "docProps/app.xml",
        ]
        assert [info.compress_type for info in infos] == [8, 0, 8, 8]
        assert archive.read("xl/sharedStrings.xml") == b"<sst>new, and longer</sst>"
    before, after = raw_entries(data), raw_entries(out)
    assert {name for name in before if before[name] != after[name]} == {"xl/sharedStrings.xml"}
    assert read_parts(out, "a package")["docProps/app.xml"] == b"<Properties/>" * 50


def test_nothing_to_replace_is_the_same_bytes() -> None:
    data = package(streamed=False)
    assert replace_parts(data, {}) is data


def test_a_part_that_is_not_there_cannot_be_replaced() -> None:
    with pytest.raises(ValueError, match=r"no part named xl/missing\.xml"):
        replace_parts(package(streamed=False), {"xl/missing.xml": b""})


def test_parts_are_found_whatever_their_case() -> None:
    parts = read_parts(package(streamed=False), "a package")
    assert find_part(parts, "xl/SharedStrings.xml") == "xl/sharedStrings.xml"
    assert find_part(parts, "xl/styles.xml") is None
    with pytest.raises(InvalidInput, match="this is not a package"):
        read_parts(b"PK\x03\x04 not a zip", "a package")
