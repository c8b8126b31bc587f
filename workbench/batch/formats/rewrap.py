"""A translated paragraph put back on as many lines as its source paragraph had.

A paragraph hard-wrapped over several lines is one segment (the engine translates
sentences, not line fragments); its translation is one line. It is broken again at
spaces into the same number of lines, each about as long, in proportion, as the source
line it replaces, and each line after the first starts with the separator of the source
line (its line ending, then its indentation or container markers such as ``> ``), so
list items and block quotes stay valid. Codes are never broken. A translation with fewer
spaces than the source had line breaks (Chinese, Japanese) gets fewer lines.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_SPACES = re.compile(r"[ \t]+")


@dataclass(frozen=True, slots=True)
class Piece:
    text: str  # written as it is
    breakable: bool  # translated text, whose spaces may become line breaks


def rewrap(
    pieces: Sequence[Piece],
    separators: Sequence[str],
    widths: Sequence[int],
    may_start: Callable[[str, int], bool] | None = None,
) -> str:
    """The pieces joined, with up to ``len(separators)`` runs of spaces replaced by them.

    ``widths`` are the source lines' lengths (one more than the separators), for the
    proportions. A break is never made where the next line, ``text[position:]``, would
    start with something ``may_start(text, position)`` refuses (a Markdown list marker
    would start a list).
    """
    text = "".join(piece.text for piece in pieces)
    if not separators:
        return text
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for piece in pieces:
        if piece.breakable:
            for match in _SPACES.finditer(piece.text):
                start, end = position + match.start(), position + match.end()
                if start > 0 and end < len(text) and (may_start is None or may_start(text, end)):
                    starts.append(start)
                    ends.append(end)
        position += len(piece.text)
    total = sum(widths[: len(separators) + 1]) or 1
    out: list[str] = []
    done, lowest, cumulative = 0, 0, 0
    for number, (separator, width) in enumerate(zip(separators, widths, strict=False)):
        # Each break leaves enough places for the breaks after it.
        highest = len(starts) - (len(separators) - number - 1)
        if highest <= lowest:
            highest = len(starts)
        if lowest >= highest:
            break
        cumulative += width
        target = len(text) * cumulative / total
        nearest = bisect_left(starts, target, lowest, highest)
        if nearest == highest or (
            nearest > lowest and target - starts[nearest - 1] <= starts[nearest] - target
        ):
            nearest -= 1
        out.append(text[done : starts[nearest]])
        out.append(separator)
        done = ends[nearest]
        lowest = nearest + 1
    out.append(text[done:])
    return "".join(out)
