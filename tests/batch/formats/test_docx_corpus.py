"""Real Word documents (``tests/corpus/docx``, origins in its README) through the format.

Rendering the source segments gives back the very file; translating through the pseudo
provider gives a package whose every XML part parses, that python-docx opens (when it
opens the original: it cannot read Strict OOXML), whose untranslated parts are the
original's zip entries byte for byte, whose codes (link targets, field instructions,
bookmarks, note references, pictures) are all still there, and whose every story with
text has new text.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections import Counter
from pathlib import Path

import docx
import pytest
from lxml import etree

from workbench import inline
from workbench.batch.formats import FormatOptions, format_for
from workbench.providers.registry import get_provider

CORPUS = sorted((Path(__file__).parents[2] / "corpus" / "docx").glob("*.docx"))
W_NAMESPACES = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",
)


def test_the_corpus_is_there() -> None:
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.name)
def test_rendering_the_source_gives_back_the_file(path: Path) -> None:
    data = path.read_bytes()
    document = format_for(path).read(data, FormatOptions())
    assert document.render(document.texts) == data


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.name)
async def test_pseudo_translation_changes_only_the_text(path: Path) -> None:
    data = path.read_bytes()
    document = format_for(path).read(data, FormatOptions())
    provider = get_provider("pseudo")
    try:
        translated = await provider.translate_segments(document.texts, target="fr")
    finally:
        await provider.aclose()
    out = document.render([t.text for t in translated])

    before, after = zipfile.ZipFile(io.BytesIO(data)), zipfile.ZipFile(io.BytesIO(out))
    assert [i.filename for i in after.infolist()] == [i.filename for i in before.infolist()]
    stories = {s.where.split(", paragraph")[0] for s in document.segments}
    changed = set()
    for old, new in zip(before.infolist(), after.infolist(), strict=True):
        if _entry(data, old) != _entry(out, new):
            changed.add(old.filename)
        if old.filename.endswith((".xml", ".rels")):
            etree.fromstring(after.read(new))  # every XML part still parses
    # Only story parts are written again, each story with text is, and in those only
    # the text changed.
    assert len(changed) == len(stories)
    for name in changed:
        assert _is_story(before.read(name)), name
        assert _codes(before.read(name)) == _codes(after.read(name)), name
        assert _prose(before.read(name)) != _prose(after.read(name)), name

    if _opens(data):
        word = docx.Document(io.BytesIO(out))
        assert len(word.paragraphs) == len(docx.Document(io.BytesIO(data)).paragraphs)


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.name)
def test_codes_moved_within_their_sentence_are_all_kept(path: Path) -> None:
    """Word order differs between languages: each segment's first piece (a text, a code,
    or a link or formatted stretch with its content) goes to its end."""
    data = path.read_bytes()
    document = format_for(path).read(data, FormatOptions())
    out = document.render([_rotated(text) for text in document.texts])
    before, after = zipfile.ZipFile(io.BytesIO(data)), zipfile.ZipFile(io.BytesIO(out))
    for name in before.namelist():
        if name.endswith(".xml") and _is_story(before.read(name)):
            assert _codes(before.read(name)) == _codes(after.read(name)), name
            assert sorted(_prose(before.read(name))) == sorted(_prose(after.read(name))), name
    if _opens(data):
        docx.Document(io.BytesIO(out))


def _rotated(canonical: str) -> str:
    units: list[list[inline.Part]] = []
    depth = 0
    for part in inline.parse(canonical).parts:
        if depth == 0:
            units.append([])
        units[-1].append(part)
        if isinstance(part, inline.Code) and part.kind is inline.Kind.OPEN:
            depth += 1
        elif isinstance(part, inline.Code) and part.kind is inline.Kind.CLOSE:
            depth -= 1
    moved = units[1:] + units[:1]
    return inline.Tagged(tuple(part for unit in moved for part in unit)).canonical()


def _entry(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """An entry's local header and compressed bytes, as stored."""
    start = info.header_offset
    name_length, extra_length = struct.unpack("<HH", data[start + 26 : start + 30])
    header = data[start : start + 30]
    # The offset and the name are the same; the header's bytes and the data must be too.
    end = start + 30 + name_length + extra_length + info.compress_size
    return header + data[start + 30 : end]


def _is_story(xml: bytes) -> bool:
    root = etree.fromstring(xml)
    return etree.QName(root).namespace in W_NAMESPACES and etree.QName(root).localname in {
        "document",
        "hdr",
        "ftr",
        "footnotes",
        "endnotes",
        "comments",
    }


def _prose(xml: bytes) -> str:
    root = etree.fromstring(xml)
    return "".join(t.text or "" for ns in W_NAMESPACES for t in root.iter(f"{{{ns}}}t"))


def _codes(xml: bytes) -> Counter[str]:
    """What a translation must leave as it was: relationship ids (links, pictures,
    embedded parts), field instructions, bookmarks, note and comment references."""
    root = etree.fromstring(xml)
    found: Counter[str] = Counter()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element).localname
        for attribute, value in element.attrib.items():
            local = etree.QName(attribute).localname
            if (
                "relationships" in (etree.QName(attribute).namespace or "")
                or name in {"hyperlink", "fldSimple", "bookmarkStart", "footnoteReference"}
                or name in {"endnoteReference", "commentReference", "commentRangeStart", "docPr"}
            ):
                found[f"{name} {local}={value}"] += 1
        if name in {"instrText", "drawing", "pict", "fldChar", "tab", "br"}:
            found[f"{name} {element.text or ''}"] += 1
    return found


def _opens(data: bytes) -> bool:
    try:
        docx.Document(io.BytesIO(data))
    except (KeyError, ValueError):
        return False  # Strict OOXML: python-docx finds no main document
    return True
