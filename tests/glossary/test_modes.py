"""Import modes, checksums and transactions, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from tests.glossary.support import (
    add_user,
    csv_bytes,
    database_state,
    entries_of,
    import_bytes,
    unique_name,
)
from workbench.db import Database
from workbench.db.models import AuditEntry, Glossary, GlossaryEntry, GlossaryRemoteCopy
from workbench.errors import AlreadyExists, InvalidInput, NotFound
from workbench.glossary import store
from workbench.glossary.checksum import checksum, frame_checksum
from workbench.glossary.rules import MAX_FILE_BYTES
from workbench.glossary.store import ImportMode
from workbench.providers.glossary import GlossarySpec, GlossaryTerm, glossary_checksum

HEADER = ["source_term", "target_term", "case_sensitive", "note"]
START = [HEADER, ["cat", "chat", "no", "pet"], ["dog", "chien", "no", ""], ["EU", "UE", "yes", ""]]


async def start(db: Database, name: str) -> store.ImportResult:
    return await import_bytes(
        db, csv_bytes(START), "start.csv", name=name, source_lang="en", target_lang="fr"
    )


async def test_create_stores_entries_in_file_order(shared_db: Database) -> None:
    name = unique_name()
    result = await start(shared_db, name)
    assert (result.mode, result.imported, result.added) == (ImportMode.CREATE, 3, 3)
    info = result.glossary
    assert (info.name, info.source_lang, info.target_lang, info.entry_count) == (
        name,
        "en",
        "fr",
        3,
    )
    assert info.shared
    assert await entries_of(shared_db, name) == [
        ("cat", "chat", False, "pet"),
        ("dog", "chien", False, ""),
        ("EU", "UE", True, ""),
    ]
    content = [("cat", "chat", False), ("dog", "chien", False), ("EU", "UE", True)]
    assert info.checksum == checksum(content, "en", "fr")


async def test_create_refuses_a_taken_name(shared_db: Database) -> None:
    name = unique_name()
    await start(shared_db, name)
    before = await database_state(shared_db)
    with pytest.raises(AlreadyExists, match="replace or merge"):
        await start(shared_db, f"  {name} ")
    assert await database_state(shared_db) == before


async def test_replace_gives_exactly_the_new_entries(shared_db: Database) -> None:
    name = unique_name()
    first = await start(shared_db, name)
    rows = [
        HEADER,
        ["bird", "oiseau", "", ""],
        ["dog", "chien", "no", ""],
        ["cat", "chatte", "", ""],
    ]
    result = await import_bytes(
        shared_db, csv_bytes(rows), "new.csv", name=name, mode=ImportMode.REPLACE
    )
    assert (result.added, result.updated, result.unchanged, result.removed) == (1, 1, 1, 1)
    assert await entries_of(shared_db, name) == [
        ("bird", "oiseau", False, ""),
        ("dog", "chien", False, ""),
        ("cat", "chatte", False, ""),
    ]
    assert result.glossary.id == first.glossary.id
    assert result.glossary.checksum != first.glossary.checksum
    assert result.glossary.entry_count == 3
    assert result.glossary.updated_at > first.glossary.updated_at


async def test_merge_upserts_by_source_term_and_keeps_what_the_file_lacks(
    shared_db: Database,
) -> None:
    name = unique_name()
    await start(shared_db, name)
    # No case_sensitive or note column: the stored ones stay for entries that change.
    rows = [["source_term", "target_term"], ["cat", "chatte"], ["owl", "hibou"], ["dog", "chien"]]
    result = await import_bytes(
        shared_db, csv_bytes(rows), "more.csv", name=name, mode=ImportMode.MERGE
    )
    assert (result.added, result.updated, result.unchanged, result.removed) == (1, 1, 1, 0)
    assert await entries_of(shared_db, name) == [
        ("cat", "chatte", False, "pet"),
        ("dog", "chien", False, ""),
        ("EU", "UE", True, ""),
        ("owl", "hibou", False, ""),
    ]
    assert result.glossary.entry_count == 4
    expected = checksum(
        [
            ("cat", "chatte", False),
            ("dog", "chien", False),
            ("EU", "UE", True),
            ("owl", "hibou", False),
        ],
        "en",
        "fr",
    )
    assert result.glossary.checksum == expected


async def test_merge_with_columns_overwrites_them(shared_db: Database) -> None:
    name = unique_name()
    await start(shared_db, name)
    rows = [HEADER, ["EU", "UE", "no", "now any case"]]
    await import_bytes(shared_db, csv_bytes(rows), "m.csv", name=name, mode="merge")
    assert (await entries_of(shared_db, name))[2] == ("EU", "UE", False, "now any case")


@pytest.mark.parametrize("mode", [ImportMode.REPLACE, ImportMode.MERGE])
async def test_one_bad_row_changes_nothing(shared_db: Database, mode: ImportMode) -> None:
    name = unique_name()
    await start(shared_db, name)
    before = await database_state(shared_db)
    rows = [HEADER, ["bird", "oiseau", "", ""], ["cat", "", "", ""], ["owl", "hibou", "", ""]]
    with pytest.raises(InvalidInput) as caught:
        await import_bytes(shared_db, csv_bytes(rows), "bad.csv", name=name, mode=mode)
    assert caught.value.problems == ["line 3: target_term is empty"]
    assert await database_state(shared_db) == before


@pytest.mark.parametrize("mode", [ImportMode.REPLACE, ImportMode.MERGE])
async def test_replace_and_merge_need_the_glossary(shared_db: Database, mode: ImportMode) -> None:
    with pytest.raises(NotFound, match="create mode"):
        await import_bytes(shared_db, csv_bytes(START), "g.csv", name=unique_name(), mode=mode)


async def test_a_file_for_another_language_pair_is_refused(shared_db: Database) -> None:
    name = unique_name()
    await start(shared_db, name)
    before = await database_state(shared_db)
    rows = [["source_term", "target_term", "target_lang"], ["cat", "Katze", "de"]]
    with pytest.raises(InvalidInput, match="target language de, but glossary"):
        await import_bytes(shared_db, csv_bytes(rows), "de.csv", name=name, mode="merge")
    with pytest.raises(InvalidInput, match="source language es"):
        await import_bytes(
            shared_db, csv_bytes(START), "g.csv", name=name, mode="replace", source_lang="es"
        )
    assert await database_state(shared_db) == before


async def test_unknown_mode_is_invalid_input(shared_db: Database) -> None:
    with pytest.raises(InvalidInput, match="unknown import mode 'upsert'"):
        await import_bytes(shared_db, csv_bytes(START), "g.csv", name="x", mode="upsert")


async def test_checksum_ignores_order_and_notes_but_not_case_sensitivity(
    shared_db: Database,
) -> None:
    shuffled = [HEADER, START[3], ["cat", "chat", "no", "another note"], START[2]]
    a, b = unique_name(), unique_name()
    first = await start(shared_db, a)
    second = await import_bytes(
        shared_db, csv_bytes(shuffled), "s.csv", name=b, source_lang="EN", target_lang="fr"
    )
    assert first.glossary.checksum == second.glossary.checksum
    flipped = [HEADER, START[1], START[2], ["EU", "UE", "no", ""]]
    third = await import_bytes(shared_db, csv_bytes(flipped), "f.csv", name=b, mode="replace")
    assert third.glossary.checksum != first.glossary.checksum


def test_checksum_is_the_one_providers_compute() -> None:
    content = [("cat", "chat", False), ("New York", "New York", True), ("é", "e", False)]
    terms = [GlossaryTerm(source, target, flag) for source, target, flag in content]
    assert checksum(content, "en", "pt-BR") == glossary_checksum(terms, "en", "pt-BR")
    frame = pd.DataFrame(content, columns=["source_term", "target_term", "case_sensitive"])
    assert frame_checksum(frame, "en", "pt-BR") == checksum(reversed(content), "EN", "PT-br")


async def test_a_failure_inside_the_callers_transaction_leaves_it_usable(
    shared_db: Database,
) -> None:
    name = unique_name()
    await start(shared_db, name)
    async with shared_db.session() as session:
        session.add(Glossary(name=f"{name}-caller", source_lang="en", target_lang="de"))
        await session.flush()
        with pytest.raises(AlreadyExists):
            await store.import_file(
                session, csv_bytes(START), "g.csv", name=name, source_lang="en", target_lang="fr"
            )
        await session.commit()
    async with shared_db.session() as session:
        names = set(
            await session.scalars(select(Glossary.name).where(Glossary.name.like(f"{name}%")))
        )
    assert names == {name, f"{name}-caller"}


async def test_every_import_is_audited(shared_db: Database) -> None:
    name = unique_name()
    result = await start(shared_db, name)
    await import_bytes(shared_db, csv_bytes(START), "g.csv", name=name, mode="merge")
    async with shared_db.session() as session:
        entries = list(
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.target_id == str(result.glossary.id))
                .order_by(AuditEntry.created_at)
            )
        )
    assert [entry.action for entry in entries] == ["glossary.create", "glossary.merge"]
    assert entries[0].before is None
    assert entries[0].after is not None
    assert entries[0].after["entries"] == 3
    assert entries[0].actor_email.startswith("cli:")
    assert entries[1].before == entries[1].after


async def test_large_glossary_round_trips_through_the_bulk_path(shared_db: Database) -> None:
    count = 5000
    rows = [["source_term", "target_term", "case_sensitive", "note"]] + [
        [f"term {index}", f"terme {index}", "yes" if index % 3 == 0 else "", f"n{index % 7}"]
        for index in range(count)
    ]
    name = unique_name()
    result = await import_bytes(
        shared_db, csv_bytes(rows), "big.csv", name=name, source_lang="en", target_lang="fr"
    )
    assert result.glossary.entry_count == count
    stored = await entries_of(shared_db, name)
    assert stored == [(r[0], r[1], r[2] == "yes", r[3]) for r in rows[1:]]
    async with shared_db.session() as session:
        ids = list(
            await session.scalars(
                select(GlossaryEntry.id).where(GlossaryEntry.glossary_id == result.glossary.id)
            )
        )
    assert len(set(ids)) == count
    assert {entry_id.version for entry_id in ids} == {4}


async def test_delete_removes_entries_and_remote_copies(shared_db: Database) -> None:
    name = unique_name()
    result = await start(shared_db, name)
    async with shared_db.session() as session:
        session.add(
            GlossaryRemoteCopy(
                glossary_id=result.glossary.id,
                provider="deepl",
                checksum=result.glossary.checksum,
                remote_id="remote-1",
            )
        )
        await session.commit()
    async with shared_db.session() as session:
        listed = {info.name: info for info in await store.list_glossaries(session)}
        assert [copy.current for copy in listed[name].remote_copies] == [True]
        deleted = await store.delete_glossary(session, name)
        await session.commit()
    assert deleted.entry_count == 3
    async with shared_db.session() as session:
        left = await session.scalar(
            select(GlossaryEntry.id).where(GlossaryEntry.glossary_id == result.glossary.id)
        )
        copies = await session.scalar(
            select(GlossaryRemoteCopy.id).where(
                GlossaryRemoteCopy.glossary_id == result.glossary.id
            )
        )
        with pytest.raises(NotFound):
            await store.get_glossary(session, name)
    assert (left, copies) == (None, None)


async def test_owner_is_set_on_create(shared_db: Database) -> None:
    owner = await add_user(shared_db, f"{unique_name()}@example.com")
    name = unique_name()
    result = await import_bytes(
        shared_db,
        csv_bytes(START),
        "g.csv",
        name=name,
        source_lang="en",
        target_lang="fr",
        owner_id=owner.id,
    )
    assert result.glossary.owner_id == owner.id
    assert result.glossary.owner_email == owner.email
    assert not result.glossary.shared


async def test_import_path_refuses_a_huge_file_before_reading_it(
    shared_db: Database, tmp_path: Path
) -> None:
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written, nothing is read
    async with shared_db.session() as session:
        with pytest.raises(InvalidInput) as caught:
            await store.import_path(session, huge, name=unique_name(), source_lang="en")
        assert caught.value.problems == [
            "the file is 32.0 MiB; the limit is 32 MiB (split the glossary or remove columns)"
        ]
        with pytest.raises(InvalidInput, match="cannot read"):
            await store.import_path(session, tmp_path / "missing.csv", name=unique_name())


async def test_content_for_a_provider_copy_carries_the_stored_checksum(
    shared_db: Database,
) -> None:
    name = unique_name()
    await start(shared_db, name)
    async with shared_db.session() as session:
        content = await store.load_content(session, name)
    info = content.glossary
    assert [entry.source_term for entry in content.entries] == ["cat", "dog", "EU"]
    spec = GlossarySpec.build(
        (GlossaryTerm(e.source_term, e.target_term, e.case_sensitive) for e in content.entries),
        source_lang=info.source_lang,
        target_lang=info.target_lang,
    )
    assert spec.checksum == info.checksum
