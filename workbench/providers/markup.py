"""The parts of a text that are code, not prose: placeholders and markup.

``{name}``, ``{{count}}``, printf conversions (``%s``, ``%5.2f``, ``%(name)s``), HTML
and XML tags, and character entities. Pseudo-localisation leaves them as they are and
glossary terms are never matched inside them.
"""

from __future__ import annotations

import re

MARKUP_PATTERN = "|".join(
    (
        r"\{\{[^{}]*\}\}",  # {{count}}
        r"\{[^{}]*\}",  # {name}, {0}
        # printf; no space flag, so the "% o" in "50% off" stays prose
        r"%(?:\([^()]*\))?[-+#0]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[hlLqjzt]*[diouxXeEfFgGcrsa%]",
        r"</?[A-Za-z][^<>]*>",  # tags
        r"&(?:[A-Za-z][A-Za-z0-9]*|#\d+|#[xX][0-9A-Fa-f]+);",  # entities
    )
)
_MARKUP = re.compile(MARKUP_PATTERN)


def markup_spans(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in _MARKUP.finditer(text)]
