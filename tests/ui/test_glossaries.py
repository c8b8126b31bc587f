"""The Glossaries dashboard, driven as an admin and a translator would, on a real database."""

from __future__ import annotations

import html
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from tests.accounts.support import add_user
from tests.attacks import input_bombs as bombs
from tests.glossary.support import csv_bytes, database_state, entries_of, xlsx_bytes
from tests.ui.conftest import TRANSLATOR_EMAIL, click, context_for, opened
from workbench.db import Database
from workbench.db.models import AuditEntry, Glossary, GlossaryRemoteCopy, Role, User
from workbench.errors import InvalidInput
from workbench.glossary import store
from workbench.glossary.store import GlossaryAction
from workbench.ui.context import Context
from workbench.ui.glossaries import PAGE_SIZE, GlossariesPage, export_url

HEADER = ("source_term", "target_term", "source_lang", "target_lang")


def rows(*pairs: tuple[str, str]) -> list[tuple[str, ...]]:
    return [HEADER, *((source, target, "en", "fr") for source, target in pairs)]


def choose_file(page: GlossariesPage, data: bytes, filename: str) -> None:
    """What the browser's file picker leaves in the FileUpload widget."""
    page.upload.value = (
        {
            "name": filename,
            "type": "text/csv",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": datetime.now(UTC),
        },
    )


async def seed(
    db: Database,
    name: str,
    pairs: list[tuple[str, str]],
    *,
    owner_id: uuid.UUID | None = None,
) -> store.ImportResult:
    async with db.session() as session:
        result = await store.import_file(
            session, csv_bytes(rows(*pairs)), f"{name}.csv", name=name, owner_id=owner_id
        )
        await session.commit()
        return result


async def audit_actions(db: Database, actor_id: uuid.UUID) -> list[str]:
    async with db.session() as session:
        found = await session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.actor_id == actor_id)
            .order_by(AuditEntry.created_at)
        )
        return list(found)


def grid_column(page: GlossariesPage, column: str) -> list[Any]:
    return list(page.grid._data["data"][column])


# --- the list ---------------------------------------------------------------------------


async def test_the_list_shows_languages_entries_and_the_deepl_sync_state(
    ctx: Context, db: Database
) -> None:
    synced = await seed(db, "Legal", [("contract", "contrat"), ("court", "tribunal")])
    stale = await seed(db, "Medical", [("heart", "cœur")])
    await seed(db, "Travel", [("train", "train")])
    async with db.session() as session:
        session.add_all(
            [
                GlossaryRemoteCopy(
                    glossary_id=synced.glossary.id,
                    provider="deepl",
                    checksum=synced.glossary.checksum,
                    remote_id="remote-legal",
                ),
                GlossaryRemoteCopy(
                    glossary_id=stale.glossary.id,
                    provider="deepl",
                    checksum="0" * 64,
                    remote_id="remote-medical",
                ),
            ]
        )
        await session.commit()

    page = await opened(GlossariesPage, ctx)

    table = page.table.value
    assert 'class="wb-table wb-glossaries-table"' in table
    legal, medical, travel = table.split("<td>Legal</td>")[1], "", ""
    medical = table.split("<td>Medical</td>")[1]
    travel = table.split("<td>Travel</td>")[1]
    assert "<td>en → fr</td>" in legal
    assert "<td>2</td>" in legal.split("</tr>")[0]
    assert "<td>Synced</td>" in legal.split("</tr>")[0]
    assert "<td>Stale</td>" in medical.split("</tr>")[0]
    assert "<td>Not synced</td>" in travel.split("</tr>")[0]
    assert "<td>Shared</td>" in legal.split("</tr>")[0]
    assert [label for label, _ in page.select.options] == ["Legal", "Medical", "Travel"]
    assert page.select.value == synced.glossary.id
    assert grid_column(page, "Source term") == ["contract", "court"]


# --- upload -----------------------------------------------------------------------------


async def test_a_bad_csv_lists_every_problem_by_line_and_saves_nothing(
    ctx: Context, db: Database
) -> None:
    page = await opened(GlossariesPage, ctx)
    before = await database_state(db)
    bad = csv_bytes(
        [
            HEADER,
            ("contract", "contrat", "en", "fr"),  # line 2
            ("court", "", "en", "fr"),  # line 3: no target
            ("judge", "juge", "en", "fr"),  # line 4
            ("contract", "accord", "en", "fr"),  # line 5: line 2's term, another target
            ("=SUM(A1)", "somme", "en", "fr"),  # line 6: a formula
        ]
    )
    choose_file(page, bad, "legal.csv")
    assert page.name.value == "legal"

    await click(page, page.check)

    assert page.status.kind == "error"
    preview = page.preview.value
    assert '<ul class="wb-glossaries-problems">' in preview
    problems = preview.split("<li>")[1:]
    assert len(problems) == 3
    assert problems[0].startswith("line 3: target_term is empty")
    assert problems[1].startswith("line 5: source_term &#x27;contract&#x27; is also on line 2")
    assert problems[2].startswith("line 6:")
    assert page.save.disabled

    page.save.disabled = False  # even if Save is forced, an unchecked file is not saved
    await click(page, page.save)
    assert page.status.kind == "error"
    assert await database_state(db) == before


