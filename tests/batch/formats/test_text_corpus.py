"""Real plain-text files from other projects (``tests/corpus/text``, origins in its
README): rendered unchanged they come back byte for byte; translated through the pseudo
provider every line keeps its indentation, its line ending and its place, blank lines
stay where they were, and every line of text is translated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench.batch.formats import FormatOptions, format_for
from workbench.providers.registry import get_provider

CORPUS = sorted((Path(__file__).parents[2] / "corpus" / "text").glob("*.txt"))
_LINES = re.compile(r"([^\r\n]*)(\r\n|\r|\n|$)")


def lines(text: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in _LINES.finditer(text) if m.group()]


def test_the_corpus_is_there() -> None:
    assert len(CORPUS) >= 5


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.name)
def test_rendering_the_source_gives_the_file_back(path: Path) -> None:
    data = path.read_bytes()
    document = format_for(path).read(data, FormatOptions())
    assert document.render(document.texts) == data


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.name)
async def test_pseudo_translation_keeps_the_layout_and_translates_every_line(path: Path) -> None:
    document = format_for(path).read(path.read_bytes(), FormatOptions())
    async with get_provider("pseudo") as provider:
        translated = await provider.translate_segments(document.texts, target="fr")
    source = lines(path.read_text(encoding="utf-8"))
    output = lines(document.render([t.text for t in translated]).decode("utf-8"))
    assert len(output) == len(source)
    for (before, ending), (after, new_ending) in zip(source, output, strict=True):
        assert new_ending == ending
        assert (after.strip() == "") == (before.strip() == "")
        assert (
            after[: len(after) - len(after.lstrip())]
            == before[: len(before) - len(before.lstrip())]
        )
        if re.search(r"[A-Za-z]{2}", before):
            assert after != before
