"""Markdown, file by file: what is a segment, what is a code, and what is kept.

Each defect the faithful-translation issue found in Markdown has a test here built from
a minimal file: code spans, link URLs and image sources altered; HTML blocks' indented
lines and HTML comments translated; ``:::`` containers broken.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.batch.formats.markdown_tokens import structure, texts
from tests.batch.samples import MARKDOWN
from workbench import inline
from workbench.batch.formats import Document, FormatOptions, format_for
from workbench.errors import InvalidInput
from workbench.limits import InputLimits
from workbench.providers.registry import get_provider


def read(source: str, **options: object) -> Document:
    return format_for("page.md").read(source.encode(), FormatOptions(**options))  # type: ignore[arg-type]


def shout(canonical: str) -> str:
    """A translation that upper-cases the text and keeps every code where it was."""
    parts = inline.parse(canonical).parts
    return inline.Tagged(tuple(p.upper() if isinstance(p, str) else p for p in parts)).canonical()


def shouted(source: str, **options: object) -> str:
    document = read(source, **options)
    return document.render([shout(text) for text in document.texts]).decode()


async def pseudo(source: str) -> str:
    document = read(source)
    async with get_provider("pseudo") as provider:
        translated = await provider.translate_segments(document.texts, target="fr")
    return document.render([t.text for t in translated]).decode()


def test_a_block_is_one_segment_and_code_spans_urls_and_html_are_codes() -> None:
    document = read(
        'Run `npm install` then see [the *guide*](https://example.org/a_b?x=1 "Guide")'
        " and <kbd>Ctrl</kbd>.\n"
    )
    (segment,) = document.segments
    assert segment.text == (
        'Run <x id="1" equiv="`npm install`"/> then see <g id="2">the <g id="3">guide</g></g>'
        ' and <x id="4" equiv="&lt;kbd&gt;"/>Ctrl<x id="5" equiv="&lt;/kbd&gt;"/>.'
    )
    assert segment.where == "line 1"


async def test_inline_code_link_urls_and_image_sources_come_back_unchanged() -> None:
    source = (
        "Install with `pip install my_tool` and read [the docs](https://example.org/docs_v2"
        ' "Docs") or <https://example.org/auto>.\n\n'
        "![A diagram of the flow](img/flow_chart.png 'The flow')\n"
    )
    output = await pseudo(source)
    assert "`pip install my_tool`" in output
    assert '](https://example.org/docs_v2 "Docs")' in output
    assert "<https://example.org/auto>" in output
    assert "](img/flow_chart.png 'The flow')" in output
    assert "A diagram" not in output  # the alt text is translated
    assert structure(output) == structure(source)


def test_html_blocks_with_indented_lines_and_comments_are_never_sent() -> None:
    source = (
        '<div class="note">\n'
        "    This indented line belongs to the HTML block.\n"
        "  So does this one.\n"
        "</div>\n\n"
        "<!-- A comment for the editors,\n"
        "     over two lines. -->\n\n"
        "Text with <!-- an inline comment --> inside.\n"
    )
    document = read(source)
    assert [inline.parse(text).prose for text in document.texts] == ["Text with  inside."]
    output = shouted(source)
    assert output.startswith(source[: source.index("Text with")])
    assert output.endswith("TEXT WITH <!-- an inline comment --> INSIDE.\n")


def test_colon_containers_keep_their_fences_and_translate_their_content() -> None:
    source = (
        "::: tip Read this\n"
        "A tip with `code`.\n"
        ":::\n\n"
        ":::: details\n"
        "::: warning\n"
        "Nested warning.\n"
        ":::\n"
        "::::\n\n"
        ":::note[Docusaurus title]\n"
        "Docusaurus admonition.\n"
        ":::\n"
    )
    assert shouted(source) == (
        "::: tip Read this\n"
        "A TIP WITH `code`.\n"
        ":::\n\n"
        ":::: details\n"
        "::: warning\n"
        "NESTED WARNING.\n"
        ":::\n"
        "::::\n\n"
        ":::note[Docusaurus title]\n"
        "DOCUSAURUS ADMONITION.\n"
        ":::\n"
    )


def test_code_blocks_math_and_reference_definitions_are_kept() -> None:
    source = (
        "```js\nconst greeting = 'hello'\n```\n\n"
        "    indented code\n\n"
        "$$\nE = mc^2\n$$\n\n"
        "The energy $E$ of [the paper][paper] and [a shortcut].\n\n"
        '[paper]: https://example.org/paper "The paper"\n'
        "[a shortcut]: https://example.org/short\n"
    )
    output = shouted(source)
    assert output == source.replace(
        "The energy $E$ of [the paper][paper] and [a shortcut].",
        "THE ENERGY $E$ OF [THE PAPER][paper] AND [a shortcut].",
    )


def test_liquid_and_jinja_tags_are_codes_and_links_through_them_still_link() -> None:
    source = (
        '{% include note.html content="Keep" %}\n\n'
        "Welcome to {{ site.title | escape }}: read [the intro]({{ '/intro' | relative_url }}).\n\n"
        "{% highlight ruby %}\n"
        "def greet\n  puts 'hi'\nend\n"
        "{% endhighlight %}\n\n"
        "## Custom anchor {#custom}\n"
    )
    document = read(source)
    assert [inline.parse(t).prose for t in document.texts] == [
        "Welcome to : read the intro.",
        "Custom anchor ",
    ]
    output = shouted(source)
    assert (
        "WELCOME TO {{ site.title | escape }}: READ [THE INTRO]({{ '/intro' | relative_url }})"
        in output
    )
    assert "{% highlight ruby %}\ndef greet\n  puts 'hi'\nend\n{% endhighlight %}" in output
    assert "## CUSTOM ANCHOR {#custom}\n" in output


def test_front_matter_values_are_translated_in_their_own_quoting() -> None:
    source = (
        "---\n"
        "layout: page  # a comment\n"
        "title: Getting started\n"
        "description: 'It''s easy'\n"
        'tags: ["title", "description"]\n'
        "features:\n"
        '  - title: "Fast \\"and\\" small"\n'
        "    details: Not named by the option\n"
        "---\n"
        "Body.\n"
    )
    document = read(source)
    assert [s.where for s in document.segments] == [
        "line 3, title",
        "line 4, description",
        "line 7, title",
        "line 10",
    ]
    translations = ["Bien démarrer : guide", "C'est facile", 'Rapide "et" petit', "Corps."]
    output = document.render([inline.plain(t) for t in translations]).decode()
    assert output == (
        "---\n"
        "layout: page  # a comment\n"
        'title: "Bien démarrer : guide"\n'
        "description: 'C''est facile'\n"
        'tags: ["title", "description"]\n'
        "features:\n"
        '  - title: "Rapide \\"et\\" petit"\n'
        "    details: Not named by the option\n"
        "---\n"
        "Corps.\n"
    )


def test_front_matter_keys_come_from_the_options() -> None:
    source = "---\ntitle: Kept\nsummary: Translated\n---\n"
    document = read(source, front_matter_keys=("summary",))
    assert document.texts == ["Translated"]


def test_invalid_front_matter_is_kept_and_said() -> None:
    document = read("---\ntitle: [unclosed\n---\nBody.\n")
    assert document.texts == ["Body."]
    assert document.notes[0].startswith("the front matter is not valid YAML")


def test_a_wrapped_paragraph_keeps_its_line_count_and_its_containers_markers() -> None:
    source = (
        "> A quoted paragraph that is wrapped\n"
        "> over three lines of text in the\n"
        "> source file.\n\n"
        "1. A list item whose paragraph\n"
        "   continues on an indented line.\n"
    )
    assert shouted(source) == source.upper()
    document = read(source)
    quote = document.texts[0]
    assert (
        quote == "A quoted paragraph that is wrapped over three lines of text in the source file."
    )
    longer = "Un paragraphe cité, un peu plus long une fois traduit, sur trois lignes du fichier."
    output = document.render([inline.plain(longer), document.texts[1]]).decode()
    lines = output.split("\n")
    assert [line[:2] for line in lines[:3]] == ["> ", "> ", "> "]
    assert " ".join(line[2:] for line in lines[:3]) == longer
    assert lines[3] == ""


def test_crlf_line_endings_are_kept_in_rewrapped_paragraphs() -> None:
    source = "# Title\r\n\r\nFirst line of a paragraph\r\nand its second line.\r\n"
    output = shouted(source)
    assert output == "# TITLE\r\n\r\nFIRST LINE OF A PARAGRAPH\r\nAND ITS SECOND LINE.\r\n"


def test_translated_text_that_looks_like_markup_stays_text() -> None:
    source = (
        "Plain words here.\n\nSecond paragraph\nwith two lines.\n\n"
        "| a | b |\n|---|---|\n| x | y |\n"
    )
    document = read(source)
    tricky = [
        "1. *not* a list, _nor_ `code` <b>tag</b> [link](x) ~~strike~~ $x$",
        "- not an item - nor # a heading",
        "a | pipe",
        "b",
        "x",
        "y",
    ]
    output = document.render([inline.plain(t) for t in tricky]).decode()
    assert structure(output) == structure(source)
    assert texts(output)[:3] == tricky[:3]


def test_task_boxes_and_alerts_are_codes_and_keep_their_place() -> None:
    source = "- [ ] Write the release notes\n- [x] Ship it\n\n> [!NOTE]\n> Read this first.\n"
    document = read(source)
    assert [inline.parse(t).prose for t in document.texts] == [
        "Write the release notes",
        "Ship it",
        "Read this first.",
    ]
    assert shouted(source) == (
        "- [ ] WRITE THE RELEASE NOTES\n- [x] SHIP IT\n\n> [!NOTE]\n> READ THIS FIRST.\n"
    )


def test_shortcut_reference_links_keep_their_label() -> None:
    source = "See [Setup] and [the guide][].\n\n[setup]: /setup\n[the guide]: /guide\n"
    assert shouted(source).startswith("SEE [Setup] AND [the guide][].\n")


def test_codes_may_move_and_keep_their_markup() -> None:
    document = read("Click **Save** to keep [your work](/work).\n")
    assert document.texts == ['Click <g id="1">Save</g> to keep <g id="2">your work</g>.']
    moved = '<g id="2">Votre travail</g> est gardé avec <g id="1">Enregistrer</g>.'
    assert document.render([moved]).decode() == (
        "[Votre travail](/work) est gardé avec **Enregistrer**.\n"
    )


def test_codes_a_translation_puts_side_by_side_do_not_merge() -> None:
    document = read("Use `a` or `b`, **bold** then *slanted*, and ***both***.\n")
    assert document.texts == [
        'Use <x id="1" equiv="`a`"/> or <x id="2" equiv="`b`"/>, <g id="3">bold</g> then'
        ' <g id="4">slanted</g>, and <g id="5"><g id="6">both</g></g>.'
    ]
    output = document.render(
        [
            '<x id="1" equiv="`a`"/><x id="2" equiv="`b`"/>: <g id="3">gras</g><g id="4">penché'
            '</g>, <g id="5"><g id="6">les deux</g></g>.'
        ]
    ).decode()
    assert output == "`a` `b`: **gras** *penché*, ***les deux***.\n"


def test_spaces_just_inside_emphasis_are_moved_outside_it() -> None:
    document = read("Some **bold** words.\n")
    output = document.render(['Des<g id="1"> gras </g>mots.']).decode()
    assert output == "Des **gras** mots.\n"


def test_the_sample_file_comes_back_byte_for_byte() -> None:
    document = read(MARKDOWN)
    assert document.render(document.texts) == MARKDOWN.encode()
    assert document.texts[0] == "Guide"  # the front matter's title


def test_a_byte_order_mark_and_utf16_are_kept() -> None:
    for source, translated in (
        ("\ufeff# Titre\n".encode(), "\ufeff# Title\n".encode()),
        ("# Titre\n".encode("utf-16"), "# Title\n".encode("utf-16")),
    ):
        document = format_for("a.md").read(source, FormatOptions())
        assert document.render(document.texts) == source
        assert document.render([inline.plain("Title")]) == translated


def test_the_segment_limit_is_checked_while_reading() -> None:
    limits = replace(InputLimits.of(), segments=2)
    with pytest.raises(InvalidInput, match="this Markdown file has more than 2 segments"):
        read("# One\n\nTwo.\n\n- three\n", limits=limits)
