"""What every file format provides: segments to translate and a way to write them back.

A format reads bytes into a :class:`Document`: the ordered text slots it found (each a
:class:`Segment`, its text in the canonical form of :mod:`workbench.inline`: markup,
placeholders and formatting are codes) and a renderer that puts one translation per slot
back in place, keeping everything else (structure, markup, timings, other columns,
formatting) byte for byte. Slots the engine does not translate (no prose) get their own
text back. A malformed
file, or one over a limit of :mod:`workbench.limits`, raises
:class:`~workbench.errors.InvalidInput` from ``read``: nothing is written.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from workbench.limits import InputLimits


@dataclass(frozen=True)
class Segment:
    text: str  # canonical: see workbench.inline
    # Where the text comes from, for reports: "line 12", "menu.file.open", "row 3, title".
    where: str = ""


@dataclass(frozen=True)
class FormatOptions:
    # Spreadsheet columns: "SRC" (translated in place) or "SRC:DEST" (DEST filled, created
    # when missing, SRC left alone).
    columns: tuple[str, ...] = ()
    source_lang: str = ""
    target_lang: str = ""
    # What a file may hold; each format checks it before (or while) it parses.
    limits: InputLimits = field(default_factory=InputLimits.of)
    header_row: int | None = None  # 1-based; None: found by the format
    translate_fuzzy: bool = False  # PO: fuzzy entries are translated too (else kept)
    front_matter_keys: tuple[str, ...] = ("title", "description")  # Markdown


@dataclass
class Document:
    segments: list[Segment]
    renderer: Callable[[Sequence[str]], bytes] = field(repr=False)
    # What a reader should know that is not an error: parts left untranslated and why.
    notes: list[str] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [segment.text for segment in self.segments]

    def render(self, translations: Sequence[str]) -> bytes:
        if len(translations) != len(self.segments):
            raise ValueError(
                f"{len(translations)} translations given for {len(self.segments)} segments"
            )
        return self.renderer(translations)


class FileFormat(ABC):
    name: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]

    @abstractmethod
    def read(self, data: bytes, options: FormatOptions) -> Document:
        """Parse ``data``; raise InvalidInput with a clear message if it is malformed."""
