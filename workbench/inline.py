"""Segments with inline codes: the one form every file format, provider and store shares.

A segment is a run of translatable text in which the spans that must not be translated,
or that wrap text with formatting, are *codes* (the XLIFF idea):

- a **paired** code wraps text: a bold word, a link's text, ``<0>…</0>`` in i18next;
- a **standalone** code stands for something that is not text: a placeholder (``{name}``,
  ``%s``), inline code, a line break, a field, an image.

Codes carry an ``id`` (unique in the segment; the format knows what markup each id stands
for and puts it back) and, for standalone codes, an ``equiv``: the text a reader or an LLM
would see in its place (``{count}``), never translated.

The **canonical form** is a string: the text XML-escaped, paired codes as
``<g id="1">…</g>``, standalone codes as ``<x id="2" equiv="{name}"/>``. It is what the
database stores, what the translation memory keys on (two segments that differ only in
their codes are two entries), and what providers' codecs start from. Formats build it
with :class:`Builder` and read translations back with :func:`parse`; a plain text with no
codes is :func:`plain` of it and :func:`text_of` gives it back.

:func:`code_problem` says what a translation did to the codes, if anything: every code of
the source must come back exactly once, and paired codes must still nest.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from workbench.errors import InvalidInput


class Kind(StrEnum):
    OPEN = "open"
    CLOSE = "close"
    STANDALONE = "standalone"


@dataclass(frozen=True, slots=True)
class Code:
    kind: Kind
    id: str
    equiv: str = ""  # what stands in a standalone code's place, for readers and LLMs


Part = str | Code


@dataclass(frozen=True, slots=True)
class Tagged:
    """A segment: text and codes, in order; adjacent texts are joined, none is empty."""

    parts: tuple[Part, ...]

    @property
    def codes(self) -> list[Code]:
        return [part for part in self.parts if isinstance(part, Code)]

    @property
    def prose(self) -> str:
        """The text alone, codes left out: what is billed and checked for content."""
        return "".join(part for part in self.parts if isinstance(part, str))

    @property
    def readable(self) -> str:
        """The text with each standalone code's ``equiv`` in its place, for people."""
        return "".join(
            part if isinstance(part, str) else part.equiv if part.kind is Kind.STANDALONE else ""
            for part in self.parts
        )

    def canonical(self) -> str:
        return "".join(_emit(part) for part in self.parts)

    def __str__(self) -> str:
        return self.canonical()


class Builder:
    """Builds a segment part by part; ids are given by the caller or numbered 1, 2, …"""

    def __init__(self) -> None:
        self._parts: list[Part] = []
        self._open: list[str] = []
        self._ids: set[str] = set()
        self._next = 1

    def text(self, text: str) -> Builder:
        if text:
            if self._parts and isinstance(self._parts[-1], str):
                self._parts[-1] += text
            else:
                self._parts.append(text)
        return self

    def open(self, id: str | None = None) -> str:
        """Start a paired code; returns its id."""
        code_id = self._new_id(id)
        self._parts.append(Code(Kind.OPEN, code_id))
        self._open.append(code_id)
        return code_id

    def close(self) -> Builder:
        """End the innermost open paired code."""
        if not self._open:
            raise ValueError("close() without an open code")
        self._parts.append(Code(Kind.CLOSE, self._open.pop()))
        return self

    def code(self, equiv: str = "", id: str | None = None) -> str:
        """A standalone code; returns its id."""
        code_id = self._new_id(id)
        self._parts.append(Code(Kind.STANDALONE, code_id, equiv))
        return code_id

    @property
    def empty(self) -> bool:
        return not self._parts

    def build(self) -> Tagged:
        if self._open:
            raise ValueError(f"codes left open: {', '.join(self._open)}")
        return Tagged(tuple(self._parts))

    def canonical(self) -> str:
        return self.build().canonical()

    def _new_id(self, wanted: str | None) -> str:
        if wanted is None:
            while str(self._next) in self._ids:
                self._next += 1
            wanted = str(self._next)
        elif not _ID.fullmatch(wanted):
            raise ValueError(f"a code id is letters, digits, '_' or '-': {wanted!r}")
        if wanted in self._ids:
            raise ValueError(f"code id {wanted!r} used twice")
        self._ids.add(wanted)
        return wanted


def plain(text: str) -> str:
    """The canonical form of a text with no codes."""
    return escape(text)


def text_of(canonical: str) -> str:
    """The text of a canonical segment, for one with no codes (codes are dropped)."""
    return parse(canonical).prose


def escape(text: str) -> str:
    # \r is escaped too: XML parsers (DeepL's included) turn a bare CR into LF.
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def unescape(text: str) -> str:
    return _ENTITY.sub(_entity, text)


