"""ICU MessageFormat: a small parser that keeps every byte, for catalogs we edit in place.

:func:`parse` reads a message into nodes: literal :class:`Text` (apostrophe quoting
resolved, the raw spelling kept), simple arguments (``{name}``, ``{n, number}``,
``{d, date, short}``, kept whole as :class:`Argument`), the ``#`` of a plural branch
(:class:`Pound`) and the complex arguments ``plural``, ``selectordinal`` and ``select``
(:class:`Choice`), whose branches are messages again. :func:`raw` gives the exact source
back; :func:`quote` writes new text so that ICU reads it back as that text.

Quoting follows ICU's default (``DOUBLE_OPTIONAL``, as ICU4J and FormatJS): ``''`` is an
apostrophe; an apostrophe right before ``{``, ``}``, ``<`` (FormatJS's tags) or, in a plural
branch, ``#`` starts a quoted literal (:class:`Literal`) that ends at the next single
apostrophe; any other apostrophe is literal.
``#`` is special only directly inside a ``plural`` or ``selectordinal`` branch, not in a
``select`` nested in one (as ICU4J and FormatJS read it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Complex argument types whose branches hold messages; the numeric ones give ``#``.
CHOICES = frozenset({"plural", "selectordinal", "select"})
NUMERIC = frozenset({"plural", "selectordinal"})
_MAX_DEPTH = 32  # nesting of complex arguments; real messages use two or three


class IcuError(ValueError):
    """Not an ICU message; the text says where and why."""


@dataclass(frozen=True, slots=True)
class Text:
    value: str  # what a reader sees: quoting resolved
    raw: str  # as written


@dataclass(frozen=True, slots=True)
class Literal:
    """A quoted literal, ``'{…}'`` or ``'<b>'``: text the author kept from being read as
    syntax, so it is kept as it is."""

    value: str
    raw: str


@dataclass(frozen=True, slots=True)
class Argument:
    name: str
    raw: str  # the whole "{n, number, ::percent}"


@dataclass(frozen=True, slots=True)
class Pound:
    """The ``#`` of a plural branch: the number, formatted."""


@dataclass(frozen=True, slots=True)
class Branch:
    lead: str  # whitespace before the selector
    selector: str  # "one", "other", "=0", "male"…
    gap: str  # whitespace between the selector and "{"
    message: Message


@dataclass(frozen=True, slots=True)
class Choice:
    name: str
    kind: str  # one of CHOICES
    head: str  # "{count, plural," (and " offset:1"), up to the first branch's lead
    branches: tuple[Branch, ...]
    tail: str  # whitespace before the closing "}"


Node = Text | Literal | Argument | Pound | Choice
Message = tuple[Node, ...]


def parse(message: str) -> Message:
    """Read an ICU message; IcuError if it is not one."""
    nodes, position = _Parser(message).message(0, numeric=False, depth=0)
    if position != len(message):
        raise IcuError(f"unmatched '}}' at position {position}")
    return nodes


def raw(nodes: Message) -> str:
    return "".join(_raw(node) for node in nodes)


def choice_raw(choice: Choice, branches: tuple[tuple[Branch, str], ...] | None = None) -> str:
    """A complex argument written out; ``branches`` gives other branches (selector and the
    message already written) in place of the parsed ones."""
    if branches is None:
        branches = tuple((branch, raw(branch.message)) for branch in choice.branches)
    inner = "".join(
        f"{branch.lead}{branch.selector}{branch.gap}{{{body}}}" for branch, body in branches
    )
    return f"{choice.head}{inner}{choice.tail}}}"


def quote(text: str, following: str, *, numeric: bool) -> str:
    """``text`` written so ICU reads it back as it is; ``following`` is what is written right
    after it (an apostrophe before ``{`` would start a quotation).

    Syntax characters go in one quoted run (``'{{'``: two quotations side by side would
    read as an apostrophe); an apostrophe is doubled inside a run and wherever it stands
    before syntax. (A run that ends right before a quoted literal of the source cannot be
    told apart from it; translations do not write braces there.)
    """
    specials = _SPECIAL_NUMERIC if numeric else _SPECIAL
    syntax = "{}<'#" if numeric else "{}<'"  # what an apostrophe must not stand before
    if not specials.search(text) and not (text.endswith("'") and following[:1] in syntax):
        return text
    out: list[str] = []
    quoted = False
    for index, char in enumerate(text):
        if char in "{}" or (numeric and char == "#"):
            if not quoted:
                out.append("'")
                quoted = True
            out.append(char)
        elif char == "'":
            after = text[index + 1] if index + 1 < len(text) else following[:1]
            out.append("''" if quoted or (after and after in syntax) else "'")
        else:
            if quoted:
                out.append("'")
                quoted = False
            out.append(char)
    if quoted:
        out.append("'")
    return "".join(out)


