"""``pseudo``: offline pseudo-localisation, the always-available default provider.

Not a translation: it makes text look foreign while staying readable, to show where a
UI is not translated, truncates longer strings or breaks on accents. Letters get
accents, the text grows by about 30 % and is wrapped in ``[`` … ``]`` so clipping is
visible. Placeholders and markup — ``{name}``, ``{{count}}``, ``%s``, ``%d``,
``%(name)s``, HTML tags and entities, glossary tokens — pass through untouched. The
output depends only on the input.
"""

from __future__ import annotations

import math
import re

from workbench.providers.base import BatchRequest, Provider
from workbench.providers.glossary import GlossarySupport
from workbench.providers.languages import Language, common_languages
from workbench.providers.markup import MARKUP_PATTERN
from workbench.providers.placeholders import PLACEHOLDER_PATTERN

EXPANSION = 0.3
PADDING = "~"

_ACCENTS = str.maketrans(
    "aceinouyACEINOUY",
    "áçéîñöûýÅÇÉÎÑÖÛÝ",
)
_PROTECTED = re.compile(f"{MARKUP_PATTERN}|{PLACEHOLDER_PATTERN}")


def pseudo_localize(text: str) -> str:
    """The pseudo-localised form of ``text``; blank text is returned as it is."""
    if not text.strip():
        return text
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
    translatable += len(tail)
    padding = math.ceil(translatable * EXPANSION)
    body = "".join(pieces)
    return f"[{body} {PADDING * padding}]" if padding else f"[{body}]"


class PseudoProvider(Provider):
    name = "pseudo"
    label = "Pseudo-localisation (not a real translation)"
    max_texts_per_request = 1000
    max_bytes_per_request = 1024 * 1024
    glossary_support = GlossarySupport.PLACEHOLDER
    default_concurrency = 1
    any_language = True  # pseudo-localisation reads no language

    async def _translate_batch(self, texts: list[str], request: BatchRequest) -> list[str]:
        return [pseudo_localize(text) for text in texts]

    async def _fetch_languages(self) -> list[Language]:
        return common_languages()

    async def check(self) -> None:
        return None
