"""The whole corpus through DeepL's wire: XML tag handling, with tags moved as DeepL may.

Every corpus file (PO catalogs have their own DeepL run in test_po_corpus.py, in each
catalog's language) is read, its segments sent through the DeepL provider to the fake
DeepL server with ``tag_handling=xml``, which moves tags within their sentence as a real
engine does, and rendered. No segment may need the piecewise fallback (every code came
back), and each output must open with the format's own parser.
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
import openpyxl
import pytest
import srt
from lxml import etree
from markdown_it import MarkdownIt

from tests.batch.formats.test_tabular_corpus import TABLES, WORKBOOKS
from tests.providers.conftest import DEEPL_KEY, make_provider
from tests.providers.fakes.deepl_api import FakeDeepL
from tests.providers.fakes.server import FakeServer
from workbench.batch.formats import FormatOptions, format_for
from workbench.textfiles import decode_text

CORPUS = Path(__file__).parents[2] / "corpus"
TARGET = "de"


def _zip_parts_parse(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(archive.read(name))  # raises on a broken part


def _docx(data: bytes) -> None:
    _zip_parts_parse(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        strict = b"purl.oclc.org/ooxml/officeDocument" in archive.read("_rels/.rels")
    if not strict:  # python-docx cannot read Strict OOXML
        docx.Document(io.BytesIO(data))


def _xlsx(data: bytes) -> None:
    _zip_parts_parse(data)
    with warnings.catch_warnings():  # openpyxl warns of the extensions it would drop
        warnings.simplefilter("ignore", UserWarning)
        openpyxl.load_workbook(io.BytesIO(data))


def _srt(data: bytes) -> None:
    # The srt library reads no old-Mac line ending (a lone CR), which our files keep.
    text = re.sub(r"\r(?!\n)", "\n", decode_text(data, "SRT").text)
    assert list(srt.parse(text))


def _csv(data: bytes) -> None:
    assert list(csv.reader(io.StringIO(decode_text(data, "CSV").text, newline="")))


def _json(data: bytes) -> None:
    json.loads(decode_text(data, "JSON", legacy=False).text)


def _markdown(data: bytes) -> None:
    MarkdownIt("commonmark").parse(decode_text(data, "Markdown", legacy=False).text)


CHECKS: dict[str, Callable[[bytes], None]] = {
    ".docx": _docx,
    ".xlsx": _xlsx,
    ".srt": _srt,
    ".csv": _csv,
    ".tsv": _csv,
    ".json": _json,
    ".md": _markdown,
    ".txt": _markdown,  # any text is CommonMark; what matters is that it decodes
}


def _cases() -> Iterator[tuple[Path, tuple[str, ...]]]:
    for folder in ("docx", "json", "markdown", "srt", "text"):
        for path in sorted((CORPUS / folder).iterdir()):
            if path.suffix in CHECKS:
                yield path, ()
    for name, columns in WORKBOOKS:
        yield CORPUS / "xlsx" / name, columns
    for name, columns in TABLES.items():
        yield CORPUS / "csv" / name, columns


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeServer]:
    server = FakeDeepL(DEEPL_KEY)
    server.moves_tags = True
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("path", "columns"),
    list(_cases()),
    ids=[":".join((path.name, *columns)) for path, columns in _cases()],
)
async def test_the_corpus_survives_deepl_tag_handling(
    fake: FakeServer, path: Path, columns: tuple[str, ...]
) -> None:
    data = path.read_bytes()
    options = FormatOptions(columns=columns, target_lang=TARGET)
    document = format_for(path).read(data, options)
    provider = make_provider("deepl", fake)
    try:
        results = await provider.translate_segments(document.texts, target=TARGET)
    finally:
        await provider.aclose()
    repaired = [(t.text, t.repaired) for t in results if t.repaired is not None]
    assert repaired == []
    output = document.render([t.text for t in results])
    CHECKS[path.suffix](output)
    if any(t.text != s for t, s in zip(results, document.texts, strict=True)):
        assert output != data
    # Our own reader takes our output back: what we write we can read again.
    format_for(path).read(output, options)
