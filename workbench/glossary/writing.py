"""Writing a glossary as CSV or XLSX that any spreadsheet opens safely.

Every cell a spreadsheet could run as a formula is prefixed with an apostrophe
(:mod:`workbench.formulas`, OWASP's advice against CSV injection), and so is a cell that
already starts with one, so reading the file back (:mod:`workbench.glossary.reading`)
removes exactly that prefix and gives the same entries. CSV is UTF-8 with a byte order
mark: without it Excel assumes the local code page and garbles every accent.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from workbench.formulas import neutralise
from workbench.glossary.reading import FileFormat
from workbench.glossary.rules import COLUMNS, TEXT_COLUMNS, Column

if TYPE_CHECKING:  # imported where used: pandas costs ~0.3 s of a dashboard's first paint
    import pandas as pd

SHEET_NAME = "glossary"


def export_frame(entries: pd.DataFrame, source_lang: str, target_lang: str) -> pd.DataFrame:
    """``entries`` (source_term, target_term, case_sensitive, note) as the six file columns."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            Column.SOURCE_TERM.value: entries[Column.SOURCE_TERM].astype(str),
            Column.TARGET_TERM.value: entries[Column.TARGET_TERM].astype(str),
            Column.SOURCE_LANG.value: source_lang,
            Column.TARGET_LANG.value: target_lang,
            Column.CASE_SENSITIVE.value: entries[Column.CASE_SENSITIVE].astype(bool),
            Column.NOTE.value: entries[Column.NOTE].astype(str),
        },
        columns=[column.value for column in COLUMNS],
    )
    for column in TEXT_COLUMNS:
        frame[column.value] = frame[column.value].map(neutralise).astype(str)
    return frame


def to_csv(entries: pd.DataFrame, source_lang: str, target_lang: str) -> bytes:
    frame = export_frame(entries, source_lang, target_lang)
    frame[Column.CASE_SENSITIVE.value] = frame[Column.CASE_SENSITIVE.value].map(
        {True: "true", False: "false"}
    )
    buffer = io.BytesIO()
    frame.to_csv(
        buffer,
        index=False,
        encoding="utf-8-sig",
        lineterminator="\r\n",
        quoting=csv.QUOTE_MINIMAL,
    )
    return buffer.getvalue()


def to_xlsx(entries: pd.DataFrame, source_lang: str, target_lang: str) -> bytes:
    import pandas as pd

    frame = export_frame(entries, source_lang, target_lang)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=SHEET_NAME)
        sheet = writer.sheets[SHEET_NAME]
        sheet.freeze_panes = "A2"
        for letter, width in zip("ABCDEF", (40, 40, 12, 12, 15, 40), strict=True):
            sheet.column_dimensions[letter].width = width
    return buffer.getvalue()


def to_bytes(fmt: FileFormat, entries: pd.DataFrame, source_lang: str, target_lang: str) -> bytes:
    writer = to_xlsx if fmt is FileFormat.XLSX else to_csv
    return writer(entries, source_lang, target_lang)
