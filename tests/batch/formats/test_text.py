"""Plain text: paragraphs or lines are segments; blank lines, indentation and line
endings come back exactly as they were."""

from __future__ import annotations

from workbench import inline
from workbench.batch.formats import Document, FormatOptions, format_for

WRAPPED = (
    "Translation Workbench reads files, finds the text in them and writes\r\n"
    "the translation back in place, keeping everything else exactly as it\r\n"
    "was.\r\n"
)


def read(data: bytes) -> Document:
    return format_for("notes.txt").read(data, FormatOptions())


def test_short_lines_are_segments_each_and_blank_lines_are_kept() -> None:
    source = b"\nDear Ada,\n  Thank you.\n\n\n \nBest,\nGrace\n"
    document = read(source)
    assert document.texts == ["Dear Ada,", "Thank you.", "Best,", "Grace"]
    assert [s.where for s in document.segments] == ["line 2", "line 3", "line 7", "line 8"]
    assert document.render(document.texts) == source
    output = document.render([inline.plain(t.upper()) for t in document.texts])
    assert output == b"\nDEAR ADA,\n  THANK YOU.\n\n\n \nBEST,\nGRACE\n"


def test_a_wrapped_paragraph_is_one_segment_rewrapped_on_as_many_lines() -> None:
    document = read(WRAPPED.encode())
    assert document.texts == [" ".join(line for line in WRAPPED.split("\r\n") if line)]
    assert document.render(document.texts) == WRAPPED.encode()
    french = (
        "Translation Workbench lit les fichiers, y trouve le texte et écrit la traduction "
        "à sa place, en gardant tout le reste exactement comme il était."
    )
    output = document.render([inline.plain(french)]).decode()
    lines = output.split("\r\n")
    assert len(lines) == 4  # three lines and what follows the last line ending
    assert lines[3] == ""
    assert " ".join(lines[:3]) == french
    assert "\n" not in output.replace("\r\n", "")


def test_list_like_paragraphs_are_not_rewrapped() -> None:
    source = (
        b"- the first item of a list that is long enough to look wrapped\n"
        b"- the second item of that list, as long as the first one is\n"
    )
    assert len(read(source).segments) == 2


def test_text_with_markup_characters_is_text() -> None:
    document = read(b"if a < b && c > d then <stop>\n")
    assert document.texts == ["if a &lt; b &amp;&amp; c &gt; d then &lt;stop&gt;"]
    assert document.render([inline.plain("si a < b")]) == b"si a < b\n"


def test_cr_only_line_endings_and_a_missing_last_newline_are_kept() -> None:
    source = b"One\rTwo\r\rThree"
    document = read(source)
    assert document.texts == ["One", "Two", "Three"]
    assert document.render([inline.plain(t) for t in ("1", "2", "3")]) == b"1\r2\r\r3"
