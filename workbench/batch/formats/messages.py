"""Catalog messages as segments: what is prose, what is a code, and how to write it back.

A message (one string of a JSON catalog) becomes one or more :class:`Level`\\ s, each one
segment in the canonical form of :mod:`workbench.inline`:

- In the **ICU** dialect the message is parsed (:mod:`workbench.batch.formats.icu`). Simple
  arguments (``{name}``, ``{n, number}``, ``{d, date, short}``) and the ``#`` of a plural
  branch are standalone codes. A ``plural``, ``selectordinal`` or ``select`` argument is
  one standalone code too, so the sentence around it stays one segment and the argument
  may move in it; each of its branches is a level of its own. Branches as segments
  translate best: a branch is a whole phrase in well-written catalogs, the memory reuses
  it, and the skeleton never reaches a provider, so it cannot be damaged (one segment
  with the skeleton as codes would show a provider ``one {…} other {…}`` as a run of codes
  to keep in order, and could not give Polish the few/many forms English lacks). A
  plural's branches are fitted to the target language's CLDR categories: missing ones
  start from the ``other`` branch's text, ones the language lacks are dropped, exact
  ``=N`` branches are kept.
- In the **i18next** dialect ``{{x}}``, ``{{x, format}}``, ``$t(key, …)`` are codes.
- In the **MediaWiki** dialect ``$1``, magic words and ``[[links]]`` are codes; a
  ``{{PLURAL:$1|page|pages}}`` or ``{{GENDER:…}}`` is a code in its sentence and each of its
  forms a level (:class:`Magic`), as an ICU branch is (their number is not fitted to the
  target language: MediaWiki reads missing forms as the last one).
- In the plain **braces** dialect (catalogs with ``{name}`` placeholders and no sign of
  ICU) ``{name}``, Chrome's ``$NAME$`` and printf-style placeholders are codes,
  apostrophes are plain text.

In every dialect HTML and rich-text tags (``<b>…</b>``, i18next's ``<0>…</0>`` and
``<1/>``) are codes, paired when they open and close in the same level, and character
references (``&nbsp;``) are standalone codes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from workbench import inline
from workbench.batch.formats import icu
from workbench.batch.formats.plurals import ORDER, categories


class Dialect(StrEnum):
    ICU = "icu"
    I18NEXT = "i18next"
    MEDIAWIKI = "mediawiki"
    BRACES = "braces"


@dataclass(frozen=True, slots=True)
class Fitted:
    """A plural, selectordinal or select argument with its branches as levels."""

    choice: icu.Choice
    branches: tuple[tuple[icu.Branch, Level], ...]
    refitted: bool  # branches were added or dropped for the target language


@dataclass(frozen=True, slots=True)
class Magic:
    """A MediaWiki ``{{PLURAL:$1|page|pages}}`` or ``{{GENDER:$1|he|she}}`` with its forms as
    levels (an explicit form keeps its ``5=``)."""

    head: str  # "{{PLURAL:$1|"
    forms: tuple[tuple[str, Level], ...]  # (its "5=" or "", the form)


@dataclass(frozen=True, slots=True)
class Level:
    """One segment of a message: its canonical text and what each code stands for."""

    index: int  # its place among the message's levels (in the order segments are made)
    source: str  # canonical
    origin: str | icu.Message  # as written: the text, or the ICU nodes it was read into
    opens: dict[str, str]  # paired code id -> opening markup
    closes: dict[str, str]  # paired code id -> closing markup
    standalone: dict[str, str | Fitted | Magic]
    quoting: bool  # ICU: text is quoted when written
    numeric: bool  # ICU: directly in a plural branch, where "#" is the number
    refitted: bool  # some plural below it changed its branches
    where: str  # e.g. "(plural one)", added to the key in reports
    prose: bool  # whether it holds text that is not blank: only those are segments

    @property
    def raw(self) -> str:
        """The level as written in the message."""
        return self.origin if isinstance(self.origin, str) else icu.raw(self.origin)

    @property
    def nested(self) -> bool:
        """Whether codes with levels of their own (plurals, selects…) stand in it."""
        return any(not isinstance(markup, str) for markup in self.standalone.values())


@dataclass
class Built:
    """A message turned into levels, and what happened on the way (for the notes)."""

    levels: list[Level] = field(default_factory=list)
    not_icu: bool = False  # ICU dialect, but the message does not parse: braces used
    added: set[str] = field(default_factory=set)  # plural categories added
    dropped: set[str] = field(default_factory=set)  # plural categories dropped


def build(message: str, dialect: Dialect, target: str) -> Built:
    """The levels of ``message``; ``levels[0]`` is the whole message's own level."""
    built = Built()
    if dialect is Dialect.ICU:
        try:
            nodes = icu.parse(message)
        except icu.IcuError:
            built.not_icu = True
        else:
            _Builder(built, target).icu_level(nodes, numeric=False, where="")
            return built
    pattern = _PATTERNS[Dialect.BRACES if dialect is Dialect.ICU else dialect]
    _Builder(built, target).text_level(message, pattern)
    return built


