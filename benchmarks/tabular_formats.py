"""CSV and XLSX: reading plus rendering against the parser alone, in the same run.

For XLSX the baseline is ``openpyxl.load_workbook`` of the same bytes; for CSV it is the
csv module reading every record of the decoded text. The workbook measured is the largest
one of ``tests/corpus/xlsx`` that has text to translate, and a generated translation table
(``--rows`` rows of key, English, French, note: the size a real job has); the CSV is that
table as CSV. Rendering writes a translation into every segment (a new ``fr`` column for
the table, in place for the corpus workbook).

Target: read + render ≤ 3 × the parser alone.

Usage: ``python benchmarks/tabular_formats.py [--rows N] [--runs N]``.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbench.batch.formats import FormatOptions, format_for
from workbench.textfiles import decode_text, sniff_delimiter

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus" / "xlsx"
CORPUS_FILE, CORPUS_COLUMNS = "swisstopo-translations.xlsx", ("en:es",)
TARGET = 3.0


def best(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def table(rows: int) -> list[list[str]]:
    lines = [["key", "en", "fr", "note"]]
    for number in range(rows):
        lines.append([f"menu.item{number}", f"Open the file number {number} of {{count}}", "", "x"])
    return lines


def workbook(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def read_and_render(name: str, data: bytes, columns: tuple[str, ...]) -> Callable[[], bytes]:
    def work() -> bytes:
        document = format_for(name).read(data, FormatOptions(columns=columns))
        return document.render(["FR " + text for text in document.texts])

    return work


def load_workbook(data: bytes) -> Callable[[], object]:
    def work() -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return openpyxl.load_workbook(io.BytesIO(data))

    return work


def read_csv(data: bytes) -> Callable[[], object]:
    def work() -> object:
        text = decode_text(data, "CSV").text
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text)))

    return work


def report(label: str, ours: float, baseline: float, segments: int) -> bool:
    ratio = ours / baseline
    print(
        f"{label:<34} {segments:>7,} segments  read+render {ours * 1000:8.1f} ms "
        f"({segments / ours:>9,.0f} segments/s)  parser alone {baseline * 1000:8.1f} ms  "
        f"ratio {ratio:4.2f} (target ≤ {TARGET})"
    )
    return ratio <= TARGET


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rows = table(args.rows)
    cases = [
        (
            f"XLSX corpus {CORPUS_FILE}",
            "x.xlsx",
            (CORPUS / CORPUS_FILE).read_bytes(),
            CORPUS_COLUMNS,
            load_workbook,
        ),
        (f"XLSX table, {args.rows:,} rows", "x.xlsx", workbook(rows), ("en:fr",), load_workbook),
        (f"CSV table, {args.rows:,} rows", "x.csv", csv_bytes(rows), ("en:fr",), read_csv),
    ]
    within = True
    for label, name, data, columns, baseline in cases:
        segments = len(format_for(name).read(data, FormatOptions(columns=columns)).segments)
        ours = best(read_and_render(name, data, columns), args.runs)
        alone = best(baseline(data), args.runs)
        within &= report(label, ours, alone, segments)
    return 0 if within else 1


if __name__ == "__main__":
    raise SystemExit(main())
