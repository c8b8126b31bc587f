"""Single-entry edits (the dashboard grid), paging, visibility and who may change what."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.glossary.support import add_user, csv_bytes, entries_of, import_bytes, unique_name
from workbench.accounts.audit import Actor
from workbench.db import Database
from workbench.db.models import AuditEntry, Role
from workbench.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from workbench.glossary import store
from workbench.glossary.checksum import checksum
from workbench.glossary.store import Entry

ROWS = [["source_term", "target_term"], ["cat", "chat"], ["dog", "chien"]]


async def make(db: Database, owner: Actor | None = None) -> str:
    name = unique_name()
    await import_bytes(
        db,
        csv_bytes(ROWS),
        "g.csv",
        name=name,
        source_lang="en",
        target_lang="fr",
        owner_id=owner.id if owner else None,
    )
    return name


async def test_add_update_delete_keep_checksum_and_count_current(shared_db: Database) -> None:
    name = await make(shared_db)
    async with shared_db.session() as session:
        added = await store.add_entry(session, name, Entry("  owl ", "hibou", True, "bird"))
        await session.commit()
    assert (added.source_term, added.position) == ("owl", 2)
    async with shared_db.session() as session:
        changed = await store.update_entry(session, added.id, target_term="chouette")
        await session.commit()
    assert (changed.source_term, changed.target_term, changed.case_sensitive) == (
        "owl",
        "chouette",
        True,
    )
    async with shared_db.session() as session:
        first = (await store.entries_page(session, name, limit=1)).entries[0]
        await store.delete_entry(session, first.id)
        await session.commit()
    assert await entries_of(shared_db, name) == [
        ("dog", "chien", False, ""),
        ("owl", "chouette", True, "bird"),
    ]
    async with shared_db.session() as session:
        info = await store.get_glossary(session, name)
    assert info.entry_count == 2
    assert info.checksum == checksum(
        [("dog", "chien", False), ("owl", "chouette", True)], "en", "fr"
    )


async def test_entry_edits_are_checked_like_imported_rows(shared_db: Database) -> None:
    name = await make(shared_db)
    async with shared_db.session() as session:
        with pytest.raises(AlreadyExists, match="already has the source term 'cat'"):
            await store.add_entry(session, name, Entry("cat", "chatte"))
    async with shared_db.session() as session:
        with pytest.raises(InvalidInput, match="target_term is empty"):
            await store.add_entry(session, name, Entry("owl", "  "))
    async with shared_db.session() as session:
        with pytest.raises(InvalidInput, match=r"control character U\+0000"):
            await store.add_entry(session, name, Entry("owl\x00", "hibou"))
    async with shared_db.session() as session:
        dog = (await store.entries_page(session, name)).entries[1]
        with pytest.raises(AlreadyExists):
            await store.update_entry(session, dog.id, source_term="cat")
    async with shared_db.session() as session:
        # A value (not a spreadsheet cell) may start with "=".
        formula = await store.add_entry(session, name, Entry("=x", "=y"))
        await session.commit()
    assert formula.source_term == "=x"
    assert len(await entries_of(shared_db, name)) == 3


async def test_entries_page_and_search(shared_db: Database) -> None:
    name = unique_name()
    rows = [["source_term", "target_term"]] + [[f"term {i}", f"terme {i}"] for i in range(25)]
    rows.append(["100%_sure", "sûr"])
    await import_bytes(
        shared_db, csv_bytes(rows), "g.csv", name=name, source_lang="en", target_lang="fr"
    )
    async with shared_db.session() as session:
        page = await store.entries_page(session, name, offset=20, limit=10)
        found = await store.entries_page(session, name, search="TERME 1")
        literal = await store.entries_page(session, name, search="%_")
    assert page.total == 26
    assert [entry.source_term for entry in page.entries] == [
        *(f"term {i}" for i in range(20, 25)),
        "100%_sure",
    ]
    assert found.total == 11  # terme 1, terme 10 … terme 19
    assert [entry.source_term for entry in literal.entries] == ["100%_sure"]


async def test_translators_see_shared_and_their_own_and_change_only_their_own(
    shared_db: Database,
) -> None:
    alice = await add_user(shared_db, f"alice-{unique_name()}@example.com")
    bob = await add_user(shared_db, f"bob-{unique_name()}@example.com")
    admin = await add_user(shared_db, f"admin-{unique_name()}@example.com", Role.ADMIN)
    shared = await make(shared_db)
    alices = await make(shared_db, owner=alice)
    bobs = await make(shared_db, owner=bob)
    async with shared_db.session() as session:
        seen = {info.name for info in await store.list_glossaries(session, viewer=alice)}
        everything = {info.name for info in await store.list_glossaries(session, viewer=admin)}
        assert {shared, alices} <= seen
        assert bobs not in seen
        assert {shared, alices, bobs} <= everything
        with pytest.raises(NotFound):
            await store.get_glossary(session, bobs, viewer=alice)
        with pytest.raises(NotFound):
            await store.export_glossary(session, bobs, viewer=alice)
    async with shared_db.session() as session:
        with pytest.raises(PermissionDenied, match="shared glossary"):
            await store.add_entry(session, shared, Entry("owl", "hibou"), actor=alice)
    async with shared_db.session() as session:
        with pytest.raises(NotFound):
            await store.delete_glossary(session, bobs, actor=alice)
    async with shared_db.session() as session:
        bob_entry = (await store.entries_page(session, bobs)).entries[0]
    async with shared_db.session() as session:
        with pytest.raises(NotFound):
            await store.update_entry(session, bob_entry.id, target_term="x", actor=alice)
    async with shared_db.session() as session:
        await store.add_entry(session, alices, Entry("owl", "hibou"), actor=alice)
        await store.add_entry(session, shared, Entry("owl", "hibou"), actor=admin)
        await store.update_entry(session, bob_entry.id, note="checked", actor=admin)
        await session.commit()
    assert len(await entries_of(shared_db, alices)) == 3
    assert len(await entries_of(shared_db, shared)) == 3


async def test_translators_create_their_own_glossaries_only(shared_db: Database) -> None:
    alice = await add_user(shared_db, f"alice-{unique_name()}@example.com")
    bob = await add_user(shared_db, f"bob-{unique_name()}@example.com")
    async with shared_db.session() as session:
        own = await store.import_file(
            session,
            csv_bytes(ROWS),
            "g.csv",
            name=unique_name(),
            source_lang="en",
            target_lang="fr",
            actor=alice,
        )
        await session.commit()
    assert own.glossary.owner_id == alice.id
    async with shared_db.session() as session:
        with pytest.raises(PermissionDenied):
            await store.import_file(
                session,
                csv_bytes(ROWS),
                "g.csv",
                name=unique_name(),
                source_lang="en",
                target_lang="fr",
                owner_id=bob.id,
                actor=alice,
            )
    async with shared_db.session() as session:
        with pytest.raises(PermissionDenied):
            await store.import_file(
                session,
                csv_bytes(ROWS),
                "g.csv",
                name=own.glossary.name,
                mode="replace",
                actor=bob,
            )


async def test_entry_edits_are_audited_with_before_and_after(shared_db: Database) -> None:
    admin = await add_user(shared_db, f"admin-{unique_name()}@example.com", Role.ADMIN)
    name = await make(shared_db)
    async with shared_db.session() as session:
        entry = await store.add_entry(session, name, Entry("owl", "hibou"), actor=admin)
        await store.update_entry(session, entry.id, target_term="chouette", actor=admin)
        await store.delete_entry(session, entry.id, actor=admin)
        info = await store.get_glossary(session, name)
        await session.commit()
    async with shared_db.session() as session:
        rows = list(
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.target_id == str(info.id), AuditEntry.actor_id == admin.id)
                .order_by(AuditEntry.created_at)
            )
        )
    assert [row.action for row in rows] == [
        "glossary.entry_add",
        "glossary.entry_update",
        "glossary.entry_delete",
    ]
    assert rows[1].before is not None
    assert rows[1].after is not None
    assert rows[1].before["entry"]["target_term"] == "hibou"
    assert rows[1].after["entry"]["target_term"] == "chouette"
    assert rows[2].after is not None
    assert rows[2].after["entries"] == 2
    assert all(row.actor_email == admin.email for row in rows)
