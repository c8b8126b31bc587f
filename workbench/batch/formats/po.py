"""gettext PO catalogs through polib.

Untranslated and fuzzy entries are translated; entries a person already translated are
kept. Machine translations are marked fuzzy so a reviewer sees them. Plural entries fill
every plural form of the catalog's ``Plural-Forms`` (form 0 from ``msgid``, the others
from ``msgid_plural``). Obsolete entries and the header are never translated; the header's
``Language`` becomes the target language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import polib

from workbench.batch.formats.base import Document, FileFormat, FormatOptions, Segment, decode_utf8
from workbench.errors import InvalidInput

_NPLURALS = re.compile(r"nplurals\s*=\s*(\d+)")
# Each entry (obsolete ones too) starts with a msgid line: counted before polib builds them.
_ENTRY = re.compile(r"^(?:#~[ \t]*)?msgid[ \t]", re.MULTILINE)


class Po(FileFormat):
    name = "po"
    extensions = (".po", ".pot")

    def read(self, data: bytes, options: FormatOptions) -> Document:
        text = decode_utf8(data, "PO")
        if "msgid" not in text or "\n" not in text:
            # polib would take a one-line "file" for a path on this machine: never let it.
            raise InvalidInput("this PO file has no entries (no msgid lines)")
        entries = sum(1 for _ in _ENTRY.finditer(text))
        options.limits.check_segments(entries, "this PO file", noun="entries")
        try:
            catalog = polib.pofile(text)
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"this PO file is malformed: {exc}") from exc
        match = _NPLURALS.search(catalog.metadata.get("Plural-Forms", ""))
        nplurals = int(match.group(1)) if match else 2
        slots: list[tuple[polib.POEntry, str]] = []
        segments: list[Segment] = []
        for entry in catalog:
            if entry.obsolete or not entry.msgid:
                continue
            done = entry.translated() and "fuzzy" not in entry.flags
            if done:
                continue
            where = f"line {entry.linenum}" + (f" ({entry.msgctxt})" if entry.msgctxt else "")
            slots.append((entry, "msgid"))
            segments.append(Segment(entry.msgid, where))
            if entry.msgid_plural:
                slots.append((entry, "msgid_plural"))
                segments.append(Segment(entry.msgid_plural, where))

        def render(translations: Sequence[str]) -> bytes:
            result = polib.pofile(text)  # a fresh copy, so rendering twice gives the same
            by_key = {(e.msgctxt, e.msgid): e for e in result if not e.obsolete}
            for (entry, field), translated in zip(slots, translations, strict=True):
                target = by_key[(entry.msgctxt, entry.msgid)]
                if not target.msgid_plural:
                    target.msgstr = translated
                elif field == "msgid":
                    target.msgstr_plural[0] = translated
                else:
                    for form in range(1, nplurals):
                        target.msgstr_plural[form] = translated
                if "fuzzy" not in target.flags:
                    target.flags.append("fuzzy")
            if options.target_lang:
                result.metadata["Language"] = options.target_lang
            return str(result).encode("utf-8")

        return Document(segments, render)