def render(level: Level, translations: Sequence[str], following: str = "") -> str:
    """The message text of ``level`` with every level's translation in place; ``following``
    is what the message is followed by ("}" for a branch), for ICU's quoting."""
    translated = translations[level.index]
    if translated == level.source and not level.refitted and not level.nested:
        return level.raw
    pieces: list[tuple[bool, str]] = []  # (is text, written)
    for part in inline.parse(translated).parts:
        if isinstance(part, str):
            pieces.append((True, part))
        elif part.kind is inline.Kind.OPEN:
            pieces.append((False, level.opens[part.id]))
        elif part.kind is inline.Kind.CLOSE:
            pieces.append((False, level.closes[part.id]))
        else:
            markup = level.standalone[part.id]
            if isinstance(markup, Fitted):
                markup = _render_choice(markup, translations)
            elif isinstance(markup, Magic):
                markup = _render_magic(markup, translations)
            pieces.append((False, markup))
    if not level.quoting:
        return "".join(written for _, written in pieces)
    out: list[str] = []
    for number, (is_text, written) in enumerate(pieces):
        if is_text:
            after = pieces[number + 1][1][:1] if number + 1 < len(pieces) else following
            written = icu.quote(written, after, numeric=level.numeric)
        out.append(written)
    return "".join(out)


def _render_magic(magic: Magic, translations: Sequence[str]) -> str:
    forms = "|".join(prefix + render(level, translations) for prefix, level in magic.forms)
    return f"{magic.head}{forms}}}}}"


def _render_choice(fitted: Fitted, translations: Sequence[str]) -> str:
    return icu.choice_raw(
        fitted.choice,
        tuple((branch, render(level, translations, "}")) for branch, level in fitted.branches),
    )


