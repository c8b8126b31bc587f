"""Markdown: each block's text is a segment; the file is edited only where text changes.

The file is parsed with a CommonMark parser (:mod:`.parser`). Paragraphs, headings,
table cells, and the paragraphs of list items, block quotes, footnotes and ``:::``
containers are segments, one each (:mod:`.segments`); the front matter's named values
are segments too (:mod:`.frontmatter`). Rendering replaces each block's text span in the
source and nothing else, so code (fenced, indented, inline), HTML blocks and comments,
reference definitions, front matter keys, container fences, templates, math, list
markers, indentation and line endings stay byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from markdown_it.token import Token

from workbench.batch.formats.base import Document, FileFormat, FormatOptions, Segment
from workbench.batch.formats.markdown import blocks, frontmatter, segments, spans
from workbench.batch.formats.markdown.blocks import Located
from workbench.batch.formats.markdown.parser import markdown, mask
from workbench.batch.formats.sourcetext import Edit, Edits, Source


class Markdown(FileFormat):
    name = "markdown"
    extensions = (".md", ".markdown")

    def read(self, data: bytes, options: FormatOptions) -> Document:
        source = Source.decode(data, "Markdown")
        edits = Edits(source, options.limits, "Markdown")
        masked = mask(source.text)
        # Blocks are found in the text the parser read; what is written back is the source.
        parsed = replace(
            source,
            text=masked,
            bodies=tuple(
                masked[s : s + len(b)] for s, b in zip(source.starts, source.bodies, strict=True)
            ),
        )
        env: dict[str, Any] = {}
        tokens = markdown().parse(masked, env)
        labels = frozenset(env.get("references", {}))
        notes = {
            number: note["tokens"]
            for number, note in env.get("footnotes", {}).get("list", {}).items()
            if "tokens" in note
        }
        cells: dict[int, Located | None] = {}
        for index, token in enumerate(tokens):
            if token.type == "front_matter" and token.map:
                frontmatter.translate_values(
                    edits, token.map[0], token.map[1] - 1, options.front_matter_keys
                )
            elif token.type == "tr_open" and token.map:
                cells.update(_row(parsed, tokens, index, token.map[0]))
            elif token.type == "inline":
                _block(edits, parsed, tokens, index, cells, notes, labels)
        return edits.document()


def _row(
    source: Source, tokens: Sequence[Token], index: int, line: int
) -> dict[int, Located | None]:
    row: list[Token] = []
    for token in tokens[index + 1 :]:
        if token.type == "tr_close":
            break
        if token.type == "inline":
            row.append(token)
    located = blocks.row(source, [token.content for token in row], line)
    return {id(token): place for token, place in zip(row, located, strict=True)}


def _block(
    edits: Edits,
    parsed: Source,
    tokens: Sequence[Token],
    index: int,
    cells: dict[int, Located | None],
    notes: Mapping[int, Sequence[Token]],
    labels: frozenset[str],
) -> None:
    token = tokens[index]
    if token.map is None or not token.content.strip():
        return
    line = token.map[0]
    parent = tokens[index - 1]
    if id(token) in cells:
        located = cells[id(token)]
    elif parent.type == "heading_open" and parent.markup.startswith("#"):
        located = blocks.heading(parsed, token.content, line)
    else:
        located = blocks.paragraph(parsed, token.content, line)
    where = f"line {line + 1}"
    try:
        if located is None:
            raise spans.Misaligned("the block's lines were not found")
        block = segments.block(
            spans.atoms(token.children or [], token.content, notes),
            located,
            edits.source.text,
            cell=id(token) in cells,
            first_in=tokens[index - 2].type if index >= 2 else "",
            labels=labels,
        )
    except spans.Misaligned:
        edits.notes.append(f"{where}: kept as it is (its markup could not be matched to its text)")
        return
    if block is not None:
        edits.add(Segment(block.canonical, where), Edit(block.start, block.end, block.write))
