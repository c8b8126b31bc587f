"""Tagged request texts (``tag_handling=xml|html``) as canonical segments, and back.

A client's tags become the segment's inline codes (:mod:`workbench.inline`), so every
provider keeps them where they belong, and each comes back as the very markup it was:

- an element with content (``<b>…</b>``) is a paired code;
- an empty element (``<br/>``, HTML's ``<br>``, ``<img …>``), a comment, a processing
  instruction, a CDATA section or a doctype is a standalone code;
- an element named in ``ignore_tags`` (and, in HTML, ``script``, ``style`` and any
  element with ``translate="no"``) is kept whole, its content untranslated, as one
  standalone code.

XML must be well formed (every element closed, in order); HTML is read leniently: a
tag left open, or a closing tag without its opening, is kept as a standalone code.
Entities are read (``&amp;`` is the text ``&``) and the text is escaped again on the way
out. The translation memory keys on the canonical form, so ``<b>Hi</b>`` and ``<i>Hi</i>``
share an entry: each request gets its own tags back.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from workbench import inline
from workbench.errors import InvalidInput


class TagHandling(StrEnum):
    NONE = ""
    XML = "xml"
    HTML = "html"


# Markup that is not an element's start or end: kept as it is, as a standalone code.
_OTHER = r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<![A-Za-z][^>]*>"
_TAG = re.compile(
    rf"(?P<other>{_OTHER})"
    r"|<(?P<close>/)?(?P<name>[A-Za-z_][\w.:-]*)"
    r"(?P<attributes>(?:\s+[^\s=/>]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)"
    r"\s*(?P<empty>/)?>",
    re.DOTALL,
)
_NO_TRANSLATE = re.compile(r"""\btranslate\s*=\s*["']?no\b""", re.IGNORECASE)
_HTML_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
_HTML_IGNORED = frozenset({"script", "style"})
_ENTITY_XML = re.compile(r"&(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")


@dataclass(frozen=True)
class Tagged:
    """A request text as a canonical segment, and the markup each code stands for."""

    canonical: str
    markup: dict[str, str]  # code id -> the markup of a standalone or opening code
    closing: dict[str, str]  # paired code id -> its closing markup

    def render(self, translated: str) -> str:
        """The translation with each code's markup back in place, its text escaped."""
        out: list[str] = []
        for part in inline.parse(translated).parts:
            if isinstance(part, str):
                out.append(inline.escape(part).replace("&#13;", "\r"))
            elif part.kind is inline.Kind.CLOSE:
                out.append(self.closing.get(part.id, ""))
            else:
                out.append(self.markup.get(part.id, ""))
        return "".join(out)


@dataclass
class _Token:
    kind: str  # "text", "open", "close", "empty", "other"
    raw: str
    name: str = ""
    ignored: bool = False


def parse(text: str, handling: TagHandling, ignore_tags: Iterable[str] = ()) -> Tagged:
    """``text`` as a canonical segment; InvalidInput for XML that is not well formed."""
    ignored = {name.strip().lower() for name in ignore_tags if name.strip()}
    if handling is TagHandling.HTML:
        ignored |= _HTML_IGNORED
    tokens = _tokens(text, handling, ignored)
    tokens = _keep_ignored(tokens, handling)
    pairs = _pairs(tokens, handling)
    builder = inline.Builder()
    markup: dict[str, str] = {}
    closing: dict[str, str] = {}
    opened: list[str] = []
    for index, token in enumerate(tokens):
        if token.kind == "text":
            builder.text(_unescape(token.raw, handling))
        elif token.kind == "open" and index in pairs:
            code = builder.open()
            markup[code] = token.raw
            closing[code] = tokens[pairs[index]].raw
            opened.append(code)
        elif token.kind == "close" and index in pairs.values():
            builder.close()
            opened.pop()
        else:
            code = builder.code()
            markup[code] = token.raw
    return Tagged(builder.canonical(), markup, closing)


def _tokens(text: str, handling: TagHandling, ignored: set[str]) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    for match in _TAG.finditer(text):
        if match.start() > position:
            tokens.append(_Token("text", text[position : match.start()]))
        position = match.end()
        raw = match.group(0)
        if match.group("other"):
            tokens.append(_Token("other", raw))
            continue
        name = match.group("name").lower() if handling is TagHandling.HTML else match.group("name")
        if match.group("close"):
            tokens.append(_Token("close", raw, name))
            continue
        skip = name.lower() in ignored or (
            handling is TagHandling.HTML and bool(_NO_TRANSLATE.search(match.group("attributes")))
        )
        if match.group("empty") or (handling is TagHandling.HTML and name in _HTML_VOID):
            tokens.append(_Token("empty", raw, name))
        else:
            tokens.append(_Token("open", raw, name, ignored=skip))
    if position < len(text):
        tokens.append(_Token("text", text[position:]))
    for token in tokens:
        if token.kind == "text" and "<" in token.raw and handling is TagHandling.XML:
            raise InvalidInput(
                "a text holds a '<' that starts no tag; write it as &lt; with tag_handling=xml"
            )
    return tokens


def _keep_ignored(tokens: list[_Token], handling: TagHandling) -> list[_Token]:
    """Each ignored element, from its start to its end, as one standalone piece."""
    kept: list[_Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.kind != "open" or not token.ignored:
            kept.append(token)
            index += 1
            continue
        depth, end = 0, None
        for later in range(index, len(tokens)):
            other = tokens[later]
            if other.kind == "open" and other.name == token.name:
                depth += 1
            elif other.kind == "close" and other.name == token.name:
                depth -= 1
                if depth == 0:
                    end = later
                    break
        if end is None:
            if handling is TagHandling.XML:
                raise InvalidInput(f"the element <{token.name}> is never closed")
            end = len(tokens) - 1  # HTML: the rest of the text is the element's
        kept.append(_Token("other", "".join(t.raw for t in tokens[index : end + 1])))
        index = end + 1
    return kept


def _pairs(tokens: list[_Token], handling: TagHandling) -> dict[int, int]:
    """Opening token index -> its closing token index, for the elements that nest."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for index, token in enumerate(tokens):
        if token.kind == "open":
            stack.append(index)
        elif token.kind == "close":
            if stack and tokens[stack[-1]].name == token.name:
                pairs[stack.pop()] = index
            elif handling is TagHandling.XML:
                raise InvalidInput(
                    f"the closing tag </{token.name}> does not match an open element; "
                    "send well-formed XML with tag_handling=xml"
                )
            elif any(tokens[open_index].name == token.name for open_index in stack):
                # HTML: elements left open inside this one are standalone codes.
                while tokens[stack[-1]].name != token.name:
                    stack.pop()
                pairs[stack.pop()] = index
    if stack and handling is TagHandling.XML:
        raise InvalidInput(
            f"the element <{tokens[stack[-1]].name}> is never closed; "
            "send well-formed XML with tag_handling=xml"
        )
    return pairs


def _unescape(raw: str, handling: TagHandling) -> str:
    if "&" not in raw:
        return raw
    if handling is TagHandling.HTML:
        return html.unescape(raw)
    return _ENTITY_XML.sub(lambda match: inline.unescape(match.group(0)), raw)
