"""Codecs between a segment's canonical form and the form each provider's wire carries.

A provider declares its codec as a class attribute (``Provider.codec``); the base class
encodes every segment that has codes, sends it in the provider's tagged mode, decodes the
reply and checks it with :func:`workbench.inline.code_problem`. Each codec knows what its
engine keeps:

- :data:`XML` — the canonical form itself (paired ``<g id>``, standalone ``<x id equiv/>``),
  for chat models, which read the ``equiv`` and are told to keep every tag, and for
  pseudo-localisation, which keeps markup;
- :data:`XML_IGNORED` — DeepL's XML tag handling: the same tags, but a standalone code's
  ``equiv`` is the content of an ``<x>`` element named in ``ignore_tags``, so the engine
  sees it in the sentence without translating it;
- :data:`HTML` — Google's ``format=html``: paired codes as ``<span id>``, standalone ones as
  ``<span translate="no" id>equiv</span>``, line breaks as ``<br>`` (HTML collapses
  whitespace), and the HTML entities Google writes (``&#39;``) decoded;
- :data:`TOKENS` — for engines that take plain text only: every code part becomes an
  opaque token such as ``[X3X]``, which machine translation copies through (spaced out
  or lower-cased at times, which decoding tolerates).

Decoding is lenient about syntax (attribute order and quotes, ``<x/>`` or ``<x></x>``,
an empty paired code written ``<g/>``) and strict about identity: a tag with an id the
segment does not have, a closing tag that closes another code, markup that is none of
the codes, or kept text (an ignored ``<x>``, a ``translate="no"`` span) that changed is a
:class:`Broken` reply. Codes come back from the source segment, never from the reply (an
``equiv`` is not trusted).

Glossary terms ride the same machinery: :func:`with_terms` turns each occurrence of a
term into a standalone code whose ``equiv`` is the term's target, and :func:`render_terms`
writes the target in its place once the segment is translated.
"""

from __future__ import annotations

import abc
import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from workbench import inline
from workbench.inline import Code, Kind, Part, Tagged
from workbench.providers.glossary import GlossarySpec


class Broken(Exception):
    """A reply whose codes cannot be read back; the message says what is wrong."""


class Unencodable(Exception):
    """A segment this codec cannot send safely (its text looks like the codec's tokens)."""


class Codec(abc.ABC):
    """How one kind of wire carries a segment's codes."""

    @abc.abstractmethod
    def encode(self, segment: Tagged) -> str:
        """The segment as the provider receives it."""

    @abc.abstractmethod
    def decode(self, reply: str, segment: Tagged) -> Tagged:
        """The reply to ``segment`` as a segment; Broken if its codes are unreadable.

        The result is not checked yet: a code may be missing or repeated
        (:func:`workbench.inline.code_problem` says so)."""


# --- XML: the canonical form, and DeepL's ----------------------------------------------


class XmlCodec(Codec):
    """``<g id>`` and ``<x id>``; ``equiv`` as an attribute or as ignored content."""

    def __init__(self, *, equiv_as_content: bool) -> None:
        self.equiv_as_content = equiv_as_content

    def encode(self, segment: Tagged) -> str:
        if not self.equiv_as_content:
            return segment.canonical()
        pieces: list[str] = []
        for part in segment.parts:
            if isinstance(part, str):
                pieces.append(inline.escape(part))
            elif part.kind is Kind.OPEN:
                pieces.append(f'<g id="{part.id}">')
            elif part.kind is Kind.CLOSE:
                pieces.append("</g>")
            elif part.equiv:
                pieces.append(f'<x id="{part.id}">{inline.escape(part.equiv)}</x>')
            else:
                pieces.append(f'<x id="{part.id}"/>')
        return "".join(pieces)

    def decode(self, reply: str, segment: Tagged) -> Tagged:
        reader = _Reader(segment)
        position = 0
        skipping: Code | None = None  # inside <x>…</x>: its content is the source's
        for match in _XML_TAG.finditer(reply):
            if skipping is None:
                reader.text(_xml_text(reply[position : match.start()]))
            kept = reply[position : match.start()]
            position = match.end()
            name, attributes, empty = match.group("name"), match.group("attributes"), match["empty"]
            closing = match.group("slash") == "/"
            if skipping is not None:
                if closing and name == "x":
                    if self.equiv_as_content:
                        _check_kept(skipping, inline.unescape(kept))
                    skipping = None
                continue
            if name == "g":
                if empty:  # <g id="1"/> is <g id="1"></g> to an XML parser (DeepL's too)
                    reader.open(_id(attributes, match.group(0)))
                    reader.close()
                elif closing:
                    reader.close()
                else:
                    reader.open(_id(attributes, match.group(0)))
            elif not closing:
                code = reader.standalone(_id(attributes, match.group(0)))
                if not empty:
                    skipping = code
            else:
                raise Broken("a closing </x> without its opening tag")
        if skipping is not None:
            raise Broken(f"code {skipping.id} is opened but never closed")
        reader.text(_xml_text(reply[position:]))
        return reader.segment()


