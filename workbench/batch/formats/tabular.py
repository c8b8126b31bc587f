"""What CSV and XLSX share: which row is the header, which columns are read and filled,
and a cell's text as a segment.

A column is named by its header: ``"SRC"`` is translated in place; ``"SRC:DEST"`` fills
DEST from SRC and leaves SRC alone, DEST being created after the last used column when
the header has no such name. A header name that itself holds a colon is taken whole.
A target cell that already holds something is a translation someone made: it is kept,
and the document's notes count such cells.

The header row is the one ``FormatOptions.header_row`` names (1-based), or else the first
of the table's top rows whose filled cells are mostly text and that holds every source
column: a title or a blank line above the header is common in translation spreadsheets.
A name the header holds twice is refused when the job names it (which column would be
meant?) and noted otherwise.

A cell's placeholders and tags (``{name}``, ``%s``, ``<b>``) are standalone codes of its
segment, so that no provider translates them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from workbench import inline
from workbench.errors import InvalidInput
from workbench.providers.markup import markup_spans

# A character every code of markup_spans starts with: a cell without one has no code.
_MAYBE_MARKUP = re.compile(r"[{%<&]")
# How far down the header may be: a few title lines, not a data row far below.
HEADER_SCAN_ROWS = 50


@dataclass(frozen=True)
class Pair:
    """One named column: read ``source``, write ``target`` (the same one in place)."""

    source: int  # 0-based column
    target: int
    source_name: str
    target_name: str
    created: bool = False  # the target column is new: its header cell is written too

    @property
    def in_place(self) -> bool:
        return self.source == self.target


@dataclass(frozen=True)
class Layout:
    header_row: int  # 1-based, as the user counts rows
    pairs: tuple[Pair, ...]
    notes: tuple[str, ...] = ()


Row = tuple[int, Sequence[object]]  # (1-based row number, cells by 0-based column)


def plan(
    columns: Sequence[str],
    rows: Iterable[Row],
    *,
    header_row: int | None,
    width: int,
    label: Callable[[int], str],
) -> Layout:
    """Find the header among ``rows`` (the table's top rows) and resolve ``columns``.

    ``width`` is one past the last used column, where new target columns go; ``label``
    names a column for messages ("column 3", "C").
    """
    top = list(rows)
    if not columns:
        raise InvalidInput(
            "say which column to translate (--column NAME, or SRC:DEST to fill another "
            f"column); the file has: {_shown(_first_names(top))}"
        )
    number, cells = _header(columns, top, header_row)
    names = [cell if isinstance(cell, str) else "" for cell in cells]
    index = {name: position for position, name in reversed(list(enumerate(names))) if name}
    twice = {name: count for name, count in Counter(n for n in names if n).items() if count > 1}
    pairs: list[Pair] = []
    targets: set[str] = set()
    next_column = max(width, len(names))
    for spec in columns:
        resolved = _resolve(spec, index)
        if resolved is None:
            raise _missing(spec, names)
        source_name, target_name = resolved
        for name in {source_name, target_name} & set(twice):
            places = [label(position) for position, n in enumerate(names) if n == name]
            raise InvalidInput(
                f"the header (row {number}) has {len(places)} columns named {name!r} "
                f"({_and(places)}); rename them so each name is unique, or name another column"
            )
        if target_name in targets:
            raise InvalidInput(f"column {target_name!r} is named as a target twice")
        targets.add(target_name)
        if target_name in index:
            pairs.append(Pair(index[source_name], index[target_name], source_name, target_name))
        else:
            pairs.append(Pair(index[source_name], next_column, source_name, target_name, True))
            next_column += 1
    for pair in pairs:
        if not pair.in_place and any(
            other.source == pair.target or other.target == pair.source for other in pairs
        ):
            raise InvalidInput(
                f"column {pair.target_name!r} cannot be both translated and filled from "
                f"{pair.source_name!r}: name each column once"
            )
    notes = tuple(
        f"the header (row {number}) has {count} columns named {name!r}; they were not used"
        for name, count in sorted(twice.items())
    )
    return Layout(number, tuple(pairs), notes)


def _header(columns: Sequence[str], top: list[Row], wanted: int | None) -> Row:
    if wanted is not None:
        if wanted < 1:
            raise InvalidInput(f"the header row is counted from 1; {wanted} is not a row")
        for number, cells in top:
            if number == wanted:
                return number, cells
        raise InvalidInput(
            f"the header row {wanted} is empty or past the first {HEADER_SCAN_ROWS} rows"
        )
    for number, cells in top:
        names = {cell: 0 for cell in cells if isinstance(cell, str) and cell}
        if _mostly_text(cells) and all(_resolve(spec, names) for spec in columns):
            return number, cells
    shown = _first_names(top)
    known = dict.fromkeys(shown, 0)
    missing = next((spec for spec in columns if _resolve(spec, known) is None), columns[0])
    raise _missing(missing, shown)


def header_names(rows: Iterable[Row]) -> list[str]:
    """The names a table offers before any is chosen: those of its first row with the
    most text cells (a title above it has fewer; the rows below it are no wider)."""
    best: list[str] = []
    for _number, cells in rows:
        names = list(dict.fromkeys(c for c in cells if isinstance(c, str) and c.strip()))
        if len(names) > len(best):
            best = names
    return best


def _mostly_text(cells: Sequence[object]) -> bool:
    """At least half of the row's filled cells are text (not numbers, dates, formulas)."""
    filled = [cell for cell in cells if cell not in (None, "")]
    return bool(filled) and 2 * sum(isinstance(cell, str) for cell in filled) >= len(filled)


def _resolve(spec: str, index: Mapping[str, int]) -> tuple[str, str] | None:
    """(source, target) of a column spec, the whole spec first: a header may hold ':'."""
    if spec in index:
        return spec, spec
    for at, character in enumerate(spec):
        if character == ":" and spec[:at] in index and spec[at + 1 :]:
            return spec[:at], spec[at + 1 :]
    return None


def _first_names(top: list[Row]) -> list[str]:
    for _number, cells in top:
        names = [cell for cell in cells if isinstance(cell, str) and cell]
        if names:
            return names
    return []


def _missing(spec: str, names: Sequence[str]) -> InvalidInput:
    wanted = spec.partition(":")[0] if ":" in spec else spec
    return InvalidInput(f"column {wanted!r} not found; the file has: {_shown(names)}")


def _shown(names: Sequence[str]) -> str:
    return ", ".join(repr(name) for name in dict.fromkeys(n for n in names if n)) or "none"


def _and(items: Sequence[str]) -> str:
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


# --- cell text as a segment -------------------------------------------------------------


def add_text(builder: inline.Builder, text: str, originals: dict[str, str]) -> None:
    """``text`` into ``builder``, its placeholders and tags as standalone codes.

    ``originals`` gets each code's id and the text it stands for.
    """
    if not _MAYBE_MARKUP.search(text):
        builder.text(text)
        return
    position = 0
    for start, end in markup_spans(text):
        builder.text(text[position:start])
        originals[builder.code(text[start:end])] = text[start:end]
        position = end
    builder.text(text[position:])


def cell_segment(text: str) -> tuple[str, dict[str, str]]:
    """A plain cell's canonical segment and its codes' original texts."""
    if not _MAYBE_MARKUP.search(text):  # most cells have no code: no builder needed
        return inline.plain(text), {}
    builder = inline.Builder()
    originals: dict[str, str] = {}
    add_text(builder, text, originals)
    return builder.canonical(), originals


def runs(translated: str, originals: Mapping[str, str]) -> Iterator[tuple[str | None, str]]:
    """The translation's texts, each with the innermost paired code around it (or None).

    A standalone code gives back the text it stood for.
    """
    open_codes: list[str] = []
    for part in inline.parse(translated).parts:
        if isinstance(part, str):
            yield (open_codes[-1] if open_codes else None), part
        elif part.kind is inline.Kind.OPEN:
            open_codes.append(part.id)
        elif part.kind is inline.Kind.CLOSE:
            open_codes.pop()
        else:
            yield (open_codes[-1] if open_codes else None), originals.get(part.id, part.equiv)


def cell_text(translated: str, originals: Mapping[str, str]) -> str:
    if "<" not in translated:  # no code came back: the text alone
        return inline.unescape(translated) if "&" in translated else translated
    return "".join(text for _code, text in runs(translated, originals))