async def test_a_zip_bomb_is_refused_at_the_check_in_one_line(ctx: Context, db: Database) -> None:
    page = await opened(GlossariesPage, ctx)
    before = await database_state(db)
    choose_file(page, bombs.inflating_xlsx(60 * bombs.MIB), "packed.xlsx")
    await click(page, page.check)
    assert page.status.kind == "error"
    problems = html.unescape(page.preview.value).split("<li>")[1:]
    assert len(problems) == 1
    assert problems[0].startswith("packed.xlsx: this XLSX file's part xl/worksheets/sheet1.xml")
    assert "(WORKBENCH_MAX_COMPRESSION_RATIO)</li>" in problems[0]
    assert page.save.disabled
    assert await database_state(db) == before


async def test_a_good_csv_is_previewed_without_saving_then_saved_and_audited(
    ctx: Context, db: Database, admin: User
) -> None:
    page = await opened(GlossariesPage, ctx)
    assert "No glossary yet" in page.table.value
    good = csv_bytes(rows(("contract", "contrat"), ("court", "tribunal"), ("judge", "juge")))
    choose_file(page, good, "legal.csv")
    page.name.value = "Legal terms"

    await click(page, page.check)

    assert page.status.kind == "ok", page.status.message
    assert "entries: 3" in page.status.message
    assert 'class="wb-table wb-glossaries-sample"' in page.preview.value
    assert "<td>3</td><td>court</td><td>tribunal</td>" in page.preview.value  # its line
    assert page.languages.layout.display == "none"  # the file has its languages
    assert not page.save.disabled
    async with db.session() as session:
        assert await store.list_glossaries(session) == []

    await click(page, page.save)

    assert page.status.kind == "ok", page.status.message
    assert await entries_of(db, "Legal terms") == [
        ("contract", "contrat", False, ""),
        ("court", "tribunal", False, ""),
        ("judge", "juge", False, ""),
    ]
    assert await audit_actions(db, admin.id) == [GlossaryAction.CREATE.value]
    assert page.save.disabled  # saved once; a second import needs a new check
    assert "<td>Legal terms</td>" in page.table.value
    assert page.select.label == "Legal terms"
    assert grid_column(page, "Target term") == ["contrat", "tribunal", "juge"]


async def test_a_file_without_languages_asks_for_them(ctx: Context, db: Database) -> None:
    page = await opened(GlossariesPage, ctx)
    choose_file(page, csv_bytes([("source_term", "target_term"), ("Haus", "house")]), "h.csv")

    await click(page, page.check)

    assert page.status.kind == "ok", page.status.message
    assert page.languages.layout.display == "flex"
    assert "no language columns" in page.preview.value

    await click(page, page.save)  # a new glossary needs its languages
    assert page.status.kind == "error"
    async with db.session() as session:
        assert await store.list_glossaries(session) == []

    page.source_lang.value, page.target_lang.value = "de", "en"
    await click(page, page.save)

    assert page.status.kind == "ok", page.status.message
    async with db.session() as session:
        info = await store.get_glossary(session, "h")
    assert (info.source_lang, info.target_lang, info.entry_count) == ("de", "en", 1)


async def test_replace_and_merge_modes(ctx: Context, db: Database) -> None:
    await seed(db, "Legal", [("contract", "contrat"), ("court", "tribunal")])
    page = await opened(GlossariesPage, ctx)

    choose_file(page, csv_bytes(rows(("court", "cour"), ("judge", "juge"))), "update.csv")
    page.mode.value = "merge"
    assert page.name.value == "Legal"  # the selected glossary
    await click(page, page.check)
    await click(page, page.save)

    assert page.status.kind == "ok", page.status.message
    assert "1 added, 1 changed, 0 unchanged" in page.status.message
    assert await entries_of(db, "Legal") == [
        ("contract", "contrat", False, ""),
        ("court", "cour", False, ""),
        ("judge", "juge", False, ""),
    ]

    spreadsheet = xlsx_bytes([HEADER, ("law", "loi", "en", "fr")])
    choose_file(page, spreadsheet, "replace.xlsx")
    page.mode.value = "replace"
    await click(page, page.check)
    assert "<th>Row</th>" in page.preview.value
    await click(page, page.save)

    assert page.status.kind == "ok", page.status.message
    assert "3 removed" in page.status.message
    assert await entries_of(db, "Legal") == [("law", "loi", False, "")]
    assert grid_column(page, "Source term") == ["law"]

    # replacing a glossary that does not exist changes nothing
    before = await database_state(db)
    choose_file(page, spreadsheet, "replace.xlsx")
    page.name.value = "Nothing like it"
    await click(page, page.check)
    await click(page, page.save)
    assert page.status.kind == "error"
    assert "no glossary named" in page.status.message
    assert await database_state(db) == before


