"""The PO format against polib on the largest catalog of the corpus.

Measures, in the same run, the best of ``--runs`` timings of:

- **polib**: ``polib.pofile()`` on the catalog's text, the parser alone (the baseline);
- **read**: the PO format's ``read`` (decoding, line scan, header, plural rule, codes);
- **render**: writing every segment's translation back (each text changed, so every
  entry is edited and the header updated).

Prints segments per second for read and render and the ratio (read + render) / polib.
Target: ≤ 3×.

Usage: ``python benchmarks/po_format.py [--runs N] [--file PATH] [--language LANG]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import polib

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbench import inline
from workbench.batch.formats import FormatOptions, format_for

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus" / "po"


def best(action: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return min(timings)


def changed(canonical: str) -> str:
    tagged = inline.parse(canonical)
    parts = tuple(part.upper() if isinstance(part, str) else part for part in tagged.parts)
    return inline.Tagged(parts).canonical()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--file", type=Path, default=None)
    parser.add_argument("--language", default=None)
    arguments = parser.parse_args()
    path = arguments.file or max(
        (p for p in CORPUS.iterdir() if p.suffix in (".po", ".pot")), key=lambda p: p.stat().st_size
    )
    language = arguments.language or path.stem.split(".", 1)[-1]
    data = path.read_bytes()
    text = data.decode("utf-8")
    fmt = format_for(path)
    options = FormatOptions(target_lang=language)
    document = fmt.read(data, options)
    translations = [changed(segment) for segment in document.texts]

    baseline = best(lambda: polib.pofile(text), arguments.runs)
    reading = best(lambda: fmt.read(data, options), arguments.runs)
    rendering = best(lambda: document.render(translations), arguments.runs)
    segments = len(document.texts)
    entries = len(polib.pofile(text))
    print(
        f"{path.name}: {len(data):,} bytes, {entries:,} entries, {segments:,} segments to translate"
    )
    print(f"  polib.pofile  {baseline * 1000:8.1f} ms")
    print(f"  read          {reading * 1000:8.1f} ms  {segments / reading:12,.0f} segments/s")
    print(f"  render        {rendering * 1000:8.1f} ms  {segments / rendering:12,.0f} segments/s")
    print(f"  (read + render) / polib = {(reading + rendering) / baseline:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
