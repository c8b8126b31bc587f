"""gettext PO catalogs, translated by editing their lines.

What is translated: entries with no translation; fuzzy entries too when
``FormatOptions.translate_fuzzy`` says so. Entries a person translated, fuzzy or not,
obsolete entries and the header are kept. A machine translation is marked fuzzy (the
entry's ``#,`` line gains ``fuzzy``, or one is added) so a reviewer sees it.

How it is written: only the ``msgstr`` lines of the entries translated change, written
in the catalog's own wrapping (:mod:`workbench.batch.formats.po_syntax`), and the
header's ``Language``, ``Plural-Forms`` and a template's ``charset=CHARSET``. Every other
line (comments, wrapping, obsolete entries, order, line endings, encoding) stays byte for
byte: a catalog with nothing to translate comes back identical. A translation identical
to its source is not written: gettext shows the msgid for an empty msgstr anyway.

Plural forms: the catalog's own ``Plural-Forms`` is kept when it is valid; a template, a
catalog without one, or one for another language gets CLDR's rule for the target
language (Babel's data). The msgstr[n] form that n == 1 selects is translated from
``msgid`` when the language has a "one" category (French, Polish, Arabic…), unless that
form also serves other numbers (21 in Serbian) and msgid lacks msgid_plural's
placeholders (msgfmt would refuse "one page" for 21); every other form, and every form
of a language without one (Japanese), from ``msgid_plural``.

A catalog whose ``Language`` is another language than the target is refused: its
translations would be kept under the wrong name. Translate its template instead.
"""

from __future__ import annotations

import codecs
import gettext
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from babel.core import Locale, UnknownLocaleError
from babel.messages.plurals import get_plural

from workbench.batch.formats import po_codes
from workbench.batch.formats.base import Document, FileFormat, FormatOptions, Segment
from workbench.batch.formats.po_syntax import (
    Catalog,
    Entry,
    Style,
    escape,
    scan,
    split_lines,
    unescape,
    write_string,
)
from workbench.batch.formats.po_syntax import String as PoString
from workbench.errors import InvalidInput
from workbench.providers.languages import Tag, parse_tag, same_language
from workbench.textfiles import decode_text

# Each entry (obsolete ones too) starts with a msgid line: counted before anything is built.
_ENTRY = re.compile(r"^(?:#~[ \t]*)?msgid[ \t]", re.MULTILINE)
_CHARSET = re.compile(rb"charset=([A-Za-z0-9_.:-]+)")
_PLURAL_FORMS = re.compile(r"\s*nplurals\s*=\s*([0-9]+)\s*;\s*plural\s*=\s*(.+?)\s*;?\s*\Z")
_UTF8_BOM = b"\xef\xbb\xbf"
_FLAGS_START = re.compile(r"[ \t]*#,[ \t]*")


@dataclass(frozen=True, slots=True)
class Plurals:
    count: int
    expression: str
    singular: int | None  # the form n == 1 selects, from msgid; None: all from msgid_plural
    alone: bool  # that form serves n == 1 alone (not 21 as in Serbian)
    write: bool  # the header needs this rule (it has none, or one for another language)

    @property
    def header(self) -> str:
        return f"nplurals={self.count}; plural={self.expression};"


@dataclass(frozen=True, slots=True)
class _Slot:
    entry: Entry
    first: int  # index of its first segment
    singular: po_codes.Coded | None  # None: a plural entry of a language without "one"
    plural: po_codes.Coded | None  # None: not a plural entry


@dataclass(frozen=True, slots=True)
class _Edit:
    start: int  # first line replaced (or where lines are inserted)
    end: int  # line after the last replaced; == start to insert
    lines: tuple[str, ...]  # without line endings


