"""Sample files of every format, built in code so every byte is known."""

from __future__ import annotations

import csv
import io
import json

import docx
import openpyxl
from docx.shared import Pt
from openpyxl.styles import Font

MARKDOWN = """---
title: Guide
---
# Getting *started*

Install the package
with pip.

```sh
pip install workbench  # never translated
```

    indented code stays

- first item
- [x] done item
1. numbered

> a quotation

| Name | Role |
|------|:----:|
| Ada  | admin |

Setext title
============

[docs]: https://example.org/docs
"""

PO = r"""msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 ? 1 : 2);\n"

#: app.py:1
msgid "Save"
msgstr ""

msgid "Already done"
msgstr "Déjà fait"

#, fuzzy
msgid "Maybe"
msgstr "Peut-être"

msgctxt "menu"
msgid "File"
msgstr ""

msgid "One file"
msgid_plural "{n} files"
msgstr[0] ""
msgstr[1] ""
msgstr[2] ""

#~ msgid "Old"
#~ msgstr ""
"""

SRT = (
    "1\r\n00:00:01,000 --> 00:00:02,500\r\nHello there.\r\nSecond line.\r\n\r\n"
    "2\r\n00:00:03,000 --> 00:00:04,000\r\nBye.\r\n"
)

CATALOG = {
    "menu": {"open": "Open {file}", "count": "{n} items", "items": ["Cut", "Paste"]},
    "version": 3,
    "enabled": True,
}


def csv_bytes(rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Strings"
    sheet.append(["key", "text", "price"])
    sheet.append(["k1", "Hello", 9.5])
    sheet.append(["k2", "World", "=C2*2"])
    sheet["B2"].font = Font(bold=True, color="FF0000")
    sheet.column_dimensions["B"].width = 42
    other = book.create_sheet("Notes")
    other.append(["untouched"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def document() -> bytes:
    word = docx.Document()
    paragraph = word.add_paragraph()
    paragraph.add_run("Plain start, ")
    bold = paragraph.add_run("bold part")
    bold.bold = True
    paragraph.add_run(" and ")
    paragraph.add_run("end.")  # same format as the previous run: merged with it
    word.add_heading("A heading", level=1)
    table = word.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Cell A"
    sized = table.cell(0, 1).paragraphs[0].add_run("Cell B")
    sized.font.size = Pt(20)
    word.sections[0].header.paragraphs[0].text = "Header text"
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def every_format() -> dict[str, tuple[bytes, tuple[str, ...]]]:
    """file name -> (content, columns to translate)."""
    return {
        "strings.csv": (
            csv_bytes([["id", "text"], ["1", "Hello {name}"], ["2", "Goodbye"]]),
            ("text",),
        ),
        "sheet.xlsx": (workbook(), ("text",)),
        "notes.txt": (b"First paragraph.\n\nSecond paragraph.\n", ()),
        "guide.md": (MARKDOWN.encode(), ()),
        "app.json": (json.dumps(CATALOG, indent=2).encode(), ()),
        "app.po": (PO.encode(), ()),
        "letter.docx": (document(), ()),
        "movie.srt": (SRT.encode(), ()),
    }
