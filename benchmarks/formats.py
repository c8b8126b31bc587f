"""Reading and rendering each file format, against the format's parser alone.

For each format, its largest corpus file (``tests/corpus/<format>/``) is read into
segments and rendered back (with every segment's own text, which parses each canonical
segment as a translation would), and the same bytes are given to the parser alone: polib
for PO, python-docx for DOCX, openpyxl for XLSX, markdown-it for Markdown, ``json.loads``
for JSON, the ``srt`` library for SRT, the ``csv`` module for CSV. Each is timed as the best
of ``--repeat`` runs, in the same process, one after the other.

Target: reading plus rendering ≤ 3× the parser alone. Printed per format: segments,
segments per second to read and to render, and the ratio. Usage:
``python benchmarks/formats.py [--repeat N] [--only FORMAT]``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbench.batch.formats import FormatOptions, format_for

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus"
TARGET = 3.0


def _polib(data: bytes) -> object:
    import polib

    return polib.pofile(data.decode("utf-8"))


def _docx(data: bytes) -> object:
    import docx

    return docx.Document(io.BytesIO(data))


def _openpyxl(data: bytes) -> object:
    import openpyxl

    return openpyxl.load_workbook(io.BytesIO(data))


def _markdown(data: bytes) -> object:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").parse(data.decode("utf-8"))


def _json(data: bytes) -> object:
    return json.loads(data.decode("utf-8-sig"))


def _srt(data: bytes) -> object:
    import srt

    return list(srt.parse(data.decode("utf-8-sig")))


def _csv(data: bytes) -> object:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


# format folder → (file extensions, the parser alone)
PARSERS: dict[str, tuple[tuple[str, ...], Callable[[bytes], object]]] = {
    "po": ((".po", ".pot"), _polib),
    "docx": ((".docx",), _docx),
    "xlsx": ((".xlsx",), _openpyxl),
    "markdown": ((".md",), _markdown),
    "json": ((".json",), _json),
    "srt": ((".srt",), _srt),
    "csv": ((".csv",), _csv),
}


def _largest(folder: str, extensions: tuple[str, ...]) -> Path:
    files = [
        path
        for path in (CORPUS / folder).rglob("*")
        if path.suffix.lower() in extensions and path.is_file()
    ]
    if not files:
        raise SystemExit(f"no {folder} files in {CORPUS / folder}")
    return max(files, key=lambda path: path.stat().st_size)


def _best(repeat: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def _options(path: Path, folder: str) -> FormatOptions:
    if folder not in ("csv", "xlsx"):
        return FormatOptions(target_lang="fr")
    # A spreadsheet is read for its first header's column (as `--column` would name it).
    document = format_for(path).read(path.read_bytes(), FormatOptions(target_lang="fr"))
    column = document.segments[0].where.rsplit(", ", 1)[-1] if document.segments else ""
    return FormatOptions(columns=(column,), target_lang="fr")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", choices=sorted(PARSERS))
    arguments = parser.parse_args()
    print(f"{'format':<9} {'file':<34} {'segments':>8} {'read/s':>9} {'render/s':>9} "
          f"{'parser':>8} {'ours':>8} {'ratio':>6}")
    for folder, (extensions, alone) in PARSERS.items():
        if arguments.only and folder != arguments.only:
            continue
        path = _largest(folder, extensions)
        data = path.read_bytes()
        fmt = format_for(path)
        options = FormatOptions(target_lang="fr") if folder != "csv" and folder != "xlsx" else None
        options = options or _options(path, folder)
        document = fmt.read(data, options)
        texts = [segment.text for segment in document.segments]
        read_time = _best(arguments.repeat, lambda: fmt.read(data, options))
        render_time = _best(arguments.repeat, lambda: document.render(texts))
        parser_time = _best(arguments.repeat, lambda: alone(data))
        ours = read_time + render_time
        count = max(len(texts), 1)
        ratio = ours / parser_time
        mark = "" if ratio <= TARGET else f"  over {TARGET:g}x"
        print(
            f"{folder:<9} {path.name[:34]:<34} {len(texts):>8} {count / read_time:>9.0f} "
            f"{count / render_time:>9.0f} {parser_time * 1000:>6.1f}ms {ours * 1000:>6.1f}ms "
            f"{ratio:>5.2f}x{mark}"
        )


if __name__ == "__main__":
    main()