def _raw(node: Node) -> str:
    if isinstance(node, Text | Literal | Argument):
        return node.raw
    if isinstance(node, Pound):
        return "#"
    return choice_raw(node)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source

    def message(self, position: int, *, numeric: bool, depth: int) -> tuple[Message, int]:
        """Nodes from ``position`` to the end or to an unmatched "}" (not consumed)."""
        source = self.source
        nodes: list[Node] = []
        value: list[str]
        plain = _PLAIN_NUMERIC if numeric else _PLAIN
        while position < len(source):
            char = source[position]
            if char == "}":
                break
            if char == "{":
                node, position = self.argument(position, depth)
                nodes.append(node)
            elif char == "#" and numeric:
                nodes.append(Pound())
                position += 1
            elif self.quotes(position, numeric=numeric):
                start = position
                literal, position = self.quoted(position)
                nodes.append(Literal(literal, source[start:position]))
            else:
                start = position
                value = []
                while position < len(source):
                    run = plain.match(source, position)
                    if run:
                        value.append(run.group())
                        position = run.end()
                    elif source[position] != "'" or self.quotes(position, numeric=numeric):
                        break
                    elif source[position + 1 : position + 2] == "'":
                        value.append("'")
                        position += 2
                    else:
                        value.append("'")
                        position += 1
                nodes.append(Text("".join(value), source[start:position]))
        return tuple(nodes), position

    def quotes(self, position: int, *, numeric: bool) -> bool:
        """Whether an apostrophe at ``position`` starts a quoted literal: it does right
        before "{", "}", "<" (FormatJS's tags) and, in a plural branch, "#"."""
        source = self.source
        if source[position] != "'":
            return False
        after = source[position + 1 : position + 2]
        return bool(after) and (after in "{}<" or (numeric and after == "#"))

    def quoted(self, position: int) -> tuple[str, int]:
        """A quoted literal's text and end: up to the next single apostrophe, or the end
        of the message ('' inside is one apostrophe)."""
        source = self.source
        value: list[str] = []
        position += 1
        while True:
            end = source.find("'", position)
            if end < 0:
                value.append(source[position:])
                return "".join(value), len(source)
            value.append(source[position:end])
            if source[end + 1 : end + 2] != "'":
                return "".join(value), end + 1
            value.append("'")
            position = end + 2

    def argument(self, start: int, depth: int) -> tuple[Node, int]:
        source = self.source
        position = self.space(start + 1)
        name = _NAME.match(source, position)
        if not name:
            raise IcuError(f"an argument without a name at position {position}")
        position = self.space(name.end())
        if source[position : position + 1] == "}":
            return Argument(name.group(), source[start : position + 1]), position + 1
        self.expect(position, ",")
        position = self.space(position + 1)
        kind = _NAME.match(source, position)
        if not kind:
            raise IcuError(f"an argument without a type at position {position}")
        position = self.space(kind.end())
        if kind.group() in CHOICES:
            return self.choice(start, position, name.group(), kind.group(), depth)
        if source[position : position + 1] == "}":
            return Argument(name.group(), source[start : position + 1]), position + 1
        self.expect(position, ",")
        position = self.style_end(position + 1)
        return Argument(name.group(), source[start : position + 1]), position + 1

    def choice(
        self, start: int, position: int, name: str, kind: str, depth: int
    ) -> tuple[Choice, int]:
        source = self.source
        if depth >= _MAX_DEPTH:
            raise IcuError(f"arguments nested more than {_MAX_DEPTH} deep")
        self.expect(position, ",")
        position += 1
        if kind != "select":
            offset = _OFFSET.match(source, position)
            if offset:
                position = offset.end()
        head = source[start:position]
        branches: list[Branch] = []
        while True:
            lead_start = position
            position = self.space(position)
            if position >= len(source):
                raise IcuError(f"the {kind} argument at position {start} is never closed")
            if source[position] == "}":
                break
            selector = _SELECTOR.match(source, position)
            if not selector:
                raise IcuError(f"a {kind} branch without a selector at position {position}")
            brace = self.space(selector.end())
            self.expect(brace, "{")
            body, position = self.message(brace + 1, numeric=kind in NUMERIC, depth=depth + 1)
            self.expect(position, "}")
            lead = source[lead_start : selector.start()]
            gap = source[selector.end() : brace]
            branches.append(Branch(lead, selector.group(), gap, body))
            position += 1
        if not branches:
            raise IcuError(f"a {kind} argument without branches at position {start}")
        if not any(branch.selector == "other" for branch in branches):
            raise IcuError(f"a {kind} argument without its 'other' branch at position {start}")
        return Choice(name, kind, head, tuple(branches), source[lead_start:position]), position + 1

    def style_end(self, position: int) -> int:
        """The "}" that closes an argument's style (styles may hold balanced braces)."""
        source = self.source
        depth = 0
        while position < len(source):
            char = source[position]
            if char == "'":
                end = source.find("'", position + 1)
                position = len(source) if end < 0 else end + 1
                continue
            if char == "{":
                depth += 1
            elif char == "}":
                if depth == 0:
                    return position
                depth -= 1
            position += 1
        raise IcuError("an argument's style is never closed")

    def space(self, position: int) -> int:
        return _SPACE.match(self.source, position).end()  # type: ignore[union-attr]

    def expect(self, position: int, char: str) -> None:
        if self.source[position : position + 1] != char:
            found = self.source[position : position + 1] or "the end"
            raise IcuError(f"expected '{char}' at position {position}, found {found!r}")


_PLAIN = re.compile(r"[^{}']+")
_PLAIN_NUMERIC = re.compile(r"[^{}'#]+")
_SPECIAL = re.compile(r"[{}]|'(?=[{}<'])")
_SPECIAL_NUMERIC = re.compile(r"[{}#]|'(?=[{}<'#])")
_SPACE = re.compile(r"\s*")
_NAME = re.compile(r"[^\s,{}#'<>]+")
_SELECTOR = re.compile(r"=\d+(?:\.\d+)?|[^\s{}=][^\s{}]*")
_OFFSET = re.compile(r"\s*offset:\s*\d+")
