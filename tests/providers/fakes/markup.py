"""Translating marked-up text the way engines with tag handling do, for the fakes.

A fragment is read into a small tree (each fake parses its own syntax: XML for DeepL,
HTML for Google); the engine "translates" every text node outside the elements it must
keep (``ignore_tags`` for DeepL, ``translate="no"`` for Google) and keeps every tag. When
asked to, it also moves tags as real engines legally do when word order changes: the
children of each element come back in reverse order, tags still nested and each once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Element:
    name: str
    attributes: list[tuple[str, str | None]] = field(default_factory=list)
    children: list[Element | str] = field(default_factory=list)
    empty: bool = False  # written <x/> (XML) or a void element (HTML <br>)


def translate_tree(
    root: Element,
    translate: Callable[[str], str],
    kept: Callable[[Element], bool],
    *,
    moves_tags: bool,
) -> None:
    """Translate ``root``'s text nodes in place, except inside elements ``kept`` says."""
    children: list[Element | str] = []
    for child in root.children:
        if isinstance(child, str):
            children.append(translate(child) if child.strip() else child)
        else:
            if not kept(child):
                translate_tree(child, translate, kept, moves_tags=moves_tags)
            children.append(child)
    root.children = children[::-1] if moves_tags else children
