"""SRT: reading and rendering the largest corpus file against the ``srt`` library's parser.

Measured in the same run, interleaved round by round (so a busy machine slows all three
alike), the best of ``--rounds``:

- the baseline: ``srt.parse`` of the decoded text, the parser alone;
- reading: :class:`workbench.batch.formats.srt.Srt` ``read`` (decoding included);
- reading plus rendering a translation (the pseudo provider's, made once beforehand:
  every cue re-wrapped).

Target (issue 16): reading plus rendering ≤ 3× the parser alone. Usage:
``python benchmarks/srt_format.py [--file PATH] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import srt

from workbench.batch.formats import FormatOptions, format_for
from workbench.providers.registry import get_provider
from workbench.textfiles import decode_text

CORPUS = Path(__file__).parents[1] / "tests" / "corpus" / "srt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    largest = max(CORPUS.glob("*.srt"), key=lambda path: path.stat().st_size)
    parser.add_argument("--file", type=Path, default=largest)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    data = args.file.read_bytes()
    options = FormatOptions()
    srt_format = format_for(args.file)
    document = srt_format.read(data, options)
    provider = get_provider("pseudo")
    translations = [
        result.text
        for result in asyncio.run(provider.translate_segments(document.texts, target="fr"))
    ]

    def parse_alone() -> None:
        list(srt.parse(decode_text(data, "SRT").text))

    def read() -> None:
        srt_format.read(data, options)

    def read_and_render() -> None:
        srt_format.read(data, options).render(translations)

    runs: dict[str, Callable[[], None]] = {
        "srt.parse": parse_alone,
        "read": read,
        "read + render": read_and_render,
    }
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(args.rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)

    cues = len(document.segments)
    print(f"{args.file.name}: {len(data):,} bytes, {cues:,} cues with text")
    for name, seconds in best.items():
        ratio = seconds / best["srt.parse"]
        print(
            f"  {name:14} {seconds * 1000:7.1f} ms  {cues / seconds:10,.0f} cues/s  {ratio:4.2f}×"
        )
    ratio = best["read + render"] / best["srt.parse"]
    verdict = "ok" if ratio <= 3 else "over the 3× target"
    print(f"read + render vs the parser alone: {ratio:.2f}× ({verdict})")


if __name__ == "__main__":
    main()
