"""Real subtitle files of other projects (tests/corpus/srt, origins in its README): given back
byte for byte untranslated, and through pseudo an output the ``srt`` library reads with the
same cues, timings, encoding, line structure and tags, and changed text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import srt

from workbench.batch.formats import Document, FormatOptions, format_for
from workbench.providers.registry import get_provider
from workbench.textfiles import decode_text

CORPUS = Path(__file__).parents[2] / "corpus" / "srt"
FILES = sorted(CORPUS.glob("*.srt"))
# Written independently of the format's own pattern: HTML-like tags and ASS overrides.
TAGS = re.compile(r"</?[A-Za-z][^<>\n]*>|\{\\[^{}\n]*\}")
LETTERS = re.compile(r"[^\W\d_]")


def read(path: Path) -> tuple[bytes, Document]:
    data = path.read_bytes()
    return data, format_for(path.name).read(data, FormatOptions())


def subtitles(data: bytes) -> list[srt.Subtitle]:
    # The srt library reads LF and CRLF line breaks; a classic Mac CR is given to it as LF.
    text = re.sub(r"\r(?!\n)", "\n", decode_text(data, "SRT").text)
    return list(srt.parse(text))


def test_the_corpus_has_every_hard_case() -> None:
    labels = {decode_text(path.read_bytes(), "SRT").label for path in FILES}
    assert labels >= {
        "UTF-8",
        "UTF-8 with BOM",
        "UTF-16 LE with BOM",
        "UTF-16 BE with BOM",
        "UTF-32 LE with BOM",
        "UTF-32 BE with BOM",
        "Windows-1252",
        "GB18030",
    }
    text = "".join(decode_text(path.read_bytes(), "SRT").text for path in FILES)
    for case in ("<i>", "<font color=", "{\\an8}", "\r\n", "X1:"):
        assert case in text
    assert len(FILES) >= 15


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_rendering_the_source_gives_the_file_back(path: Path) -> None:
    data, document = read(path)
    assert document.segments
    assert document.render(document.texts) == data


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
async def test_pseudo_translation_keeps_cues_timings_encoding_and_tags(path: Path) -> None:
    data, document = read(path)
    provider = get_provider("pseudo")
    results = await provider.translate_segments(document.texts, target="fr")
    out = document.render([result.text for result in results])
    assert document.notes == []

    before, after = decode_text(data, "SRT"), decode_text(out, "SRT")
    assert (after.encoding, after.bom) == (before.encoding, before.bom)
    source, translated = subtitles(data), subtitles(out)
    assert [(s.index, s.start, s.end, s.proprietary) for s in translated] == [
        (s.index, s.start, s.end, s.proprietary) for s in source
    ]
    changed = 0
    for old, new in zip(source, translated, strict=True):
        # Lines each wrapped in the same tag become one span: fewer tags, none lost.
        assert set(TAGS.findall(new.content)) == set(TAGS.findall(old.content))
        assert new.content.count("\n") == old.content.count("\n")  # as many lines
        if LETTERS.search(TAGS.sub("", old.content)):
            assert new.content != old.content
            changed += 1
    assert changed
    # Line endings: every break of the input is in the output, of the same kind.
    for ending in ("\r\n", "\r", "\n"):
        assert after.text.count(ending) == before.text.count(ending)
