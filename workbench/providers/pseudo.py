"""``pseudo``: offline pseudo-localisation, the always-available default provider.

Not a translation: it makes text look foreign while staying readable, to show where a
UI is not translated, truncates longer strings or breaks on accents. Letters get
accents, the text grows by about 30 % and is wrapped in ``[`` … ``]`` so clipping is
visible. Placeholders and markup — ``{name}``, ``{{count}}``, ``%s``, ``%d``,
``%(name)s``, HTML tags and entities — pass through untouched. A segment's codes are
kept where they are and only its texts change (:func:`pseudo_localize_segment`). The
output depends only on the input.
"""

from __future__ import annotations

import math
import re

from workbench import inline
from workbench.providers import codes
from workbench.providers.base import BatchRequest, Provider
from workbench.providers.glossary import GlossarySupport
from workbench.providers.languages import Language, common_languages
from workbench.providers.markup import MARKUP_PATTERN

EXPANSION = 0.3
PADDING = "~"

_ACCENTS = str.maketrans(
    "aceinouyACEINOUY",
    "áçéîñöûýÅÇÉÎÑÖÛÝ",
)
_PROTECTED = re.compile(MARKUP_PATTERN)


def pseudo_localize(text: str) -> str:
    """The pseudo-localised form of ``text``; blank text is returned as it is."""
    if not text.strip():
        return text
    body, translatable = _accented(text)
    return f"[{body}{_tail(translatable)}"


def pseudo_localize_segment(canonical: str) -> str:
    """A canonical segment pseudo-localised: its texts change, its codes stay put."""
    segment = inline.parse(canonical)
    if not segment.prose.strip():
        return canonical
    parts: list[inline.Part] = ["["]
    translatable = 0
    for part in segment.parts:
        if isinstance(part, str):
            accented, count = _accented(part)
            parts.append(accented)
            translatable += count
        else:
            parts.append(part)
    parts.append(_tail(translatable))
    return codes.joined(parts).canonical()


def _accented(text: str) -> tuple[str, int]:
    """``text`` with accents outside its markup, and how many characters were prose."""
    pieces: list[str] = []
    translatable = 0
    position = 0
    for match in _PROTECTED.finditer(text):
        plain = text[position : match.start()]
        pieces.append(plain.translate(_ACCENTS))
        pieces.append(match.group(0))
        translatable += len(plain)
        position = match.end()
    tail = text[position:]
    pieces.append(tail.translate(_ACCENTS))
    return "".join(pieces), translatable + len(tail)


def _tail(translatable: int) -> str:
    padding = math.ceil(translatable * EXPANSION)
    return f" {PADDING * padding}]" if padding else "]"


class PseudoProvider(Provider):
    name = "pseudo"
    label = "Pseudo-localisation (not a real translation)"
    max_texts_per_request = 1000
    max_bytes_per_request = 1024 * 1024
    glossary_support = GlossarySupport.PLACEHOLDER
    codec = codes.XML  # the canonical form: pseudo-localisation reads it as it is
    default_concurrency = 1
    any_language = True  # pseudo-localisation reads no language

    async def _translate_batch(self, texts: list[str], request: BatchRequest) -> list[str]:
        localize = pseudo_localize_segment if request.tagged else pseudo_localize
        return [localize(text) for text in texts]

    async def _fetch_languages(self) -> list[Language]:
        return common_languages()

    async def check(self) -> None:
        return None
