"""How fast each file format reads and renders its largest corpus file, against its parser.

For each format: segments per second to read the file into segments and to render it
back from translations (the pseudo provider's, made once beforehand so no provider is
timed), beside the format's own parser alone on the same file in the same run. Each is
run ``--repeat`` times, alternating; the best run of each counts. Target: reading plus
rendering at most 3 times the parser alone.

- Markdown: ``tests/corpus/markdown/awesome-readme.md`` against ``MarkdownIt().parse()``
  (CommonMark, no plugins).

Run from the repository root (so this tree's package is the one measured)::

    python -m benchmarks.formats [--repeat 20]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
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


CASES = (
    Case(
        "markdown",
        CORPUS / "markdown" / "awesome-readme.md",
        lambda data: MarkdownIt().parse(data.decode("utf-8")),
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


async def translations(document: Document) -> list[str]:
    async with get_provider("pseudo") as provider:
        translated = await provider.translate_segments(document.texts, target="fr")
    return [t.text for t in translated]


def measure(case: Case, repeat: int) -> float:
    data = case.path.read_bytes()
    fmt = format_for(case.path)
    options = FormatOptions()
    document = fmt.read(data, options)
    translated = asyncio.run(translations(document))
    timed = best(
        {
            "read": lambda: fmt.read(data, options),
            "render": lambda: document.render(translated),
            "parse": lambda: case.baseline(data),
        },
        repeat,
    )
    reading, rendering, parsing = timed["read"], timed["render"], timed["parse"]
    count = len(document.segments)
    ratio = (reading + rendering) / parsing
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
    arguments = parser.parse_args()
    ratios = [measure(case, arguments.repeat) for case in CASES]
    if max(ratios) > TARGET_RATIO:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