# --- the grid ---------------------------------------------------------------------------


async def test_an_edited_cell_is_saved_and_audited(ctx: Context, db: Database, admin: User) -> None:
    await seed(db, "Legal", [("contract", "contrat"), ("court", "tribunal")])
    page = await opened(GlossariesPage, ctx)
    assert page.grid.editable

    # the message the browser's grid sends when a cell is edited (column 1: the target)
    page.grid._handle_custom_msg(
        {"event_type": "cell-changed", "row": 1, "column_index": 1, "value": "cour"}, []
    )
    await page.tasks.idle()

    assert page.status.kind == "ok", page.status.message
    assert await entries_of(db, "Legal") == [
        ("contract", "contrat", False, ""),
        ("court", "cour", False, ""),
    ]
    assert await audit_actions(db, admin.id) == [GlossaryAction.ENTRY_UPDATE.value]

    # through the grid's own API, which calls the same handlers
    page.grid.set_cell_value_by_index("Case sensitive", 0, True)
    page.grid.set_cell_value_by_index("Note", 0, "  civil law  ")
    await page.tasks.idle()

    assert await entries_of(db, "Legal") == [
        ("contract", "contrat", True, "civil law"),
        ("court", "cour", False, ""),
    ]
    assert grid_column(page, "Note")[0] == "civil law"  # as stored
    assert len(await audit_actions(db, admin.id)) == 3


async def test_a_refused_cell_edit_is_reverted(ctx: Context, db: Database) -> None:
    await seed(db, "Legal", [("contract", "contrat"), ("court", "tribunal")])
    page = await opened(GlossariesPage, ctx)
    before = await database_state(db)

    page.grid.set_cell_value_by_index("Source term", 1, "contract")  # already a term
    await page.tasks.idle()

    assert page.status.kind == "error"
    assert "already has the source term" in page.status.message
    assert grid_column(page, "Source term") == ["contract", "court"]
    page.grid.set_cell_value_by_index("Target term", 0, "   ")  # empty
    await page.tasks.idle()
    assert page.status.kind == "error"
    assert grid_column(page, "Target term") == ["contrat", "tribunal"]
    assert await database_state(db) == before


async def test_search_and_paging_over_250_entries(ctx: Context, db: Database) -> None:
    await seed(db, "Big", [(f"term-{n:03}", f"terme-{n:03}") for n in range(250)])
    page = await opened(GlossariesPage, ctx)

    assert len(grid_column(page, "Source term")) == PAGE_SIZE
    assert "Page 1 of 3" in page.page_label.value
    assert "Entries: 250" in page.page_label.value
    assert page.previous.disabled
    assert not page.next.disabled

    await click(page, page.next)
    assert grid_column(page, "Source term")[0] == "term-100"
    await click(page, page.next)
    assert grid_column(page, "Source term") == [f"term-{n:03}" for n in range(200, 250)]
    assert page.next.disabled
    assert not page.previous.disabled
    assert list(page.grid._data["data"]["#"])[:2] == [201, 202]

    page.search.value = "TERME-12"  # either term, any case
    await page.tasks.idle()
    assert grid_column(page, "Source term") == [f"term-{n:03}" for n in range(120, 130)]
    assert "Entries: 10" in page.page_label.value
    assert page.next.disabled
    assert page.previous.disabled

    # an edit on a searched page goes to the right entry
    page.grid.set_cell_value_by_index("Target term", 3, "changed")
    await page.tasks.idle()
    assert ("term-123", "changed", False, "") in await entries_of(db, "Big")


