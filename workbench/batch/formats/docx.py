"""Word documents: the text of every story translated in the package's own XML parts.

The stories are found through the package's relationships (never by fixed part names):
the main document, then every header and footer it refers to (default, first-page and
even-page alike), the footnotes, the endnotes and the comments. Each is read by
:mod:`workbench.batch.formats.wordml` (one segment per paragraph, formatting and fields as
codes) and, on render, only the parts whose text changed are written again; every other
part of the package is copied byte for byte (:mod:`workbench.batch.formats.zipparts`).
A document with nothing to translate comes back identical.

Parts with text this format does not translate (charts, SmartArt diagrams, embedded
files) are named in the document's notes.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.batch.formats.base import Document, FileFormat, FormatOptions, Segment
from workbench.batch.formats.wordml import Story
from workbench.batch.formats.zipparts import Package, Relationship
from workbench.errors import InvalidInput

# The stories a main document refers to, by relationship type, in the order they are read.
# A document has one part of each kind but headers and footers: those are named by part.
_STORIES = ("header", "footer", "footnotes", "endnotes", "comments")
_MANY = ("header", "footer")
_PAGES = {"default": "default", "even": "even-page", "first": "first-page"}
# Parts with text a reader sees that are left in their language, and how to name them.
_UNTRANSLATED = {
    "chart": "a chart's text",
    "diagramData": "a SmartArt diagram's text",
    "oleObject": "an embedded object",
    "package": "an embedded file",
}


class Docx(FileFormat):
    name = "docx"
    extensions = (".docx",)

    def read(self, data: bytes, options: FormatOptions) -> Document:
        options.limits.check_package(data, "DOCX")
        package = Package(data, "Word .docx")
        main = _main_document(package)
        stories: list[tuple[str, Story]] = []
        segments: list[Segment] = []
        notes: list[str] = []
        main_story = Story(package.read(main))
        for name, label in _story_parts(package, main, main_story.page_kinds):
            story = main_story if name == main else Story(package.read(name))
            stories.append((name, story))
            segments.extend(
                Segment(text, f"{label}, paragraph {number}")
                for number, text in enumerate(story.segments, start=1)
            )
            notes.extend(_untranslated(package, name, notes))

        def render(translations: Sequence[str]) -> bytes:
            replaced: dict[str, bytes] = {}
            start = 0
            for name, story in stories:
                end = start + len(story.segments)
                written = story.render(translations[start:end])
                if written is not None:
                    replaced[name] = written
                start = end
            return package.write(replaced)

        return Document(segments, render, notes)


def _main_document(package: Package) -> str:
    found = [rel for rel in package.relationships() if rel.is_a("officeDocument")]
    if not found or found[0].external or not package.has(found[0].target):
        raise InvalidInput("this is not a Word .docx document (or it is damaged)")
    name = found[0].target
    # document.main, template.main, and their macro-enabled kinds; Strict uses them too.
    kind = package.content_type(name)
    if "wordprocessingml" not in kind or not kind.endswith(".main+xml"):
        raise InvalidInput(
            f"this is not a Word .docx document: its main part is {kind or 'of no declared type'}"
        )
    return name


def _story_parts(
    package: Package, main: str, page_kinds: dict[str, set[str]]
) -> list[tuple[str, str]]:
    """Each story's part name and how reports name it, the main document first."""
    parts = [(main, "body")]
    seen = {main.lower()}
    related = [rel for rel in package.relationships(main) if _internal(package, rel)]
    for kind in _STORIES:
        for rel in related:
            if rel.is_a(kind) and rel.target.lower() not in seen:
                seen.add(rel.target.lower())
                parts.append((rel.target, _label(kind, rel, page_kinds)))
    return parts


def _label(kind: str, rel: Relationship, page_kinds: dict[str, set[str]]) -> str:
    """ "first-page header word/header2.xml", "footnotes": what a report calls a story."""
    if kind not in _MANY:
        return kind
    pages = "/".join(_PAGES[page] for page in sorted(page_kinds.get(rel.id, ())) if page in _PAGES)
    return f"{pages} {kind} {rel.target}" if pages else f"{kind} {rel.target}"


def _internal(package: Package, rel: Relationship) -> bool:
    return not rel.external and package.has(rel.target)


def _untranslated(package: Package, name: str, known: list[str]) -> list[str]:
    notes = []
    for rel in package.relationships(name):
        for kind, what in _UNTRANSLATED.items():
            note = f"{rel.target}: {what} is not translated"
            if rel.is_a(kind) and note not in known and note not in notes:
                notes.append(note)
    return notes
