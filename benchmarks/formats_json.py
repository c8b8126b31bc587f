"""JSON catalogs: reading and rendering the largest corpus catalog, against ``json.loads``.

For each catalog of ``tests/corpus/json`` (the largest by default), measured in the same run
(best of ``--runs`` rounds, the measures taking turns in each round):

- the baseline: ``json.loads`` of the file alone, the parser every JSON tool pays for
  (C code), and beside it ``json.loads`` plus an ICU parser (pyicumessageformat) on every
  string value, what a tool that understands an ICU catalog has to pay;
- **read**: :meth:`JsonCatalog.read` (parse, find every literal, build the segments, ICU
  messages parsed into codes and branches);
- **render**: writing the file back with every segment translated (translations made
  beforehand, outside the clock: upper-cased text, codes kept), into French so that plural
  messages gain a branch.

Target: read plus render ≤ 3× the baseline. Usage:
``python benchmarks/formats_json.py [--runs N] [--all]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyicumessageformat import Parser

from workbench import inline
from workbench.batch.formats import FormatOptions
from workbench.batch.formats.json_catalog import JsonCatalog

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus" / "json"


def best(runs: int, *works: Callable[[], object]) -> list[float]:
    """The best time of each work over ``runs`` rounds; the works take turns in each round,
    so a machine busy with something else slows them alike."""
    times: list[list[float]] = [[] for _ in works]
    for _ in range(runs):
        for work, spent in zip(works, times, strict=True):
            start = time.perf_counter()
            work()
            spent.append(time.perf_counter() - start)
    return [min(spent) for spent in times]


def upper(canonical: str) -> str:
    tagged = inline.parse(canonical)
    parts = tuple(part.upper() if isinstance(part, str) else part for part in tagged.parts)
    return inline.Tagged(parts).canonical()


def strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [text for value in node.values() for text in strings(value)]
    if isinstance(node, list):
        return [text for value in node for text in strings(value)]
    return []


def measure(path: Path, runs: int) -> None:
    data = path.read_bytes()
    options = FormatOptions(target_lang="fr")
    fmt = JsonCatalog()
    document = fmt.read(data, options)
    translations = [upper(text) for text in document.texts]

    icu = Parser()

    def parse_icu() -> None:
        for value in strings(json.loads(data)):
            with contextlib.suppress(SyntaxError):
                icu.parse(value)

    baseline, read, render, with_icu = best(
        runs,
        lambda: json.loads(data),
        lambda: fmt.read(data, options),
        lambda: document.render(translations),
        parse_icu,
    )
    segments = len(document.texts)
    ratio = (read + render) / baseline
    print(
        f"{path.name}: {len(data) / 1024:.0f} KiB, {segments} segments | json.loads "
        f"{baseline * 1000:.2f} ms | read {read * 1000:.2f} ms ({segments / read:,.0f} seg/s) | "
        f"render {render * 1000:.2f} ms ({segments / render:,.0f} seg/s) | "
        f"read+render = {ratio:.2f}× json.loads (target ≤ 3×), "
        f"{(read + render) / with_icu:.2f}× json.loads + ICU parser ({with_icu * 1000:.2f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--all", action="store_true", help="every corpus catalog")
    arguments = parser.parse_args()
    paths = sorted(CORPUS.glob("*.json"), key=lambda path: path.stat().st_size, reverse=True)
    for path in paths if arguments.all else paths[:1]:
        measure(path, arguments.runs)


if __name__ == "__main__":
    main()
