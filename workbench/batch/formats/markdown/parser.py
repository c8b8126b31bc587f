"""The Markdown parser: CommonMark (markdown-it-py) with what documentation sites add.

CommonMark with raw HTML, GFM tables and strikethrough, YAML front matter, footnotes,
dollar math, and ``:::`` containers of any name (VitePress, Docusaurus). Three things
the sites' own build steps read before Markdown does are told apart too, so that none
of them is ever sent as text:

- inline templates: Liquid and Jinja ``{{ … }}`` / ``{% … %}`` (read with :func:`mask`
  applied first), attribute lists such as ``{#anchor}``, ``{.class}`` or kramdown's
  ``{: .note}``, ``[[toc]]`` and emoji shortcodes (``:tada:``) become ``template`` tokens;
- Liquid blocks whose content is code or hidden (``{% highlight %}``, ``{% raw %}``,
  ``{% comment %}`` up to their end tag) become ``template_block`` tokens;
- VitePress snippet imports (``<<< @/path``) become ``template_block`` tokens.
"""

from __future__ import annotations

import re
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

# Liquid and Jinja run before Markdown does: ``[text]({{ site.url }}/a)`` is a link once
# they have. The parser reads the file with their tags masked: the same length, letters
# and digits kept, everything else "-" (no spaces, no pipes), so links and table cells
# come out as the site will render them.
_LIQUID = re.compile(r"\{\{(?:[^\n]|\n(?![ \t]*\r?\n))*?\}\}|\{%(?:[^\n]|\n(?![ \t]*\r?\n))*?%\}")
_MASKED = re.compile(r"[^\r\nA-Za-z0-9]")
_TEMPLATE = re.compile(
    r"\{\{.{0,2000}?\}\}"  # Liquid, Jinja, Vue output (bounded: an unclosed one is text)
    r"|\{%.{0,2000}?%\}"  # Liquid, Jinja tags
    r"|\{[#.][^\s{}][^{}\n]*\}"  # attribute lists: {#anchor .class}
    r"|\{:[^{}\n]*\}"  # kramdown attribute lists: {: .note}
    r"|\[\[toc\]\]"
    r"|:[a-z][a-z0-9_+-]*:(?![A-Za-z0-9])",  # emoji shortcodes
    re.DOTALL,
)
_LIQUID_BLOCK = re.compile(r"\{%-?\s*(highlight|raw|comment)\b")
_SNIPPET = re.compile(r"<<<\s")


def mask(text: str) -> str:
    """``text`` with every Liquid or Jinja tag masked (same length, same lines)."""
    return _LIQUID.sub(_mask, text)


def _mask(match: re.Match[str]) -> str:
    tag = match.group()
    return tag[:2] + _MASKED.sub("-", tag[2:-2]) + tag[-2:]


@cache
def markdown() -> MarkdownIt:
    """The one configured parser (building it is not free; it holds no per-file state)."""
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    front_matter_plugin(md)
    footnote_plugin(md)
    dollarmath_plugin(md, allow_space=False, allow_digits=False, double_inline=True)
    container_plugin(md, "directive", validate=lambda params, markup: True)
    # Tried where the text rule stops: "{", "[" and ":" are made to stop it.
    md.inline.ruler.after("text", "template", _template)
    for character in "{:":
        md.inline.add_terminator_char(character)
    md.block.ruler.before("paragraph", "template_block", _template_block, {"alt": ["paragraph"]})
    # Escapes and entities stay tokens of their own: their source is not their text.
    md.core.ruler.disable("text_join")
    return md


def _template(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] not in "{[:":
        return False
    if state.src[state.pos] == ":" and state.pos and state.src[state.pos - 1].isalnum():
        return False  # a colon inside a word or a time ("10:30:00") starts no shortcode
    match = _TEMPLATE.match(state.src, state.pos, state.posMax)
    if not match:
        return False
    if not silent:
        token = state.push("template", "", 0)
        token.content = match.group()
    state.pos = match.end()
    return True


def _template_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.is_code_block(start):
        return False
    begin, end_of_line = state.bMarks[start] + state.tShift[start], state.eMarks[start]
    last = start
    if liquid := _LIQUID_BLOCK.match(state.src, begin, end_of_line):
        closing = re.compile(r"\{%-?\s*end" + liquid.group(1) + r"\s*-?%\}")
        while not closing.search(state.src, state.bMarks[last], state.eMarks[last]):
            last += 1
            if last >= end:
                return False
    elif not _SNIPPET.match(state.src, begin, end_of_line):
        return False
    if silent:
        return True
    token = state.push("template_block", "", 0)
    token.map = [start, last + 1]
    token.content = state.src[state.bMarks[start] : state.eMarks[last]]
    state.line = last + 1
    return True
