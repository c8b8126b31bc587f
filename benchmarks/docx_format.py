"""DOCX read + render against python-docx opening the same file, in the same run.

On the largest file of ``tests/corpus/docx`` (or the files given), times the format's
read plus a render where every segment changed (its text upper-cased, codes kept: every
paragraph rebuilt, every story written again), against ``docx.Document()`` alone, and
the input-limits check that ``read`` starts with, alone. Each is timed in CPU seconds
(the machine may be shared), interleaved over ``--runs`` rounds of ten calls; the best
round counts. Target: read + render ≤ 3× the parser alone.

Usage: ``python benchmarks/docx_format.py [--runs N] [FILE…]``.
"""

from __future__ import annotations

import argparse
import io
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


def best_seconds(works: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    best = dict.fromkeys(works, float("inf"))
    for _ in range(runs):
        for name, work in works.items():
            start = time.process_time()
            for _ in range(10):
                work()
            best[name] = min(best[name], (time.process_time() - start) / 10)
    return best


def measure(path: Path, runs: int) -> None:
    data = path.read_bytes()
    fmt = format_for(path)
    options = FormatOptions()
    translations = [changed(text) for text in fmt.read(data, options).texts]

    def ours() -> None:
        fmt.read(data, options).render(translations)

    best = best_seconds(
        {
            "parser": lambda: docx.Document(io.BytesIO(data)),
            "ours": ours,
            "limits": lambda: options.limits.check_package(data, "DOCX"),
        },
        runs,
    )
    parser, mine, limits = best["parser"], best["ours"], best["limits"]
    print(
        f"{path.name}: {len(data):,} bytes, {len(translations)} segments; "
        f"python-docx open {parser * 1000:.1f} ms, read + render {mine * 1000:.1f} ms "
        f"(of which the limits check {limits * 1000:.1f} ms): "
        f"ratio {mine / parser:.2f}× (target ≤ 3×), {(mine - limits) / parser:.2f}× without "
        f"the check; {len(translations) / mine:,.0f} segments/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    files = args.files or [max(CORPUS.glob("*.docx"), key=lambda p: p.stat().st_size)]
    for path in files:
        measure(path, args.runs)


if __name__ == "__main__":
    main()
