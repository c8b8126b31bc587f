"""How fast each file format reads and renders its largest corpus file, against its parser.

For each format: segments per second to read the file into segments and to render it
back from translations (the pseudo provider's, made once beforehand so no provider is
timed), beside the format's own parser alone on the same file in the same run. Reading
and rendering are timed together on a fresh document, as a job writes its output. Each is
run ``--repeat`` times, alternating; the best run of each counts. Target: reading plus
rendering at most 3 times the parser alone.

- Markdown: ``awesome-readme.md`` against ``MarkdownIt().parse()`` (CommonMark, no plugins);
- PO: ``sphinx.ja.po`` (the largest catalog, in its own language) against ``polib.pofile()``;
- DOCX: ``docx4j-sample-docx.docx`` against python-docx's ``Document()``;
- XLSX: ``swisstopo-translations.xlsx`` (column en into es) against
  ``openpyxl.load_workbook()``;
- JSON: ``flutter-gallery-arb.json`` against ``json.loads()``;
- SRT: ``subtitlejs-WonderWoman.srt`` against ``srt.parse()``;
- CSV: ``frictionless-encoding-issue-274.csv`` (column name) against the ``csv`` module.

JSON and CSV are measured against parsers written in C that do no work per text, so their
ratios are far above the target and say how much our per-segment work costs; the others'
parsers do comparable work.

Run from the repository root (so this tree's package is the one measured)::

    python -m benchmarks.formats [--repeat 20]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

from workbench.batch.formats import Document, FormatOptions, format_for
from workbench.providers.registry import get_provider

TARGET_RATIO = 3.0
CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus"


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    baseline: Callable[[bytes], object]  # the format's own parser alone
    options: FormatOptions = field(default_factory=lambda: FormatOptions(target_lang="fr"))
    targeted: bool = True  # False where the parser alone does no per-text work (C parsers)


def _polib(data: bytes) -> object:
    import polib

    return polib.pofile(data.decode("utf-8"))


def _docx(data: bytes) -> object:
    import docx

    return docx.Document(io.BytesIO(data))


def _openpyxl(data: bytes) -> object:
    import openpyxl

    return openpyxl.load_workbook(io.BytesIO(data))


def _srt(data: bytes) -> object:
    import srt

    return list(srt.parse(data.decode("utf-8-sig")))


def _csv(data: bytes) -> object:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


CASES = (
    Case(
        "markdown",
        CORPUS / "markdown" / "awesome-readme.md",
        lambda data: MarkdownIt().parse(data.decode("utf-8")),
    ),
    Case("po", CORPUS / "po" / "sphinx.ja.po", _polib, FormatOptions(target_lang="ja")),
    Case("docx", CORPUS / "docx" / "docx4j-sample-docx.docx", _docx),
    Case(
        "xlsx",
        CORPUS / "xlsx" / "swisstopo-translations.xlsx",
        _openpyxl,
        FormatOptions(columns=("en:es",), target_lang="es"),
    ),
    Case(
        "json",
        CORPUS / "json" / "flutter-gallery-arb.json",
        lambda data: json.loads(data),
        targeted=False,
    ),
    Case("srt", CORPUS / "srt" / "subtitlejs-WonderWoman.srt", _srt),
    Case(
        "csv",
        CORPUS / "csv" / "frictionless-encoding-issue-274.csv",
        _csv,
        FormatOptions(columns=("name",), target_lang="fr"),
        targeted=False,
    ),
)


def best(runs: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """The best time of each run; the runs alternate, so a busy moment hits them all."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: min(spent) for name, spent in times.items()}


async def translations(document: Document, target: str) -> list[str]:
    async with get_provider("pseudo") as provider:
        translated = await provider.translate_segments(document.texts, target=target)
    return [t.text for t in translated]


def measure(case: Case, repeat: int) -> float:
    data = case.path.read_bytes()
    fmt = format_for(case.path)
    options = case.options
    document = fmt.read(data, options)
    translated = asyncio.run(translations(document, options.target_lang))
    # A job writes an output by reading its input again and rendering it once: both are
    # timed together on a fresh document, as the engine does them (a format may keep what
    # its read parsed for its first render).
    timed = best(
        {
            "read": lambda: fmt.read(data, options),
            "write": lambda: fmt.read(data, options).render(translated),
            "parse": lambda: case.baseline(data),
        },
        repeat,
    )
    reading, writing, parsing = timed["read"], timed["write"], timed["parse"]
    rendering = max(writing - reading, 1e-9)
    count = len(document.segments)
    ratio = writing / parsing
    print(
        f"{case.name}: {case.path.name}, {len(data) / 1024:.0f} KiB, {count} segments\n"
        f"  read    {reading * 1000:8.1f} ms  {count / reading:10,.0f} segments/s\n"
        f"  render  {rendering * 1000:8.1f} ms  {count / rendering:10,.0f} segments/s\n"
        f"  parser  {parsing * 1000:8.1f} ms  (baseline)\n"
        f"  (read + render) / parser = {ratio:.2f} (target <= {TARGET_RATIO})"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--only", choices=[case.name for case in CASES])
    arguments = parser.parse_args()
    over = [
        case.name
        for case in CASES
        if arguments.only in (None, case.name)
        and measure(case, arguments.repeat) > TARGET_RATIO
        and case.targeted
    ]
    if over:
        raise SystemExit(f"over {TARGET_RATIO:g}x the parser alone: {', '.join(over)}")


if __name__ == "__main__":
    main()
