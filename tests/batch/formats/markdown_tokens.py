"""A CommonMark token diff: what must not change when a Markdown file is translated.

The checker is markdown-it-py with the plugins documentation sites use, configured here
on its own (not the format's parser): Liquid and Jinja tags are rendered to a sign first,
as a Jekyll site renders them before its Markdown is read. Two files have the same
structure when their tokens have the same types, tags, nesting, markers, info strings,
attributes (link hrefs and titles, image srcs; not alt text), and the same content for
everything that is code (code spans, fences, indented code, HTML, math). Text is left
out of the structure; :func:`texts` gives it, one string per block, to check it changed.
"""

from __future__ import annotations

import re
from functools import cache

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

LIQUID = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_VERBATIM = {
    "code_inline",
    "code_block",
    "fence",
    "html_block",
    "html_inline",
    "math_inline",
    "math_inline_double",
    "math_block",
    "math_block_label",
}
_TEXT = {"text", "text_special", "softbreak"}

Structure = list[tuple[object, ...]]


@cache
def _checker() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    front_matter_plugin(md)
    footnote_plugin(md)
    dollarmath_plugin(md, allow_space=False, allow_digits=False, double_inline=True)
    container_plugin(md, "any", validate=lambda params, markup: True)
    return md


def parse(text: str) -> list[Token]:
    return _checker().parse(LIQUID.sub("§", text))


def structure(text: str) -> Structure:
    out: Structure = []
    _walk(parse(text), out)
    return out


def _walk(tokens: list[Token], out: Structure) -> None:
    for token in tokens:
        if token.type in _TEXT:
            # Prose may appear where there was none: a translation can put words before
            # an image the source began with. Texts are compared by texts() instead.
            continue
        if token.type == "inline":
            _walk(token.children or [], out)
            continue
        attributes = tuple(sorted((k, v) for k, v in token.attrs.items() if k != "alt"))
        content = token.content if token.type in _VERBATIM else ""
        markup = "" if token.type == "hardbreak" else token.markup
        out.append((token.type, token.tag, token.nesting, markup, token.info, attributes, content))
        if token.type == "image":
            _walk(token.children or [], out)


def texts(text: str) -> list[str]:
    """Each inline block's text as a reader sees it (code, HTML and markup left out)."""
    return [
        "".join(
            " " if c.type == "softbreak" else c.content
            for c in token.children or []
            if c.type in _TEXT
        )
        for token in parse(text)
        if token.type == "inline"
    ]


def front_matter(text: str) -> object:
    for token in parse(text):
        if token.type == "front_matter":
            return yaml.safe_load(token.content)
    return None
