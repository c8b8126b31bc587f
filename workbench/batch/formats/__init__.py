"""File formats the batch engine reads and writes, one module each, chosen by extension."""

from __future__ import annotations

from pathlib import PurePath

from workbench.batch.formats.base import Document, FileFormat, FormatOptions, Segment
from workbench.batch.formats.csvfile import Csv
from workbench.batch.formats.docx import Docx
from workbench.batch.formats.json_catalog import JsonCatalog
from workbench.batch.formats.markdown import Markdown
from workbench.batch.formats.po import Po
from workbench.batch.formats.srt import Srt
from workbench.batch.formats.text import PlainText
from workbench.batch.formats.xlsx import Xlsx
from workbench.errors import InvalidInput

FORMATS: dict[str, FileFormat] = {
    extension: fmt
    for fmt in (Csv(), Xlsx(), PlainText(), Markdown(), JsonCatalog(), Po(), Docx(), Srt())
    for extension in fmt.extensions
}


def format_for(path: PurePath | str) -> FileFormat:
    extension = PurePath(path).suffix.lower()
    try:
        return FORMATS[extension]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise InvalidInput(
            f"{PurePath(path).name}: unsupported file type {extension or '(none)'}; "
            f"supported: {known}"
        ) from None


__all__ = ["FORMATS", "Document", "FileFormat", "FormatOptions", "Segment", "format_for"]
