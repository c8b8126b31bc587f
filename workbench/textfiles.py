"""Reading text files whose encoding and delimiter a person did not tell us.

Spreadsheet exports arrive as UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode
text") or Windows-1252. :func:`decode_text` finds which, refuses binary data, and
remembers enough to write the file back the same way.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from workbench.errors import InvalidInput

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
DELIMITERS = ",;\t"


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    newline: str

    def encode(self, text: str) -> bytes:
        """``text`` in the encoding (and byte-order mark) the input had."""
        return text.encode(self.encoding)


def decode_text(data: bytes, kind: str) -> DecodedText:
    """Decode ``data`` as UTF-8 (BOM or not), UTF-16 with BOM, or Windows-1252."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise InvalidInput(f"this {kind} file is not valid {encoding}") from exc
            return _decoded(text.lstrip("\ufeff"), encoding)
    if b"\x00" in data:
        raise InvalidInput(f"this is not a {kind} text file: it contains binary data")
    try:
        return _decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return _decoded(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"this {kind} file's encoding is not recognised; save it as UTF-8"
        ) from exc


def _decoded(text: str, encoding: str) -> DecodedText:
    return DecodedText(text, encoding, "\r\n" if "\r\n" in text[:65536] else "\n")


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV text among comma, semicolon and tab (comma if unsure)."""
    sample = text[:65536]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","
