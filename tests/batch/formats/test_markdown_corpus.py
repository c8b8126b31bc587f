"""Real Markdown files from other projects (``tests/corpus/markdown``, origins in its
README): read and rendered unchanged they come back byte for byte; translated through
the pseudo provider they keep every token, code span, URL, HTML and template, and every
block's text is translated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.batch.formats.markdown_tokens import LIQUID, front_matter, structure, texts
from workbench.batch.formats import FormatOptions, format_for
from workbench.providers.registry import get_provider

CORPUS = sorted(
    path
    for path in (Path(__file__).parents[2] / "corpus" / "markdown").glob("*.md")
    if path.name != "README.md"
)
# What is not prose even where a checker without the sites' extensions reads text.
_NOT_PROSE = re.compile(r"^<<<.*|\{[#.:][^}\n]*\}|\[\[toc\]\]|:[a-z][a-z0-9_+-]*:|\[[ xX!]\w*\]")
_TRANSLATED_KEYS = {"title", "description"}


def test_the_corpus_is_there() -> None:
    assert len(CORPUS) >= 15


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.name)
def test_rendering_the_source_gives_the_file_back(path: Path) -> None:
    data = path.read_bytes()
    document = format_for(path).read(data, FormatOptions())
    assert document.segments
    assert not document.notes
    assert document.render(document.texts) == data


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.name)
async def test_pseudo_translation_keeps_every_token_and_translates_the_text(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    document = format_for(path).read(path.read_bytes(), FormatOptions())
    async with get_provider("pseudo") as provider:
        translated = await provider.translate_segments(document.texts, target="fr")
    output = document.render([t.text for t in translated]).decode("utf-8")

    assert structure(output) == structure(source)
    assert sorted(LIQUID.findall(output)) == sorted(LIQUID.findall(source))
    untranslated = [
        text
        for text, result in zip(texts(source), texts(output), strict=True)
        if re.search(r"[A-Za-z]{2}", _NOT_PROSE.sub("", text)) and text == result
    ]
    assert untranslated == []
    _same_front_matter(front_matter(source), front_matter(output), key=None)


def _same_front_matter(source: object, output: object, key: object) -> None:
    if isinstance(source, dict):
        assert isinstance(output, dict)
        assert list(source) == list(output)
        for name, value in source.items():
            _same_front_matter(value, output[name], name)
    elif isinstance(source, list):
        assert isinstance(output, list)
        assert len(source) == len(output)
        for value, result in zip(source, output, strict=True):
            _same_front_matter(value, result, None)
    elif isinstance(source, str) and key in _TRANSLATED_KEYS and source.strip():
        assert isinstance(output, str)
        assert output != source
    else:
        assert output == source
