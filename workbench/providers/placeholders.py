"""Glossary enforcement by placeholders, for engines that cannot take a glossary.

Before translation each glossary term in a text becomes an opaque token such as
``[X0X]``, which machine-translation engines copy through unchanged; afterwards each
token becomes the term's target text. Engines sometimes add spaces inside such tokens or
change their case, so restoring tolerates both. A text that already contains something
token-shaped is sent unprotected rather than risk restoring the wrong thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbench.providers.glossary import GlossarySpec

PLACEHOLDER_PATTERN = r"\[\s*X\s*\d+\s*X\s*\]"
_TOKEN = re.compile(r"\[\s*X\s*(\d+)\s*X\s*\]", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Protected:
    """A text with its terms swapped for tokens; ``targets[n]`` replaces token ``n``."""

    text: str
    targets: tuple[str, ...] = ()


def token(index: int) -> str:
    return f"[X{index}X]"


def protect(text: str, glossary: GlossarySpec) -> Protected:
    if _TOKEN.search(text):
        return Protected(text)
    targets: list[str] = []
    pieces: list[str] = []
    position = 0
    for match in glossary.find(text):
        target = match.term.target
        if target not in targets:
            targets.append(target)
        pieces.append(text[position : match.start])
        pieces.append(token(targets.index(target)))
        position = match.end
    if not targets:
        return Protected(text)
    pieces.append(text[position:])
    return Protected("".join(pieces), tuple(targets))


def restore(translated: str, protected: Protected) -> str:
    if not protected.targets:
        return translated

    def target_for(match: re.Match[str]) -> str:
        index = int(match.group(1))
        return protected.targets[index] if index < len(protected.targets) else match.group(0)

    return _TOKEN.sub(target_for, translated)
