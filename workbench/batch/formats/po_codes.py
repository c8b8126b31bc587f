"""A PO string as a segment: its placeholders, tags and line breaks are codes.

Which placeholders a string holds depends on its format flag (``#, c-format``,
``python-format``, ``python-brace-format``, …): each flag's directives become standalone
codes, so ``%(name)s``, ``%1$d``, ``{name}`` and ``{0}`` come back exactly as they were
and ``msgfmt -c`` finds the same directives in the translation. A string with no format
flag gets the common ones (``%s``, ``%(name)s``, ``{name}``) unless a ``no-…-format``
flag says its percent signs or braces are plain text. HTML tags are codes too (paired
when they open and close in the string), and so is every newline inside it. Newlines at
either end are not part of the segment at all: gettext checks that a translation begins
and ends with ``\\n`` exactly when its msgid does, and a provider may put words before or
after every code it was given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from workbench import inline
from workbench.errors import InvalidInput

_C = (
    r"%(?:[0-9]+\$)?[-+ #0']*(?:\*(?:[0-9]+\$)?|[0-9]+)?(?:\.(?:\*(?:[0-9]+\$)?|[0-9]+))?"
    r"(?:hh|h|ll|l|L|q|j|z|Z|t|I64|I32|I)?[diouxXeEfFgGaAcsCSpnm%]|%<PRI[a-zA-Z0-9]+>"
)
_PYTHON = r"%(?:\([^()]*\))?[-+ #0]*(?:\*|[0-9]+)?(?:\.(?:\*|[0-9]+))?[hlL]?[diouxXeEfFgGcrsa%]"
_BRACE = r"\{\{|\}\}|\{[A-Za-z0-9_.\[\]]*(?:![rsa])?(?::[^{}]*)?\}"
_PATTERNS = {
    "c-format": _C,
    "objc-format": _C + r"|%@",
    "gcc-internal-format": _C + r"|%<|%>|%q[a-zA-Z]",
    "php-format": _C,
    "lua-format": _C,
    "awk-format": _C,
    "object-pascal-format": _C,
    "python-format": _PYTHON,
    "python-brace-format": _BRACE,
    "perl-brace-format": r"\{[A-Za-z_][A-Za-z0-9_]*\}",
    "perl-format": _C,
    "csharp-format": r"\{\{|\}\}|\{[0-9]+(?:,-?[0-9]+)?(?::[^{}]*)?\}",
    "java-format": r"''|\{[0-9]+(?:,[^{}]*)?\}",
    "javascript-format": r"%(?:[0-9]+\$)?[-+ #0]*[0-9]*(?:\.[0-9]+)?[sdifjoOcxXb%]",
    "qt-format": r"%L?[0-9]{1,2}",
    "qt-plural-format": r"%L?[0-9]{1,2}|%n",
    "kde-format": r"%[0-9]{1,2}",
    "boost-format": r"%[0-9]+%|" + _C,
    "ruby-format": r"%\{[A-Za-z_][A-Za-z0-9_]*\}|%<[A-Za-z_][A-Za-z0-9_]*>[-+ #0]*[0-9]*[a-zA-Z]|"
    + _C,
    "sh-format": r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?",
    "elixir-format": r"%\{[A-Za-z_][A-Za-z0-9_]*\}",
    "scheme-format": r"~[0-9]*[a-zA-Z%~]",
    "lisp-format": r"~[0-9]*[a-zA-Z%~]",
}
# Without a format flag: what is plainly a placeholder (no space flag, no "%%": "50% done").
_UNFLAGGED_PERCENT = r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdifr]|%(?:[0-9]+\$)?[-+#0]*[0-9]*(?:\.[0-9]+)?(?:ll|l|h|z)?[sdifuxXeEgGcp]"  # noqa: E501
_UNFLAGGED_BRACE = r"\{[A-Za-z_][A-Za-z0-9_.]*\}|\{[0-9]+\}"
_TAG = r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>"
_NEWLINE = r"\n"


@dataclass(frozen=True, slots=True)
class Coded:
    """A string as a canonical segment, and what each code's id stands for."""

    canonical: str
    standalone: dict[str, str]
    paired: dict[str, tuple[str, str]]
    lead: str = ""  # the newlines the string begins with, put back as they were
    trail: str = ""  # and those it ends with

    def text(self, translation: str, where: str) -> str:
        """The PO string of a canonical translation of this segment; InvalidInput if the
        translation lost, added or broke a code (a broken catalog is never written)."""
        if not self.standalone and not self.paired and "<" not in translation:
            # No codes on either side: the common case.
            return self._edged(inline.unescape(translation))
        parsed = inline.parse(translation)  # refuses mis-nested or repeated codes
        codes = {(c.id, c.kind) for c in parsed.codes if c.kind is not inline.Kind.CLOSE}
        wanted = {(i, inline.Kind.STANDALONE) for i in self.standalone}
        wanted |= {(i, inline.Kind.OPEN) for i in self.paired}
        if codes != wanted:
            missing, added = sorted(wanted - codes), sorted(codes - wanted)
            problem = (
                f"code {missing[0][0]} is missing" if missing else f"code {added[0][0]} was added"
            )
            raise InvalidInput(
                f"the translation of {where} is broken ({problem}); nothing was written"
            )
        out: list[str] = []
        for part in parsed.parts:
            if isinstance(part, str):
                out.append(part)
            elif part.kind is inline.Kind.STANDALONE:
                out.append(self.standalone[part.id])
            else:
                out.append(self.paired[part.id][part.kind is inline.Kind.CLOSE])
        return self._edged("".join(out))

    def _edged(self, body: str) -> str:
        return self.lead + body.strip("\n") + self.trail