class Po(FileFormat):
    name = "po"
    extensions = (".po", ".pot")

    def read(self, data: bytes, options: FormatOptions) -> Document:
        text, encoding = _decode(data)
        if "msgid" not in text or "\n" not in text:
            raise InvalidInput("this PO file has no entries (no msgid lines)")
        entries = sum(1 for _ in _ENTRY.finditer(text))
        options.limits.check_segments(entries, "this PO file", noun="entries")
        catalog = scan(text)
        header = next((entry for entry in catalog.entries if entry.is_header), None)
        fields = _fields(header.text("msgstr") or "") if header else {}
        target = _target(fields.get("language", ""), options.target_lang)
        plurals = _plurals(fields.get("plural-forms", ""), target)
        slots: list[_Slot] = []
        segments: list[Segment] = []
        for entry in catalog.entries:
            if not _wanted(entry, options.translate_fuzzy):
                continue
            msgid = entry.strings["msgid"]
            context = entry.text("msgctxt")
            where = f"line {msgid.first + 1}" + (f" ({context})" if context else "")
            source = po_codes.code(msgid.value, entry.flags)
            plural_text = entry.text("msgid_plural")
            plural = po_codes.code(plural_text, entry.flags) if plural_text is not None else None
            singular = source if plural is None or _from_msgid(source, plural, plurals) else None
            slots.append(_Slot(entry, len(segments), singular, plural))
            segments.extend(
                Segment(coded.canonical, where) for coded in (singular, plural) if coded
            )

        def render(translations: Sequence[str]) -> bytes:
            edits = _edits(catalog, slots, translations, plurals, Style.of(catalog))
            if not edits:
                return data
            # The header's first: a line it adds goes before anything added at the same place.
            out = _apply(catalog, _header_edits(catalog, header, fields, target, plurals) + edits)
            try:
                encoded = out.encode(encoding)
            except UnicodeEncodeError as exc:
                raise InvalidInput(
                    f"a translation holds {exc.object[exc.start : exc.end]!r}, which this "
                    f"catalog's charset {encoding} cannot hold; convert it to UTF-8 first "
                    "(msgconv -t UTF-8)"
                ) from exc
            return (_UTF8_BOM if data.startswith(_UTF8_BOM) else b"") + encoded

        return Document(segments, render, _notes(catalog, options, target, plurals))


def _notes(
    catalog: Catalog, options: FormatOptions, language: Tag | None, plurals: Plurals
) -> list[str]:
    notes = []
    fuzzy = sum(
        1
        for entry in catalog.entries
        if not entry.obsolete
        and "fuzzy" in entry.flags
        and not entry.is_header
        and any(string.value for string in entry.msgstrs)
    )
    if fuzzy and not options.translate_fuzzy:
        notes.append(
            f"{fuzzy} fuzzy {'entry' if fuzzy == 1 else 'entries'} kept as found (a person's "
            "translation awaiting review); ask for fuzzy entries to be translated to replace it"
        )
    if plurals.write and language is not None:
        notes.append(
            f"this catalog has no Plural-Forms for {language.gettext}; CLDR's is used: "
            f"{plurals.header}"
        )
    return notes


def _decode(data: bytes) -> tuple[str, str]:
    """The catalog's text and the encoding to write it back in (its header's charset)."""
    declared = _CHARSET.search(data[:16384])
    charset = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    if charset in ("utf-8", "utf8", "charset") or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return decode_text(data, "PO", legacy=False).text, "utf-8"
    try:
        encoding = codecs.lookup(charset).name
        return data.decode(encoding), encoding
    except LookupError as exc:
        raise InvalidInput(f"this PO file's charset {charset} is unknown; use UTF-8") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"this PO file is not valid {charset}, as its header says") from exc


def _from_msgid(msgid: po_codes.Coded, plural: po_codes.Coded, plurals: Plurals) -> bool:
    """Whether the form n == 1 selects is translated from msgid: a form that also serves
    21 must hold msgid_plural's placeholders, which "one file" lacks (msgfmt checks)."""
    if plurals.singular is None:
        return False
    return plurals.alone or set(msgid.standalone.values()) >= set(plural.standalone.values())


def _wanted(entry: Entry, translate_fuzzy: bool) -> bool:
    if entry.obsolete or entry.is_header or not entry.text("msgid"):
        return False
    if any(string.value for string in entry.msgstrs):
        return translate_fuzzy and "fuzzy" in entry.flags
    return True


