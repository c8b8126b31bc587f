"""Translation memory: an exact-match cache of translations already paid for.

A translation is reused only for the same provider, model, language pair, glossary
content (its checksum) and source segment in its canonical form (:mod:`workbench.inline`,
its SHA-256), so changing any of them asks the provider again: two segments that differ
only in their codes are two entries. Both sides are stored canonical; TMX exchange
(:mod:`workbench.batch.tmx`) turns their codes into TMX tags and back. Writes never fail
on a duplicate: two jobs translating the same text at once both keep the first stored
translation.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import BindParameter, String, Table, Text, Uuid, bindparam, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.batch.sql import one_of, rows_of
from workbench.db.base import UTCDateTime, utcnow
from workbench.db.engine import core
from workbench.db.models import TranslationMemory


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class MemoryKey:
    provider: str
    model: str
    source_lang: str
    target_lang: str
    glossary_checksum: str = ""

    def columns(self) -> dict[str, str]:
        return {
            "provider": self.provider,
            "model": self.model,
            "source_lang": self.source_lang,
            "target_lang": self.target_lang,
            "glossary_checksum": self.glossary_checksum,
        }


async def lookup(session: AsyncSession, key: MemoryKey, hashes: Iterable[str]) -> dict[str, str]:
    """The stored translations for those source-text hashes (hash -> translation)."""
    wanted = list(dict.fromkeys(hashes))
    if not wanted:
        return {}
    rows = await core(
        session,
        select(TranslationMemory.source_hash, TranslationMemory.translated_text).where(
            TranslationMemory.provider == key.provider,
            TranslationMemory.model == key.model,
            TranslationMemory.source_lang == key.source_lang,
            TranslationMemory.target_lang == key.target_lang,
            TranslationMemory.glossary_checksum == key.glossary_checksum,
            one_of(session, TranslationMemory.source_hash, wanted),
        ),
    )
    return {row.source_hash: row.translated_text for row in rows}


async def store(session: AsyncSession, key: MemoryKey, translations: Mapping[str, str]) -> None:
    """Remember ``source text -> translation`` pairs; existing entries are kept."""
    await store_hashed(
        session,
        key,
        [(text_hash(source), source, target) for source, target in translations.items()],
    )


async def store_hashed(
    session: AsyncSession, key: MemoryKey, translations: Sequence[tuple[str, str, str]]
) -> None:
    """Remember ``(source hash, source text, translation)`` entries, for a caller that has
    the hashes already (a job's segments carry theirs); existing entries are kept."""
    if not translations:
        return
    entries = rows_of(
        session,
        [("id", Uuid()), ("hash", String()), ("source", Text()), ("target", Text())],
        [(uuid.uuid4(), digest, source, target) for digest, source, target in translations],
    )
    shared: dict[str, BindParameter[str]] = {
        name: bindparam(name, value) for name, value in key.columns().items()
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, TranslationMemory.__table__)
    rows = select(
        entries.c.id,
        *shared.values(),
        entries.c.hash,
        entries.c.source,
        entries.c.target,
        bindparam("created_at", utcnow(), type_=UTCDateTime()),
    ).where(true())  # SQLite reads ``ON CONFLICT`` after a bare SELECT as a join's ``ON``
    statement = insert(table).from_select(
        ["id", *shared, "source_hash", "source_text", "translated_text", "created_at"], rows
    )
    await core(
        session,
        statement.on_conflict_do_nothing(index_elements=["source_hash", *key.columns()]),
    )