class _Builder:
    def __init__(self, built: Built, target: str) -> None:
        self.built = built
        self.target = target

    def icu_level(self, nodes: icu.Message, *, numeric: bool, where: str) -> Level:
        index = self._reserve()
        tokens: list[_Token] = []
        refitted = False
        for node in nodes:
            if isinstance(node, icu.Text):
                tokens.extend(_scan(node.value, _PATTERNS[Dialect.ICU]))
            elif isinstance(node, icu.Argument):
                tokens.append(("code", node.raw, node.raw))
            elif isinstance(node, icu.Literal):
                tokens.append(("code", node.raw, node.value))
            elif isinstance(node, icu.Pound):
                tokens.append(("code", "#", "#"))
            else:
                fitted = self.fit(node, where)
                refitted = refitted or fitted.refitted
                tokens.append(("choice", fitted, f"{{{node.name}, {node.kind}}}"))
        level = _level(index, tokens, nodes, numeric=numeric, refitted=refitted, where=where)
        self.built.levels[index] = level
        return level

    def fit(self, choice: icu.Choice, where: str) -> Fitted:
        branches = list(choice.branches)
        refitted = False
        wanted = (
            categories(self.target, ordinal=choice.kind == "selectordinal")
            if self.target and choice.kind in icu.NUMERIC
            else None
        )
        if wanted is not None:
            present = {branch.selector for branch in branches}
            dropped = [b for b in branches if b.selector in ORDER and b.selector not in wanted]
            other = next(branch for branch in branches if branch.selector == "other")
            added = [
                icu.Branch(other.lead, name, other.gap, other.message)
                for name in wanted
                if name not in present
            ]
            if dropped or added:
                refitted = True
                self.built.dropped.update(branch.selector for branch in dropped)
                self.built.added.update(branch.selector for branch in added)
                branches = [branch for branch in branches if branch not in dropped]
                at = branches.index(other)
                branches[at:at] = added
        numeric = choice.kind in icu.NUMERIC
        levels = tuple(
            (
                branch,
                self.icu_level(
                    branch.message,
                    numeric=numeric,
                    where=f"{where}, {choice.kind} {branch.selector}".lstrip(", "),
                ),
            )
            for branch in branches
        )
        return Fitted(choice, levels, refitted)

    def text_level(self, message: str, pattern: re.Pattern[str], where: str = "") -> Level:
        index = self._reserve()
        tokens = _scan(message, pattern)
        if pattern is _PATTERNS[Dialect.MEDIAWIKI]:
            tokens = [self.magic(token, where) for token in tokens]
        level = _level(index, tokens, message, where=where)
        self.built.levels[index] = level
        return level

    def magic(self, token: _Token, where: str) -> _Token:
        """A PLURAL or GENDER magic word as a code whose forms are levels; other tokens
        as they are."""
        kind, markup, _ = token
        match = _MAGIC.fullmatch(str(markup)) if kind == "code" else None
        if match is None:
            return token
        word = match.group("word").upper()
        forms = []
        for number, form in enumerate(_forms(match.group("forms")), start=1):
            explicit = _EXPLICIT.match(form) if word == "PLURAL" else None
            prefix = explicit.group() if explicit else ""
            label = f"{where}, {word} {number}".lstrip(", ")
            level = self.text_level(form[len(prefix) :], _PATTERNS[Dialect.MEDIAWIKI], label)
            forms.append((prefix, level))
        head = str(markup)[: match.start("forms")]
        return ("choice", Magic(head, tuple(forms)), f"{{{{{word}:{match.group('argument')}}}}}")

    def _reserve(self) -> int:
        # Levels are numbered in the order they are started (a sentence before its
        # branches), which is the order their segments are listed in.
        self.built.levels.append(_PLACEHOLDER)
        return len(self.built.levels) - 1


# A piece of a level: its kind ("text", "code", "open", "close", "choice"), the text or
# the markup, and a tag's name or a code's equiv.
_Token = tuple[str, str | Fitted | Magic, str]


def _forms(text: str) -> list[str]:
    """A magic word's forms: ``text`` split at the "|" that are not in a link."""
    forms: list[str] = []
    start = 0
    for match in _PIPE.finditer(text):
        if match.group() == "|":
            forms.append(text[start : match.start()])
            start = match.end()
    forms.append(text[start:])
    return forms


def _scan(text: str, pattern: re.Pattern[str]) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    for match in pattern.finditer(text):
        if match.start() > position:
            tokens.append(("text", text[position : match.start()], ""))
        position = match.end()
        markup = match.group()
        tag = match.group("tag")
        if tag is None:
            tokens.append(("code", markup, markup))
        elif match.group("closing"):
            tokens.append(("close", markup, tag.lower()))
        elif match.group("empty") or tag.lower() in _VOID:
            tokens.append(("code", markup, markup))
        else:
            tokens.append(("open", markup, tag.lower()))
    if position < len(text):
        tokens.append(("text", text[position:], ""))
    return tokens