def code(text: str, flags: Sequence[str]) -> Coded:
    """``text`` with the placeholders ``flags`` name, its tags and newlines as codes."""
    body = text.strip("\n")
    lead = text[: len(text) - len(text.lstrip("\n"))]
    trail = text[len(text.rstrip("\n")) :] if body else ""
    text = body
    pattern = _pattern(frozenset(flag for flag in flags if flag.endswith("-format")))
    tokens = [(m.start(), m.end()) for m in pattern.finditer(text)]
    if not tokens:
        return Coded(inline.plain(text), {}, {}, lead, trail)
    closes = _pairs(text, tokens)
    closing = set(closes.values())
    builder = inline.Builder()
    standalone: dict[str, str] = {}
    paired: dict[str, tuple[str, str]] = {}
    position = 0
    for index, (start, end) in enumerate(tokens):
        builder.text(text[position:start])
        position = end
        token = text[start:end]
        if index in closes:  # an opening tag with its closing one later
            paired[builder.open()] = (token, text[slice(*tokens[closes[index]])])
        elif index in closing:
            builder.close()
        else:
            standalone[builder.code(token)] = token
    builder.text(text[position:])
    return Coded(builder.canonical(), standalone, paired, lead, trail)


@cache
def _pattern(formats: frozenset[str]) -> re.Pattern[str]:
    chosen = [_PATTERNS[name] for name in sorted(formats) if name in _PATTERNS]
    if not chosen:
        negated = {name.removeprefix("no-") for name in formats if name.startswith("no-")}
        if not negated & {"c-format", "python-format", "php-format", "perl-format"}:
            chosen.append(_UNFLAGGED_PERCENT)
        if not negated & {"python-brace-format", "perl-brace-format", "csharp-format"}:
            chosen.append(_UNFLAGGED_BRACE)
    return re.compile("|".join(f"(?:{p})" for p in (_NEWLINE, _TAG, *chosen)))


_TAG_NAME = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)")


def _pairs(text: str, tokens: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Opening tag token index -> its closing tag's, for tags properly nested."""
    stack: list[tuple[str, int]] = []
    pairs: dict[int, int] = {}
    for index, (start, end) in enumerate(tokens):
        token = text[start:end]
        name = _TAG_NAME.match(token) if token.startswith("<") else None
        if name is None or token.endswith("/>"):
            continue
        if not name.group(1):
            stack.append((name.group(2).lower(), index))
            continue
        wanted = name.group(2).lower()
        if stack and stack[-1][0] == wanted:
            pairs[stack.pop()[1]] = index
        elif any(tag == wanted for tag, _ in stack):
            # Mis-nested: the tags in between stay standalone codes.
            while stack and stack[-1][0] != wanted:
                stack.pop()
            pairs[stack.pop()[1]] = index
    return pairs
