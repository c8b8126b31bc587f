"""Word documents through python-docx: text replaced run by run, so formatting survives.

Body paragraphs, tables (nested too), headers and footers are visited. Adjacent runs with
the same formatting are merged first (Word splits text into many identical runs), so each
segment is a stretch of uniformly formatted text.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Sequence

import docx
from docx.document import Document as WordDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from workbench.batch.formats.base import Document, FileFormat, FormatOptions, Segment
from workbench.errors import InvalidInput


class Docx(FileFormat):
    name = "docx"
    extensions = (".docx",)

    def read(self, data: bytes, options: FormatOptions) -> Document:
        options.limits.check_package(data, "DOCX")
        word = _open(data)
        segments = [
            Segment(run.text, f"paragraph {number}") for number, run in _runs(word) if run.text
        ]

        def render(translations: Sequence[str]) -> bytes:
            fresh = _open(data)  # a new copy each time, so the original stays untouched
            runs = [run for _, run in _runs(fresh) if run.text]
            for run, translated in zip(runs, translations, strict=True):
                run.text = translated
            out = io.BytesIO()
            fresh.save(out)
            return out.getvalue()

        return Document(segments, render)


def _open(data: bytes) -> WordDocument:
    try:
        return docx.Document(io.BytesIO(data))
    except (
        PackageNotFoundError,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        SyntaxError,  # a part that is not XML where XML belongs
    ) as exc:
        raise InvalidInput("this is not a Word .docx document (or it is damaged)") from exc


def _runs(word: WordDocument) -> Iterator[tuple[int, Run]]:
    for number, paragraph in enumerate(_paragraphs(word), start=1):
        _merge_alike_runs(paragraph)
        for run in paragraph.runs:
            yield number, run


def _paragraphs(word: WordDocument) -> Iterator[Paragraph]:
    yield from _block_paragraphs(word.paragraphs, word.tables)
    for section in word.sections:
        for part in (section.header, section.footer):
            if not part.is_linked_to_previous:
                yield from _block_paragraphs(part.paragraphs, part.tables)


def _block_paragraphs(paragraphs: list[Paragraph], tables: list[Table]) -> Iterator[Paragraph]:
    yield from paragraphs
    for table in tables:
        for row in table.rows:
            seen: set[int] = set()
            for cell in row.cells:
                # Merged cells appear once per grid column: visit each underlying cell once.
                if id(cell._tc) in seen:
                    continue
                seen.add(id(cell._tc))
                yield from _block_paragraphs(cell.paragraphs, cell.tables)


def _merge_alike_runs(paragraph: Paragraph) -> None:
    runs = paragraph.runs
    index = 0
    while index < len(runs) - 1:
        current, following = runs[index], runs[index + 1]
        if _same_format(current, following) and _plain(current) and _plain(following):
            current.text = current.text + following.text
            following._r.getparent().remove(following._r)
            runs.pop(index + 1)
        else:
            index += 1


def _same_format(a: Run, b: Run) -> bool:
    a_props, b_props = a._r.rPr, b._r.rPr
    a_xml = a_props.xml if a_props is not None else ""
    b_xml = b_props.xml if b_props is not None else ""
    return bool(a_xml == b_xml and a.style.style_id == b.style.style_id)


def _plain(run: Run) -> bool:
    """A run holding only text (no tab, break, drawing or field) can be merged safely."""
    return all(child.tag.endswith(("}t", "}rPr")) for child in run._r)
