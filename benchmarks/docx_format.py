"""DOCX read + render against python-docx opening the same file, in the same run.

On the largest file of ``tests/corpus/docx`` (or the files given), times the format's
read plus a render where every segment changed (its text upper-cased, codes kept: every
paragraph rebuilt, every story written again), against ``docx.Document()`` alone. The
median of ``--runs`` runs each. Target: read + render ≤ 3× the parser alone.

Usage: ``python benchmarks/docx_format.py [--runs N] [FILE…]``.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import docx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbench import inline
from workbench.batch.formats import FormatOptions, format_for

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus" / "docx"


def changed(canonical: str) -> str:
    tagged = inline.parse(canonical)
    return inline.Tagged(
        tuple(part.upper() if isinstance(part, str) else part for part in tagged.parts)
    ).canonical()


def median_seconds(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(path: Path, runs: int) -> None:
    data = path.read_bytes()
    fmt = format_for(path)
    options = FormatOptions()
    translations = [changed(text) for text in fmt.read(data, options).texts]

    def ours() -> None:
        fmt.read(data, options).render(translations)

    parser = median_seconds(lambda: docx.Document(io.BytesIO(data)), runs)
    mine = median_seconds(ours, runs)
    print(
        f"{path.name}: {len(data):,} bytes, {len(translations)} segments; "
        f"python-docx open {parser * 1000:.1f} ms, read + render {mine * 1000:.1f} ms, "
        f"ratio {mine / parser:.2f}× (target ≤ 3×); "
        f"{len(translations) / mine:,.0f} segments/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    files = args.files or [max(CORPUS.glob("*.docx"), key=lambda p: p.stat().st_size)]
    for path in files:
        measure(path, args.runs)


if __name__ == "__main__":
    main()