def _check_kept(code: Code, kept: str) -> None:
    """The text an engine was to keep came back as it was (spacing aside): words it moved
    into a kept element would be lost, as the source's text is written in its place."""
    if kept.split() != code.equiv.split():
        raise Broken(f"the text kept for code {code.id} changed")


def _xml_text(raw: str) -> str:
    if _MARKUP_START.search(raw):
        raise Broken("the reply holds markup that is none of the segment's codes")
    return inline.unescape(raw)


# --- HTML: Google Cloud ------------------------------------------------------------------


class HtmlCodec(Codec):
    """``<span id>`` for paired codes, ``<span translate="no" id>`` for standalone ones."""

    def encode(self, segment: Tagged) -> str:
        pieces: list[str] = []
        for part in segment.parts:
            if isinstance(part, str):
                pieces.append(_html_text(part))
            elif part.kind is Kind.OPEN:
                pieces.append(f'<span id="{part.id}">')
            elif part.kind is Kind.CLOSE:
                pieces.append("</span>")
            else:
                pieces.append(
                    f'<span translate="no" id="{part.id}">{_html_text(part.equiv)}</span>'
                )
        return "".join(pieces)

    def decode(self, reply: str, segment: Tagged) -> Tagged:
        kinds = {code.id: code.kind for code in segment.codes}
        reader = _Reader(segment)
        position = 0
        # Every open <span>, with whether it was a standalone code (its content skipped).
        spans: list[bool] = []
        kept: tuple[Code, int] | None = None  # the standalone code being read, from where
        for match in _HTML_TAG.finditer(reply):
            skipping = any(spans)
            if not skipping:
                reader.text(_html_unescaped(reply[position : match.start()]))
            position = match.end()
            name = match.group("name").lower()
            if name == "br":
                if not skipping:
                    reader.text("\n")
            elif match.group("slash"):
                if not spans:
                    raise Broken("a closing </span> without its opening tag")
                if not spans.pop():
                    reader.close()
                elif kept is not None and not any(spans):
                    content = _HTML_TAG.sub(" ", reply[kept[1] : match.start()])
                    _check_kept(kept[0], html.unescape(content))
                    kept = None
            elif skipping:
                spans.append(True)  # markup inside a kept span is the source's, not read
            else:
                code_id = _id(match.group("attributes"), match.group(0))
                standalone = kinds.get(code_id) is Kind.STANDALONE
                spans.append(standalone)
                if standalone:
                    kept = (reader.standalone(code_id), match.end())
                else:
                    reader.open(code_id)
        if spans:
            raise Broken("a <span> is opened but never closed")
        reader.text(_html_unescaped(reply[position:]))
        return reader.segment()


def _html_text(text: str) -> str:
    return inline.escape(text).replace("\n", "<br>")


def _html_unescaped(raw: str) -> str:
    if _MARKUP_START.search(raw):
        raise Broken("the reply holds markup that is none of the segment's codes")
    return html.unescape(raw)


# --- tokens: engines of plain text -------------------------------------------------------


class TokenCodec(Codec):
    """Every code part as ``[XnX]``, numbered in order; the text as it is."""

    def encode(self, segment: Tagged) -> str:
        if any(_TOKEN.search(part) for part in segment.parts if isinstance(part, str)):
            raise Unencodable("the text holds something shaped like a code token")
        pieces: list[str] = []
        number = 0
        for part in segment.parts:
            if isinstance(part, str):
                pieces.append(part)
            else:
                pieces.append(f"[X{number}X]")
                number += 1
        return "".join(pieces)

    def decode(self, reply: str, segment: Tagged) -> Tagged:
        codes = segment.codes
        reader = _Reader(segment)
        position = 0
        for match in _TOKEN.finditer(reply):
            reader.text(reply[position : match.start()])
            position = match.end()
            number = int(match.group(1))
            if number >= len(codes):
                raise Broken(f"the reply holds a token, {match.group(0)}, that was not sent")
            code = codes[number]
            if code.kind is Kind.OPEN:
                reader.open(code.id)
            elif code.kind is Kind.CLOSE:
                reader.close(code.id)
            else:
                reader.standalone(code.id)
        reader.text(reply[position:])
        return reader.segment()


# --- reading a reply back ----------------------------------------------------------------


