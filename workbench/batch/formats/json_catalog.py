"""JSON i18n catalogs, edited in place: only the string literals we translate change.

The file is read twice over, both times by C code: :func:`json.loads` checks it and gives
the values in document order, and one regular expression finds every string literal and
says whether it is a key. The n-th string value met walking the tree is the n-th value
literal, so a translation replaces exactly that literal's bytes; indentation, key order,
spacing, the final newline and the byte-order mark are never rewritten, and a catalog with
nothing translated comes back byte for byte. New literals are escaped in the file's own
style (``\\uXXXX`` for non-ASCII text, ``\\/``, ``\\u003c`` for HTML characters, upper- or
lower-case hex).

Not translated: keys starting with ``@`` and their values (ARB metadata, ``@@locale``,
MediaWiki's ``@metadata``), non-string values, and in FormatJS (``defaultMessage``) and
Chrome (``message``) message objects every field but the message. Which message syntax the
catalog uses is worked out once per file (:class:`~workbench.batch.formats.messages.Dialect`):
MediaWiki (and jquery.i18n) when it has ``@metadata`` or ``{{PLURAL:…}}``; ICU MessageFormat
for ARB and FormatJS files and when a value holds a ``plural``, ``select``, ``number``,
``date``… argument or a doubled apostrophe; i18next when a value holds ``{{…}}`` or
``$t(…)``; plain ``{name}`` braces otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workbench import inline
from workbench.batch.formats import messages, plural_keys
from workbench.batch.formats.base import Document, FileFormat, FormatOptions, Segment
from workbench.batch.formats.messages import Dialect
from workbench.batch.formats.plurals import categories
from workbench.errors import InvalidInput
from workbench.textfiles import DecodedText, decode_text


class JsonCatalog(FileFormat):
    name = "json"
    extensions = (".json",)

    def read(self, data: bytes, options: FormatOptions) -> Document:
        decoded = decode_text(data, "JSON", legacy=False)
        text = decoded.text
        options.limits.check_json(text)
        try:
            tree = json.loads(text, object_pairs_hook=_Object)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"this JSON file is malformed: {exc.msg} at line {exc.lineno}, column {exc.colno}"
            ) from exc
        if not isinstance(tree, list):  # objects are _Object, a list of pairs
            raise InvalidInput("a JSON catalog must be an object of keys (or an array)")
        values = [match.span() for match in _STRING.finditer(text) if not match.group(1)]
        strings: list[tuple[str, str, bool]] = []
        _walk(tree, "", True, strings)
        if len(strings) != len(values):  # cannot happen for a file json.loads accepted
            raise InvalidInput("this JSON file could not be read string by string")
        dialect = _dialect(tree, strings)
        target = options.target_lang
        keys = (
            plural_keys.plan(_objects(tree), target)
            if dialect in (Dialect.I18NEXT, Dialect.BRACES) and target
            else plural_keys.Plan(frozenset(), {})
        )
        style = _Style.of(decoded)
        found = _Found(dialect, target)
        drops: list[tuple[int, int, bool]] = []
        for number, ((path, value, wanted), span) in enumerate(zip(strings, values, strict=True)):
            if not wanted:
                continue
            if number in keys.dropped:
                drops.append(_member(text, span))
                found.report.keys_dropped += 1
                continue
            for key in keys.added.get(number, ()):
                # A new member, written like the _other one, right before it.
                start, colon = _key(text, span[0])
                before = style.literal(key) + text[colon : span[0]]
                where = f"{path.rpartition('.')[0]}.{key}".lstrip(".")
                found.add(value, where, (start, start), before, "," + _indent(text, start))
                found.report.keys_added += 1
            found.add(value, path, span)
        slots = found.slots + [_Slot(region, None, [], drop=True) for region in _merge(text, drops)]
        slots.sort(key=lambda slot: slot.span)
        sources, kept = found.sources, found.kept
        document = Document(
            found.segments,
            lambda translations: _render(data, text, slots, sources, kept, translations, style),
        )
        document.notes.extend(found.report.notes(dialect, target))
        return document


@dataclass(frozen=True, slots=True)
class _Slot:
    span: tuple[int, int]  # the literal, quotes included, in the decoded text
    levels: list[messages.Level] | None  # None: a text with no syntax, its own canonical form
    numbers: list[int]  # each level's place among all levels of the file
    before: str = ""  # a new member: its key and colon
    after: str = ""  # a new member: the comma and indentation after it
    drop: bool = False  # a member removed (a plural key the target language lacks)


class _Found:
    """The segments of a catalog as its values are met, and where each goes back."""

    def __init__(self, dialect: Dialect, target: str) -> None:
        self.dialect = dialect
        self.target = target
        self.slots: list[_Slot] = []
        self.sources: list[str] = []  # every level's canonical text, in order
        self.segments: list[Segment] = []  # the levels with prose
        self.kept: list[int] = []  # where each segment is among the levels
        self.report = _Report()

    def add(
        self, value: str, path: str, span: tuple[int, int], before: str = "", after: str = ""
    ) -> None:
        if not _SPECIAL.search(value):  # most values: text with no syntax at all
            if value.strip():
                self.kept.append(len(self.sources))
                self.segments.append(Segment(value, path or "(root)"))
            self.slots.append(_Slot(span, None, [len(self.sources)], before, after))
            self.sources.append(value)
            return
        built = messages.build(value, self.dialect, self.target)
        self.report.add(built, path)
        numbers: list[int] = []
        for level in built.levels:
            numbers.append(len(self.sources))
            if level.prose:
                self.kept.append(len(self.sources))
                where = f"{path} ({level.where})" if level.where else path
                self.segments.append(Segment(level.source, where or "(root)"))
            self.sources.append(level.source)
        self.slots.append(_Slot(span, built.levels, numbers, before, after))


class _Object(list[tuple[str, Any]]):
    """A JSON object as its pairs, in order, duplicates kept (json.loads would merge them,
    and the walk must meet every literal the file holds)."""


def _walk(node: Any, path: str, translate: bool, out: list[tuple[str, str, bool]]) -> None:
    """Every string value in document order: its path, its text, and whether to translate."""
    if isinstance(node, _Object):
        only = _message_field(node) if translate and len(node) <= 3 else None
        for key, value in node:
            wanted = translate and not key.startswith("@") and (only is None or key == only)
            where = f"{path}.{key}" if path else key
            if isinstance(value, str):
                out.append((where, value, wanted))
            elif isinstance(value, list):
                _walk(value, where, wanted, out)
    elif isinstance(node, list):
        for position, value in enumerate(node):
            if isinstance(value, str):
                out.append((f"{path}[{position}]", value, translate))
            elif isinstance(value, list):
                _walk(value, f"{path}[{position}]", translate, out)


def _objects(tree: Any) -> list[list[tuple[str, int]]]:
    """Every object's string members as (key, string number), numbered as :func:`_walk`
    meets them."""
    objects: list[list[tuple[str, int]]] = []
    count = 0

    def visit(node: Any) -> None:
        nonlocal count
        members: list[tuple[str, int]] | None = [] if isinstance(node, _Object) else None
        for item in node:
            key, value = item if members is not None else ("", item)
            if isinstance(value, str):
                if members is not None:
                    members.append((key, count))
                count += 1
            elif isinstance(value, list):
                visit(value)
        if members:
            objects.append(members)

    visit(tree)
    return objects


def _key(text: str, value_start: int) -> tuple[int, int]:
    """Where the key of the member whose value starts at ``value_start`` starts, and where
    what follows the key (spaces and the colon) starts."""
    end = text.rfind(":", 0, value_start)
    while text[end - 1].isspace():
        end -= 1
    quote = end - 1  # the key's closing quote
    while True:
        quote = text.rfind('"', 0, quote)
        backslashes = len(text[:quote]) - len(text[:quote].rstrip("\\"))
        if backslashes % 2 == 0:
            return quote, end


def _indent(text: str, start: int) -> str:
    """The line break and indentation (or spaces) before the member starting at ``start``."""
    return text[len(text[:start].rstrip()) : start]


def _member(text: str, span: tuple[int, int]) -> tuple[int, int, bool]:
    """The text a member takes with the comma after it, or, for the last member of its
    object, without (the comma before it goes instead: see :func:`_merge`)."""
    start, _ = _key(text, span[0])
    after = _SEPARATOR.match(text, span[1])
    return (start, after.end(), False) if after else (start, span[1], True)


def _merge(text: str, members: list[tuple[int, int, bool]]) -> list[tuple[int, int]]:
    """The regions to remove: neighbours joined, and a run that ends its object taking
    the comma before it, so no comma is left dangling."""
    merged: list[tuple[int, int]] = []
    for start, end, last in sorted(members):
        if merged and start <= merged[-1][1]:
            start = merged.pop()[0]
        if last:
            before = len(text[:start].rstrip())
            if text[before - 1] == ",":
                start = before - 1
        merged.append((start, end))
    return merged


def _message_field(node: _Object) -> str | None:
    """The one field to translate in a FormatJS or Chrome message object, if it is one."""
    keys = {key for key, _ in node}
    if "defaultMessage" in keys and keys <= _FORMATJS:
        return "defaultMessage"
    if "message" in keys and keys <= _CHROME:
        return "message"
    return None


def _dialect(tree: _Object | list[Any], strings: list[tuple[str, str, bool]]) -> Dialect:
    keys = [key for key, _ in tree] if isinstance(tree, _Object) else []
    texts = [value for _, value, wanted in strings if wanted]
    if "@metadata" in keys or any(_MEDIAWIKI_SIGN.search(text) for text in texts):
        return Dialect.MEDIAWIKI
    arb = any(key.startswith("@") for key in keys)
    formatjs = bool(keys) and all(
        isinstance(value, _Object) and _message_field(value) == "defaultMessage"
        for _, value in tree
    )
    if arb or formatjs or any(_ICU_SIGN.search(text) for text in texts):
        return Dialect.ICU
    if any("{{" in text or "$t(" in text for text in texts):
        return Dialect.I18NEXT
    return Dialect.BRACES


def _render(
    data: bytes,
    text: str,
    slots: list[_Slot],
    sources: list[str],
    kept: list[int],
    translations: Sequence[str],
    style: _Style,
) -> bytes:
    every = list(sources)  # levels without prose keep their text
    for number, translated in zip(kept, translations, strict=True):
        every[number] = translated
    out: list[str] = []
    position = 0
    for slot in slots:
        if slot.drop:
            out.append(text[position : slot.span[0]])
            position = slot.span[1]
            continue
        if slot.levels is None:
            translated = every[slot.numbers[0]]
            if translated == sources[slot.numbers[0]] and not slot.before:
                continue
            plain = "&" not in translated and "<" not in translated
            message = translated if plain else inline.text_of(translated)
        else:
            local = [every[number] for number in slot.numbers]
            unchanged = local == [level.source for level in slot.levels]
            if unchanged and not slot.levels[0].refitted and not slot.before:
                continue
            message = messages.render(slot.levels[0], local)
        start, end = slot.span
        out.append(text[position:start])
        out.append(slot.before + style.literal(message) + slot.after)
        position = end
    if not out:
        return data
    out.append(text[position:])
    return style.encode("".join(out))


@dataclass(frozen=True, slots=True)
class _Style:
    """How the file writes its strings and its bytes."""

    bom: bytes
    encoding: str
    ascii_only: bool  # non-ASCII text as \\uXXXX
    upper_hex: bool
    slash: bool  # "/" as "\\/"
    html: tuple[str, ...]  # of "<", ">", "&", "'": written as \\u003c…

    @classmethod
    def of(cls, decoded: DecodedText) -> _Style:
        text, bom, encoding = decoded.text, decoded.bom, decoded.encoding
        escapes = _ESCAPE.findall(text)
        escaped = {code.lower() for code in escapes}
        return cls(
            bom=bom,
            encoding=encoding,
            # Only a file whose every character is ASCII writes non-ASCII text escaped.
            ascii_only=text.isascii() and any(int(code, 16) >= 0x80 for code in escapes),
            upper_hex=any(code != code.lower() for code in escapes)
            and all(code == code.upper() for code in escapes),
            slash="\\/" in text,
            html=tuple(char for char in "<>&'" if f"{ord(char):04x}" in escaped),
        )

    def literal(self, value: str) -> str:
        written = json.dumps(value, ensure_ascii=self.ascii_only)
        if not self.ascii_only:  # a lone surrogate has no UTF-8 form: JSON escapes it
            written = _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", written)
        if self.slash:
            written = written.replace("/", "\\/")
        for char in self.html:
            written = written.replace(char, f"\\u{ord(char):04x}")
        if self.upper_hex:
            written = _HEX.sub(lambda match: "\\u" + match.group()[2:].upper(), written)
        return written

    def encode(self, out: str) -> bytes:
        return self.bom + out.encode(self.encoding)


class _Report:
    """What the notes tell: messages that are not ICU, plural categories fitted."""

    def __init__(self) -> None:
        self.not_icu: list[str] = []
        self.added: dict[str, int] = {}
        self.dropped: dict[str, int] = {}
        self.keys_added = 0  # i18next plural keys
        self.keys_dropped = 0

    def add(self, built: messages.Built, path: str) -> None:
        if built.not_icu:
            self.not_icu.append(path)
        for name in built.added:
            self.added[name] = self.added.get(name, 0) + 1
        for name in built.dropped:
            self.dropped[name] = self.dropped.get(name, 0) + 1

    def notes(self, dialect: Dialect, target: str) -> list[str]:
        notes: list[str] = []
        if self.not_icu:
            notes.append(
                f"{len(self.not_icu)} messages are not valid ICU MessageFormat (first: "
                f"{self.not_icu[0]}); their {{placeholders}} were kept and the rest translated"
            )
        if dialect is Dialect.ICU and target and categories(target) is None:
            notes.append(
                f"no CLDR plural rules for {target!r}: plural messages keep the source's forms"
            )
        for name, count in sorted(self.added.items()):
            notes.append(
                f"plural form '{name}' added to {count} messages for {target}, starting from "
                "the 'other' form's translation: review them"
            )
        for name, count in sorted(self.dropped.items()):
            notes.append(f"plural form '{name}' dropped from {count} messages: {target} has none")
        if self.keys_added:
            notes.append(
                f"{self.keys_added} plural keys added for {target}, starting from the _other "
                "key's translation: review them"
            )
        if self.keys_dropped:
            notes.append(f"{self.keys_dropped} plural keys dropped: {target} does not use them")
        return notes


_FORMATJS = frozenset({"id", "defaultMessage", "description"})
_CHROME = frozenset({"message", "description", "placeholders"})
# A string literal; the group is the colon that makes it a key.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"(\s*:)?')
_SPECIAL = re.compile(r"[{}<>&$'\[%\r]")
_MEDIAWIKI_SIGN = re.compile(r"\{\{(?:PLURAL|GENDER|GRAMMAR):", re.IGNORECASE)
# An ICU argument with a type, and not i18next's "{{value, number}}".
_ICU_SIGN = re.compile(
    r"(?<!\{)\{\s*[\w.-]+\s*,\s*(?:plural|selectordinal|select)\s*,"
    r"|(?<!\{)\{\s*[\w.-]+\s*,\s*(?:number|date|time|spellout|ordinal|duration)\s*[,}](?!\})"
    r"|''"
)
_SEPARATOR = re.compile(r"\s*,\s*(?=\")")
_SURROGATE = re.compile("[\ud800-\udfff]")
_HEX = re.compile(r"\\u[0-9a-f]{4}")
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