def _fields(header: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in header.split("\n"):
        name, colon, value = line.partition(":")
        if colon:
            fields.setdefault(name.strip().lower(), value.strip())
    return fields


def _target(declared: str, requested: str) -> Tag | None:
    """The catalog's language: the one asked for, which must be the one it declares."""
    own = parse_tag(declared) if declared else None
    if not requested:
        return own
    wanted = parse_tag(requested)
    if wanted is None:
        raise InvalidInput(f"{requested!r} is not a language code such as fr, pt_BR or sr@latin")
    if own is not None and not same_language(own, wanted):
        raise InvalidInput(
            f"this catalog is for {declared} (its Language header), not {requested}: "
            f"translate its template (.pot) into {requested} instead"
        )
    return wanted


def _plurals(declared: str, language: Tag | None) -> Plurals:
    own = _PLURAL_FORMS.match(declared)
    if own and int(own.group(1)) >= 1 and _rule(own.group(2)) is not None:
        count, expression, write = int(own.group(1)), own.group(2), False
    else:
        count, expression = _cldr_rule(language)
        write = True
    rule = _rule(expression)
    has_one = _has_one(language) if language else count > 1
    singular = rule(1) if rule is not None and has_one and count > 1 else None
    alone = rule is not None and all(rule(n) != singular for n in range(2, 1000))
    return Plurals(count, expression, singular, alone, write)


def _rule(expression: str) -> Callable[[int], int] | None:
    try:
        return gettext.c2py(expression)
    except (ValueError, SyntaxError, RecursionError):
        return None


def _cldr_rule(language: Tag | None) -> tuple[int, str]:
    if language is not None:
        for name in (f"{language.language}_{language.region}", language.language):
            try:
                rule = get_plural(name)
            except (UnknownLocaleError, ValueError):
                continue
            return rule.num_plurals, rule.plural_expr
    return 2, "(n != 1)"  # gettext's own rule when a catalog names none


def _has_one(language: Tag) -> bool:
    try:
        return "one" in Locale(language.language).plural_form.tags
    except (UnknownLocaleError, ValueError):
        return True


def _edits(
    catalog: Catalog,
    slots: Sequence[_Slot],
    translations: Sequence[str],
    plurals: Plurals,
    style: Style,
) -> list[_Edit]:
    edits: list[_Edit] = []
    for slot in slots:
        number = slot.first
        singular = plural = None
        where = f"line {slot.entry.strings['msgid'].first + 1}"
        if slot.singular is not None:
            if translations[number] != slot.singular.canonical:
                singular = slot.singular.text(translations[number], where)
            number += 1
        if slot.plural is not None and translations[number] != slot.plural.canonical:
            plural = slot.plural.text(translations[number], where)
        if singular is None and plural is None:
            continue  # nothing changed: the entry stays as it was
        entry = slot.entry
        msgstrs = entry.msgstrs
        if slot.plural is None:
            lines = write_string("msgstr", singular or "", style)
        else:
            other = plural if plural is not None else entry.text("msgid_plural") or ""
            one = other if slot.singular is None else singular or entry.text("msgid") or ""
            lines = [
                line
                for form in range(plurals.count)
                for line in write_string(
                    f"msgstr[{form}]", one if form == plurals.singular else other, style
                )
            ]
        edits.append(_Edit(msgstrs[0].first, msgstrs[-1].end, tuple(lines)))
        edits.extend(_fuzzy(catalog, entry))
    return edits


def _fuzzy(catalog: Catalog, entry: Entry) -> list[_Edit]:
    if "fuzzy" in entry.flags:
        return []
    if entry.flag_line is None:
        at = entry.flags_at if entry.flags_at is not None else entry.start
        return [_Edit(at, at, ("#, fuzzy",))]
    # The entry's own "#," line gains "fuzzy" first, as gettext writes it.
    line = catalog.lines[entry.flag_line].rstrip("\r\n")
    mark = _FLAGS_START.match(line)
    assert mark is not None  # the scanner found "#," here
    rest = line[mark.end() :]
    flagged = f"{mark.group(0)}fuzzy, {rest}" if rest.strip() else f"{mark.group(0)}fuzzy"
    return [_Edit(entry.flag_line, entry.flag_line + 1, (flagged,))]


def _header_edits(
    catalog: Catalog,
    header: Entry | None,
    fields: dict[str, str],
    language: Tag | None,
    plurals: Plurals,
) -> list[_Edit]:
    wanted: dict[str, str] = {}
    declared = fields.get("language", "")
    if language is not None and (not declared or parse_tag(declared) is None):
        wanted["Language"] = language.gettext
    if plurals.write:
        wanted["Plural-Forms"] = plurals.header
    content_type = fields.get("content-type", "")
    if "charset=CHARSET" in content_type:
        wanted["Content-Type"] = content_type.replace("charset=CHARSET", "charset=UTF-8")
    if header is None:
        lines = ['msgid ""', 'msgstr ""', *(f'"{escape(f"{k}: {v}")}\\n"' for k, v in {
            "Language": language.gettext if language else "",
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
            "Plural-Forms": plurals.header,
        }.items()), ""]  # fmt: skip
        return [_Edit(0, 0, tuple(lines))]
    if not wanted:
        return []
    return _set_fields(header.strings["msgstr"], wanted)


def _set_fields(string: PoString, wanted: dict[str, str]) -> list[_Edit]:
    """Edits that give the header's msgstr these fields, each on its own line: the lines of
    a field already there are replaced, a new field's line goes where gettext puts it
    (``Language`` after ``Language-Team`` or before ``MIME-Version``) or at the end. A
    header whose fields do not begin and end with its lines is rewritten one field a line."""
    begins: dict[int, int] = {}  # offset in the value -> the piece that starts there
    ends: dict[int, int] = {}  # offset -> the piece that ends there
    offset = 0
    for index, piece in enumerate(string.pieces):
        text = unescape(piece.raw)
        if text:
            begins.setdefault(offset, index)
            offset += len(text)
            ends[offset] = index
    value = string.value
    spans: dict[str, tuple[int, int]] = {}
    position = 0
    for line in split_lines(value):
        spans.setdefault(line.partition(":")[0].strip().lower(), (position, position + len(line)))
        position += len(line)
    edits: list[_Edit] = []
    for name, field_value in wanted.items():
        line = f'"{escape(f"{name}: {field_value}")}\\n"'
        span = spans.get(name.lower())
        if span is not None:
            if (
                span[0] not in begins
                or span[1] not in ends
                or not value[span[0] : span[1]].endswith("\n")
            ):
                return _rewrite(string, value, wanted)
            first = string.pieces[begins[span[0]]]
            prefix = f"{string.keyword} " if first.line == string.first else ""
            edits.append(_Edit(first.line, string.pieces[ends[span[1]]].line + 1, (prefix + line,)))
            continue
        if value and not value.endswith("\n"):
            return _rewrite(string, value, wanted)
        after = spans.get("language-team") if name == "Language" else None
        before = spans.get("mime-version") if name == "Language" else None
        if after and after[1] in ends:
            at = string.pieces[ends[after[1]]].line + 1
        elif (
            before and before[0] in begins and string.pieces[begins[before[0]]].line > string.first
        ):
            at = string.pieces[begins[before[0]]].line
        else:
            at = string.end
        edits.append(_Edit(at, at, (line,)))
    return edits


def _rewrite(string: PoString, value: str, wanted: dict[str, str]) -> list[_Edit]:
    """The header's msgstr written anew, one field a line, with the fields wanted."""
    fields: dict[str, str] = {}
    for index, line in enumerate(split_lines(value)):
        name, colon, _ = line.partition(":")
        key = name.strip().lower() if colon else f"{index}"  # no line is lost
        fields.setdefault(key, line if line.endswith("\n") else line + "\n")
    for name, field_value in wanted.items():
        fields[name.lower()] = f"{name}: {field_value}\n"
    lines = [f'{string.keyword} ""'] + [f'"{escape(line)}"' for line in fields.values()]
    return [_Edit(string.first, string.end, tuple(lines))]


def _apply(catalog: Catalog, edits: list[_Edit]) -> str:
    newline = catalog.newline
    out: list[str] = []
    cursor = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        out.extend(catalog.lines[cursor : edit.start])
        out.extend(line + newline for line in edit.lines)
        cursor = max(cursor, edit.end)
    out.extend(catalog.lines[cursor:])
    return "".join(out)