class _Reader:
    """Collects a reply's parts, taking each code from the source segment by id."""

    def __init__(self, segment: Tagged) -> None:
        self._codes = {code.id: code for code in segment.codes if code.kind is not Kind.CLOSE}
        self._parts: list[Part] = []
        self._open: list[str] = []

    def text(self, text: str) -> None:
        inline.append_text(self._parts, text)

    def open(self, code_id: str) -> None:
        self._parts.append(Code(Kind.OPEN, self._known(code_id).id))
        self._open.append(code_id)

    def close(self, code_id: str | None = None) -> None:
        if not self._open:
            raise Broken("a code is closed that was never opened")
        innermost = self._open.pop()
        if code_id is not None and code_id != innermost:
            raise Broken(f"code {code_id} is closed inside code {innermost}")
        self._parts.append(Code(Kind.CLOSE, innermost))

    def standalone(self, code_id: str) -> Code:
        code = self._known(code_id)
        # The source's equiv, whatever the reply says; a paired id here is a changed kind,
        # which the check that follows reports.
        standalone = Code(Kind.STANDALONE, code.id, code.equiv)
        self._parts.append(standalone)
        return standalone

    def segment(self) -> Tagged:
        if self._open:
            raise Broken(f"code {self._open[-1]} is opened but never closed")
        return Tagged(tuple(self._parts))

    def _known(self, code_id: str) -> Code:
        code = self._codes.get(code_id)
        if code is None:
            raise Broken(f"the reply holds a code, {code_id!r}, that the segment does not have")
        return code


def _id(attributes: str, tag: str) -> str:
    for match in _ATTRIBUTE.finditer(attributes):
        if match.group("name").lower() == "id":
            value = match.group("double") or match.group("single") or match.group("bare") or ""
            return html.unescape(value)
    raise Broken(f"a tag without its id: {tag[:40]}")


# --- glossary terms as codes ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WithTerms:
    """A segment whose glossary terms are standalone codes; ``targets`` by code id."""

    segment: Tagged
    targets: Mapping[str, str]


def with_terms(segment: Tagged, glossary: GlossarySpec) -> WithTerms:
    """Each occurrence of a glossary term in the segment's text as a standalone code."""
    taken = {code.id for code in segment.codes}
    parts: list[Part] = []
    targets: dict[str, str] = {}
    number = 0
    for part in segment.parts:
        if not isinstance(part, str):
            parts.append(part)
            continue
        position = 0
        for match in glossary.find(part):
            inline.append_text(parts, part[position : match.start])
            number += 1
            while f"t{number}" in taken:
                number += 1
            code_id = f"t{number}"
            targets[code_id] = match.term.target
            parts.append(Code(Kind.STANDALONE, code_id, match.term.target))
            position = match.end
        inline.append_text(parts, part[position:])
    if not targets:
        return WithTerms(segment, {})
    return WithTerms(Tagged(tuple(parts)), targets)


def render_terms(translated: Tagged, targets: Mapping[str, str]) -> Tagged:
    """``translated`` with each term code replaced by its target text."""
    if not targets:
        return translated
    parts: list[Part] = []
    for part in translated.parts:
        if isinstance(part, Code) and part.id in targets:
            inline.append_text(parts, targets[part.id])
        elif isinstance(part, str):
            inline.append_text(parts, part)
        else:
            parts.append(part)
    return Tagged(tuple(parts))


def from_text(text: str) -> Tagged:
    """A plain text (not canonical) as a segment without codes."""
    return Tagged((text,) if text else ())


def joined(parts: Iterable[Part]) -> Tagged:
    """A segment of ``parts``, adjacent texts joined and empty ones left out."""
    collected: list[Part] = []
    for part in parts:
        if isinstance(part, str):
            inline.append_text(collected, part)
        else:
            collected.append(part)
    return Tagged(tuple(collected))


XML = XmlCodec(equiv_as_content=False)
XML_IGNORED = XmlCodec(equiv_as_content=True)
HTML = HtmlCodec()
TOKENS = TokenCodec()

# Tags as engines write them back: any attribute order, either quote, optional spaces.
_XML_TAG = re.compile(
    r"<(?P<slash>/?)\s*(?P<name>[gx])\b(?P<attributes>(?:\s+[A-Za-z_:-]+\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))*)\s*(?P<empty>/?)>"
)
_HTML_TAG = re.compile(
    r"<(?P<slash>/?)\s*(?P<name>span|br)\b(?P<attributes>(?:\s+[A-Za-z_:-]+(?:\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'|[^\s\"'<>=]+))?)*)\s*/?>",
    re.IGNORECASE,
)
_ATTRIBUTE = re.compile(
    r"(?P<name>[A-Za-z_:-]+)\s*=\s*(?:\"(?P<double>[^\"]*)\"|'(?P<single>[^']*)'|(?P<bare>[^\s\"'<>=/]+))"
)
# What starts a tag, once the codes' tags are taken out: "a < b" is text, "<b>" is not.
_MARKUP_START = re.compile(r"<\s*[A-Za-z/!?]")
_TOKEN = re.compile(r"\[\s*X\s*(\d+)\s*X\s*\]", re.IGNORECASE)
