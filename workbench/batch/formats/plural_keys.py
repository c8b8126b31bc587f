"""i18next plural keys: which ``key_one``, ``key_few``… a catalog needs in the target language.

i18next (v21 and later) chooses ``key_<category>`` by the CLDR plural category of
``count`` (``key_ordinal_<category>`` with ``ordinal: true``). A group is the string members
of one object that share a base and include ``base_other``. For the target language the
categories it lacks are dropped (except ``_zero``, which i18next also uses for a count of
0 in every language, as ICU's ``=0``) and the ones it needs are added, starting from the
``_other`` text. Keys that merely end in ``_one`` (``arrowhead_one_or_many``) are not a
group: there is no ``_other`` beside them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.batch.formats.plurals import categories


@dataclass(frozen=True, slots=True)
class Plan:
    """What to change: members dropped, and keys added before a group's ``_other``."""

    dropped: frozenset[int]  # string numbers (document order) of members to remove
    added: dict[int, tuple[str, ...]]  # the ``_other`` member's number -> keys to add before it


def plan(objects: Sequence[Sequence[tuple[str, int]]], target: str) -> Plan:
    """``objects``: each object's string members as (key, string number)."""
    dropped: set[int] = set()
    added: dict[int, tuple[str, ...]] = {}
    for members in objects:
        groups: dict[tuple[str, bool], dict[str, int]] = {}
        for key, number in members:
            match = _PLURAL_KEY.fullmatch(key)
            if match:
                group = (match.group("base"), bool(match.group("ordinal")))
                groups.setdefault(group, {})[match.group("category")] = number
        for (base, ordinal), present in groups.items():
            wanted = categories(target, ordinal=ordinal) if "other" in present else None
            if wanted is None:
                continue
            infix = "_ordinal" if ordinal else ""
            dropped.update(
                number
                for category, number in present.items()
                if category not in wanted and category != "zero"
            )
            new = tuple(f"{base}{infix}_{name}" for name in wanted if name not in present)
            if new:
                added[present["other"]] = new
    return Plan(frozenset(dropped), added)


_PLURAL_KEY = re.compile(
    r"(?P<base>.+?)(?P<ordinal>_ordinal)?_(?P<category>zero|one|two|few|many|other)"
)
