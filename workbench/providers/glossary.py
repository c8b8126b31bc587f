"""The glossary value a caller hands to ``Provider.translate``.

A :class:`GlossarySpec` is immutable and self-describing: its terms, its language pair,
the checksum of its content (so copies kept at a provider can be matched to it) and, for
providers with native glossaries, the provider's id of such a copy. How a provider
enforces it is its :class:`GlossarySupport`. Finding its terms in text is the shared
:class:`~workbench.providers.terms.TermMatcher`, compiled once per spec.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

# Re-exported: callers build a spec from terms and read matches without knowing the matcher.
from workbench.errors import InvalidInput
from workbench.providers.languages import primary_subtag
from workbench.providers.terms import GlossaryMatch as GlossaryMatch
from workbench.providers.terms import GlossaryTerm as GlossaryTerm
from workbench.providers.terms import TermMatcher

REMOTE_NAME_PREFIX = "workbench-"


class GlossarySupport(StrEnum):
    """How a provider makes its translations follow a glossary."""

    NATIVE = "native"  # the provider stores the glossary and applies it (DeepL)
    PROMPT = "prompt"  # the terms found in a batch are given to the model as instructions
    # Each term becomes a code the engine keeps, written as the term's target afterwards.
    PLACEHOLDER = "placeholder"


@dataclass(frozen=True, slots=True)
class GlossarySpec:
    terms: tuple[GlossaryTerm, ...]
    checksum: str
    source_lang: str
    target_lang: str
    remote_id: str | None = None
    # Compiled on first use, not at build: a spec for a provider with native glossaries
    # never matches. Not part of the value (equality, hash, repr, copies).
    _matcher: TermMatcher | None = field(default=None, init=False, repr=False, compare=False)

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

    def check_pair(self, source: str | None, target: str) -> None:
        """Refuse a translation this glossary's language pair does not fit."""
        pairs = (("source", self.source_lang, source), ("target", self.target_lang, target))
        for role, glossary_lang, requested in pairs:
            if requested and primary_subtag(glossary_lang) != primary_subtag(requested):
                raise InvalidInput(
                    f"the glossary is for {role} language {glossary_lang!r}, but the "
                    f"{role} language is {requested!r}; use a glossary for that pair"
                )

    def with_remote_id(self, remote_id: str | None) -> GlossarySpec:
        return replace(self, remote_id=remote_id)

    @property
    def matcher(self) -> TermMatcher:
        """The matcher for these terms, compiled once (10,000 terms take a while)."""
        matcher = self._matcher
        if matcher is None:
            matcher = TermMatcher(self.terms)
            # Past the frozen guard: a cache, not a change of the value.
            object.__setattr__(self, "_matcher", matcher)
        return matcher

    def find(self, text: str) -> list[GlossaryMatch]:
        """Every occurrence of a term in ``text`` outside markup, left to right."""
        return self.matcher.find(text)

    def matching(self, texts: Iterable[str]) -> tuple[GlossaryTerm, ...]:
        """The terms that occur in any of ``texts``, in glossary order."""
        found: set[GlossaryTerm] = set()
        for text in texts:
            found.update(self.matcher.terms_in(text))
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