def _level(
    index: int,
    tokens: list[_Token],
    origin: str | icu.Message,
    *,
    numeric: bool = False,
    refitted: bool = False,
    where: str = "",
) -> Level:
    quoting = not isinstance(origin, str)
    if all(kind == "text" for kind, _, _ in tokens):  # most messages: text alone
        text = "".join(str(value) for _, value, _ in tokens)
        return Level(
            index,
            inline.escape(text),
            origin,
            {},
            {},
            {},
            quoting,
            numeric,
            refitted,
            where,
            bool(text.strip()),
        )
    paired = _pairs(tokens)
    builder = inline.Builder()
    opens: dict[str, str] = {}
    closes: dict[str, str] = {}
    standalone: dict[str, str | Fitted | Magic] = {}
    ids: dict[int, str] = {}
    prose = False
    for number, (kind, value, name) in enumerate(tokens):
        if kind == "text":
            builder.text(str(value))
            prose = prose or bool(str(value).strip())
        elif number in paired and kind == "open":
            code_id = builder.open()
            ids[number] = code_id
            opens[code_id] = str(value)
        elif number in paired:
            builder.close()
            closes[ids[paired[number]]] = str(value)
        else:
            standalone[builder.code(name if kind in ("code", "choice") else str(value))] = value
    return Level(
        index,
        builder.canonical(),
        origin,
        opens,
        closes,
        standalone,
        quoting,
        numeric,
        refitted,
        where,
        prose,
    )


def _pairs(tokens: list[_Token]) -> dict[int, int]:
    """Opening and closing tags that pair up (both ways); the others are standalone."""
    stack: list[int] = []
    pairs: dict[int, int] = {}
    for number, (kind, _, name) in enumerate(tokens):
        if kind == "open":
            stack.append(number)
        elif kind == "close" and stack and tokens[stack[-1]][2] == name:
            opening = stack.pop()
            pairs[opening] = number
            pairs[number] = opening
        elif kind == "close":
            # A closing tag that does not close the innermost open one: the open tags
            # after its partner (if any) cannot pair any more either.
            stack.clear()
    return pairs


_PLACEHOLDER = Level(0, "", "", {}, {}, {}, False, False, False, "", False)
_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
_TAG = r"<(?P<closing>/)?(?P<tag>[A-Za-z0-9][\w.:-]*)(?:\s[^<>]*?)?\s*(?P<empty>/)?>"
_ENTITY = r"&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);"
# printf-style placeholders; no space flag, so "100% done" stays text.
# A MediaWiki PLURAL or GENDER whose forms hold no magic word of their own; a form may
# hold a [[link|label]], so forms are not split at every "|" (see _forms).
_MAGIC = re.compile(
    r"\{\{(?P<word>PLURAL|GENDER):(?P<argument>[^|{}]*)\|(?P<forms>(?:[^{}]|\[\[[^\]]*\]\])*)\}\}",
    re.IGNORECASE,
)
_PIPE = re.compile(r"\[\[[^\]]*\]\]|\|")  # a link is skipped whole
_EXPLICIT = re.compile(r"\d+=")
_PRINTF = r"%(?:\(\w+\))?[-+#0]?\d*(?:\.\d+)?[sdifuxXeEgGc]|%\{\w+\}|%\d+\$[sd]"
_PATTERNS = {
    Dialect.ICU: re.compile(f"{_TAG}|{_ENTITY}"),
    Dialect.I18NEXT: re.compile(
        rf"\{{\{{.*?\}}\}}|\$t\((?:[^()]|\([^()]*\))*\)|{_TAG}|{_ENTITY}|{_PRINTF}"
    ),
    Dialect.MEDIAWIKI: re.compile(
        rf"\$\d+|\{{\{{(?:[^{{}}]|\{{\{{[^{{}}]*\}}\}})*\}}\}}|\[\[[^\[\]]*\]\]|{_TAG}|{_ENTITY}"
    ),
    # {name}, and Chrome's $NAME$ (a message object's placeholders).
    Dialect.BRACES: re.compile(rf"\{{[^{{}}\s][^{{}}]*\}}|\$\w+\$|{_TAG}|{_ENTITY}|{_PRINTF}"),
}
