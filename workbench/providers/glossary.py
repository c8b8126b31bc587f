"""The glossary value a caller hands to ``Provider.translate``, and term matching.

A :class:`GlossarySpec` is immutable and self-describing: its terms, its language pair,
the checksum of its content (so copies kept at a provider can be matched to it) and, for
providers with native glossaries, the provider's id of such a copy. How a provider
enforces it is its :class:`GlossarySupport`.

Terms match on word boundaries (``cat`` does not match inside ``concatenate``) except
next to letters of scripts written without spaces (CJK, Thai, …) where a term is
routinely followed by a particle. Longer terms win over shorter ones they contain, and
nothing inside a placeholder or a tag (``{file}``, ``<a href="…">``) is a term.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Protocol, runtime_checkable

from workbench.errors import InvalidInput
from workbench.providers.markup import markup_spans

REMOTE_NAME_PREFIX = "workbench-"
# Unicode character-name prefixes of scripts that do not separate words with spaces.
_UNSPACED_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "THAI", "LAO", "KHMER", "MYANMAR")


class GlossarySupport(StrEnum):
    """How a provider makes its translations follow a glossary."""

    NATIVE = "native"  # the provider stores the glossary and applies it (DeepL)
    PROMPT = "prompt"  # the terms found in a batch are given to the model as instructions
    PLACEHOLDER = "placeholder"  # terms are swapped for tokens the engine leaves alone


@dataclass(frozen=True, slots=True)
class GlossaryTerm:
    source: str
    target: str
    case_sensitive: bool = False

    def __post_init__(self) -> None:
        if not self.source.strip() or not self.target.strip():
            raise InvalidInput("a glossary term needs both a source and a target text")


@dataclass(frozen=True, slots=True)
class GlossaryMatch:
    start: int
    end: int
    term: GlossaryTerm


@dataclass(frozen=True, slots=True)
class GlossarySpec:
    terms: tuple[GlossaryTerm, ...]
    checksum: str
    source_lang: str
    target_lang: str
    remote_id: str | None = None

    @classmethod
    def build(
        cls,
        terms: Iterable[GlossaryTerm],
        *,
        source_lang: str,
        target_lang: str,
        remote_id: str | None = None,
    ) -> GlossarySpec:
        """A spec whose checksum is computed from its terms and language pair."""
        terms = tuple(terms)
        return cls(
            terms=terms,
            checksum=glossary_checksum(terms, source_lang, target_lang),
            source_lang=source_lang,
            target_lang=target_lang,
            remote_id=remote_id,
        )

    def with_remote_id(self, remote_id: str | None) -> GlossarySpec:
        return replace(self, remote_id=remote_id)

    def find(self, text: str) -> Iterator[GlossaryMatch]:
        """Every occurrence of a term in ``text`` outside markup, left to right."""
        pattern = _terms_pattern(self.terms)
        if pattern is None:
            return
        ordered = _longest_first(self.terms)
        code = markup_spans(text)
        for match in pattern.finditer(text):
            if any(start < match.end() and match.start() < end for start, end in code):
                continue  # "{file}" is a placeholder, not the term "file"
            assert match.lastindex is not None  # every alternative is one capturing group
            yield GlossaryMatch(match.start(), match.end(), ordered[match.lastindex - 1])

    def matching(self, texts: Iterable[str]) -> tuple[GlossaryTerm, ...]:
        """The terms that occur in any of ``texts``, in glossary order."""
        found: set[GlossaryTerm] = set()
        for text in texts:
            found.update(match.term for match in self.find(text))
        return tuple(term for term in self.terms if term in found)


@dataclass(frozen=True, slots=True)
class RemoteGlossary:
    """A copy of a glossary stored at a provider with native glossaries."""

    remote_id: str
    name: str
    source_lang: str
    target_lang: str
    entry_count: int
    ready: bool
    created_at: datetime

    @property
    def checksum(self) -> str | None:
        """The checksum of the glossary it copies, if the workbench created it."""
        if self.name.startswith(REMOTE_NAME_PREFIX):
            return self.name.removeprefix(REMOTE_NAME_PREFIX) or None
        return None


@runtime_checkable
class GlossaryStore(Protocol):
    """What a provider with native glossaries offers for keeping copies in step."""

    async def create_glossary(self, spec: GlossarySpec) -> GlossarySpec:
        """Store a copy of ``spec``; the result carries its ``remote_id``."""
        ...

    async def list_glossaries(self) -> list[RemoteGlossary]: ...

    async def glossary_entries(self, remote_id: str) -> dict[str, str]: ...

    async def delete_glossary(self, remote_id: str) -> None: ...


def remote_name(spec: GlossarySpec) -> str:
    """The name a copy of ``spec`` gets at a provider: it carries the checksum."""
    return f"{REMOTE_NAME_PREFIX}{spec.checksum}"


def glossary_checksum(terms: Iterable[GlossaryTerm], source_lang: str, target_lang: str) -> str:
    """SHA-256 of the glossary's content, independent of term order."""
    entries = sorted((t.source, t.target, t.case_sensitive) for t in terms)
    payload = json.dumps(
        [source_lang.lower(), target_lang.lower(), entries], ensure_ascii=False, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _longest_first(terms: tuple[GlossaryTerm, ...]) -> tuple[GlossaryTerm, ...]:
    return tuple(sorted(terms, key=lambda term: len(term.source), reverse=True))


@lru_cache(maxsize=64)
def _terms_pattern(terms: tuple[GlossaryTerm, ...]) -> re.Pattern[str] | None:
    if not terms:
        return None
    alternatives = []
    for term in _longest_first(terms):
        # One capturing group per term (lastindex names the term); "(?i:" scopes case
        # folding to that term, "(?:" is its case-sensitive form.
        flags = "" if term.case_sensitive else "i"
        before = r"(?<!\w)" if _needs_boundary(term.source[0]) else ""
        after = r"(?!\w)" if _needs_boundary(term.source[-1]) else ""
        alternatives.append(f"((?{flags}:{before}{re.escape(term.source)}{after}))")
    return re.compile("|".join(alternatives))


def _needs_boundary(char: str) -> bool:
    if not (char.isalnum() or char == "_"):
        return False
    return not unicodedata.name(char, "").startswith(_UNSPACED_SCRIPTS)
