"""Every file format: segments found, structure kept, malformed files refused.

``shout`` stands in for a translation here so every changed character is visible; the
engine tests run the same formats through real providers.
"""

from __future__ import annotations

import io
import zipfile

import polib
import pytest

from tests.batch.samples import PO
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


# Text, Markdown, JSON, CSV, XLSX, DOCX and SRT: tests/batch/formats/.


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


# CSV and XLSX: tests/batch/formats/test_tabular.py and test_tabular_corpus.py.


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