def parse(canonical: str) -> Tagged:
    """Read a canonical segment; InvalidInput if it is not one (mis-nested, unknown tag).

    A job reads each segment several times (its codes, the provider's check, the format's
    render), so parses are cached; a ``Tagged`` is immutable.
    """
    if "<" not in canonical and "&" not in canonical:
        return Tagged((canonical,)) if canonical else _EMPTY
    return _parse(canonical)


@functools.lru_cache(maxsize=16384)
def _parse(canonical: str) -> Tagged:
    parts: list[Part] = []
    stack: list[str] = []
    seen: set[str] = set()
    position = 0
    for match in _TOKEN.finditer(canonical):
        if match.start() > position:
            append_text(parts, _text(canonical[position : match.start()]))
        position = match.end()
        tag = match.group(0)
        if tag == "</g>":
            if not stack:
                raise InvalidInput("a closing </g> without its opening <g>")
            parts.append(Code(Kind.CLOSE, stack.pop()))
            continue
        raw = match.group("attributes")
        attributes = dict(_ATTRIBUTE.findall(raw))
        code_id = attributes.get("id", "")
        if not _ID.fullmatch(code_id) or set(attributes) - {"id", "equiv"}:
            raise InvalidInput(f"a code with a bad id or attribute: {tag}")
        if code_id in seen:
            raise InvalidInput(f"code {code_id} appears twice")
        seen.add(code_id)
        if match.group("name") == "g":
            if match.group("empty"):
                raise InvalidInput(f"a paired code written as empty: {tag}")
            stack.append(code_id)
            parts.append(Code(Kind.OPEN, code_id))
        elif not match.group("empty"):
            raise InvalidInput(f"a standalone code written as paired: {tag}")
        else:
            parts.append(Code(Kind.STANDALONE, code_id, unescape(attributes.get("equiv", ""))))
    append_text(parts, _text(canonical[position:]))
    if stack:
        raise InvalidInput(f"code {stack[-1]} is opened but never closed")
    return Tagged(tuple(parts))


def code_problem(source: Tagged, translated: str) -> str | None:
    """What a translation broke in the source's codes, or ``None`` when they all hold.

    Every code must come back exactly once, paired codes properly nested, no code added.
    A code may move: word order differs between languages.
    """
    try:
        result = parse(translated)
    except InvalidInput as error:
        return str(error)
    wanted = _signature(source.codes)
    got = _signature(result.codes)
    if wanted == got:
        return None
    missing = sorted(set(wanted) - set(got))
    added = sorted(set(got) - set(wanted))
    if missing:
        return f"code {missing[0]} is missing"
    if added:
        return f"code {added[0]} was added"
    return "a code changed its kind or placeholder"


def codes_balanced(parts: Iterable[Part]) -> bool:
    stack: list[str] = []
    for part in parts:
        if isinstance(part, Code):
            if part.kind is Kind.OPEN:
                stack.append(part.id)
            elif part.kind is Kind.CLOSE and (not stack or stack.pop() != part.id):
                return False
    return not stack


def pieces(segment: Tagged) -> Iterator[tuple[int, str]]:
    """The texts between codes, with their index in ``segment.parts``: what is translated
    one by one when a provider cannot keep a segment's codes."""
    for index, part in enumerate(segment.parts):
        if isinstance(part, str):
            yield index, part


def _signature(codes: list[Code]) -> dict[str, tuple[Kind, str]]:
    signature: dict[str, tuple[Kind, str]] = {}
    for code in codes:
        if code.kind is Kind.CLOSE:
            continue
        signature[code.id] = (code.kind, code.equiv)
    return signature


def append_text(parts: list[Part], text: str) -> None:
    """Add ``text`` to a list of parts, joined to a text that ends it (never empty)."""
    if not text:
        return
    if parts and isinstance(parts[-1], str):
        parts[-1] += text
    else:
        parts.append(text)


def _emit(part: Part) -> str:
    if isinstance(part, str):
        return escape(part)
    if part.kind is Kind.OPEN:
        return f'<g id="{part.id}">'
    if part.kind is Kind.CLOSE:
        return "</g>"
    if part.equiv:
        return f'<x id="{part.id}" equiv="{_attribute(part.equiv)}"/>'
    return f'<x id="{part.id}"/>'


def _attribute(value: str) -> str:
    return escape(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def _text(raw: str) -> str:
    if "<" in raw:
        raise InvalidInput("a segment holds markup that is not one of its codes")
    return unescape(raw)


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _ENTITIES[name]


_EMPTY = Tagged(())
_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_ENTITY = re.compile(r"&(amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
_TOKEN = re.compile(
    r"<(?P<name>[gx])(?P<attributes>(?:\s+[a-z]+\s*=\s*\"[^\"<]*\")*)\s*(?P<empty>/?)>|</g>"
)
_ATTRIBUTE = re.compile(r"([a-z]+)\s*=\s*\"([^\"]*)\"")