async def test_adding_and_deleting_an_entry(ctx: Context, db: Database, admin: User) -> None:
    await seed(db, "Legal", [("contract", "contrat"), ("court", "tribunal")])
    page = await opened(GlossariesPage, ctx)

    page.new_source.value, page.new_target.value = "judge", "juge"
    page.new_case.value = True
    await click(page, page.add)
    assert page.status.kind == "ok", page.status.message
    assert ("judge", "juge", True, "") in await entries_of(db, "Legal")
    assert grid_column(page, "Source term") == ["contract", "court", "judge"]

    page.new_source.value, page.new_target.value = "court", "cour"  # a duplicate
    await click(page, page.add)
    assert page.status.kind == "error"
    assert len(await entries_of(db, "Legal")) == 3

    # the user clicks "court" in the grid: the browser syncs the selection
    page.grid.selections = [{"r1": 1, "c1": 0, "r2": 1, "c2": 0}]
    assert page.entry.label == "court → tribunal"
    page.delete_entry.click()
    assert page.delete_entry_row.layout.display == "flex"
    assert "court → tribunal" in page.delete_entry_row.children[0].value
    await click(page, page.delete_entry_yes)

    assert page.status.kind == "ok", page.status.message
    assert await entries_of(db, "Legal") == [
        ("contract", "contrat", False, ""),
        ("judge", "juge", True, ""),
    ]
    assert await audit_actions(db, admin.id) == [
        GlossaryAction.ENTRY_ADD.value,
        GlossaryAction.ENTRY_DELETE.value,
    ]


async def test_export_links_and_deleting_a_glossary(
    ctx: Context, db: Database, admin: User
) -> None:
    legal = await seed(db, "Legal", [("contract", "contrat")])
    await seed(db, "Medical", [("heart", "cœur")])
    page = await opened(GlossariesPage, ctx)

    await click(page, page.export_xlsx)
    url = f"/workbench/download/glossary/{legal.glossary.id}.xlsx"
    assert url == export_url(legal.glossary.id, "xlsx")
    assert f'<a href="{url}" download class="wb-glossaries-export-xlsx">' in page.export_link.value
    await click(page, page.export_csv)
    assert 'class="wb-glossaries-export-csv"' in page.export_link.value
    assert export_url(str(legal.glossary.id), "csv").endswith(f"{legal.glossary.id}.csv")
    with pytest.raises(InvalidInput):
        export_url(legal.glossary.id, "pdf")

    page.delete_glossary.click()
    assert page.delete_glossary_row.layout.display == "flex"
    assert "Legal" in page.delete_glossary_row.children[0].value
    await click(page, page.delete_glossary_yes)

    assert page.status.kind == "ok", page.status.message
    async with db.session() as session:
        assert await session.scalar(select(Glossary.name)) == "Medical"
    assert "Legal" not in page.table.value
    assert page.select.label == "Medical"
    assert await audit_actions(db, admin.id) == [GlossaryAction.DELETE.value]


# --- who sees what ----------------------------------------------------------------------


async def test_a_translator_sees_shared_glossaries_and_their_own(
    translator_ctx: Context, db: Database, translator: User
) -> None:
    other = await add_user(db, "other@example.com", role=Role.TRANSLATOR)
    await seed(db, "Shared", [("contract", "contrat")])
    await seed(db, "Mine", [("court", "tribunal")], owner_id=translator.id)
    await seed(db, "Theirs", [("judge", "juge")], owner_id=other)
    page = await opened(GlossariesPage, translator_ctx)

    assert [label for label, _ in page.select.options] == ["Mine", "Shared"]
    assert "Theirs" not in page.table.value
    assert TRANSLATOR_EMAIL in page.table.value
    # the shared glossary can be read, not changed
    page.select.value = next(value for label, value in page.select.options if label == "Shared")
    await page.tasks.idle()
    assert not page.grid.editable
    assert page.add.disabled
    assert page.delete_glossary.disabled
    assert "not change it" in page.details.value
    before = await database_state(db)
    page.grid.set_cell_value_by_index("Target term", 0, "accord")
    await page.tasks.idle()
    assert page.status.kind == "error"
    assert grid_column(page, "Target term") == ["contrat"]
    assert await database_state(db) == before

    # an uploaded glossary is the translator's own
    choose_file(page, csv_bytes(rows(("law", "loi"))), "law.csv")
    await click(page, page.check)
    await click(page, page.save)
    assert page.status.kind == "ok", page.status.message
    async with db.session() as session:
        owner = await session.scalar(select(Glossary.owner_id).where(Glossary.name == "law"))
    assert owner == translator.id
    assert page.grid.editable
    assert not page.add.disabled


# --- French -----------------------------------------------------------------------------


async def test_the_page_in_french(db: Database, admin: User) -> None:
    await seed(db, "Juridique", [("contract", "contrat")])
    page = await opened(GlossariesPage, await context_for(db, admin.email, "fr"))

    assert page.check.description == "Vérifier le fichier"
    assert page.save.description == "Enregistrer"
    assert page.add.description == "Ajouter l’entrée"
    assert page.search.description == "Rechercher"
    assert page.mode.options[0][0] == "Créer un nouveau glossaire"
    assert "<th>Dernière modification</th>" in page.table.value
    assert "<td>Non synchronisé</td>" in page.table.value
    assert grid_column(page, "Terme source") == ["contract"]
    assert "Page 1 sur 1" in page.page_label.value
