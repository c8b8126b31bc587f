"""Native glossary copies at DeepL, kept in step by checksum, against the fake DeepL API.

Every test talks to the fake over loopback HTTP through the real DeepL provider, and
reads the recorded copies back from the database (SQLite and PostgreSQL).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import URL

from tests.glossary.support import csv_bytes, import_bytes, unique_name
from tests.providers.conftest import DEEPL_KEY, make_provider
from tests.providers.fakes.deepl_api import FakeDeepL
from tests.providers.fakes.server import Received, Reply
from workbench.config import Settings
from workbench.db import Database
from workbench.db.models import GlossaryRemoteCopy
from workbench.errors import InvalidInput, NotFound
from workbench.glossary import store, sync
from workbench.glossary.store import Entry
from workbench.providers import GlossarySpec, Provider, get_provider
from workbench.providers.deepl import DeepLProvider

pytestmark = pytest.mark.timeout(60)

Edit = Callable[[Database, str], Awaitable[None]]
Hook = Callable[[Received], object]


async def make(db: Database, *rows: tuple[str, str]) -> store.GlossaryInfo:
    """An en→de glossary whose content no other glossary in the shared database has."""
    name = unique_name()
    content = [("Workbench", "Werkbank"), ("job", "Auftrag"), (name, name.upper()), *rows]
    result = await import_bytes(
        db,
        csv_bytes([("source_term", "target_term"), *content]),
        "g.csv",
        name=name,
        source_lang="en",
        target_lang="de",
    )
    return result.glossary


async def synced(db: Database, glossary: uuid.UUID | str, provider: Provider) -> GlossarySpec:
    async with db.session() as session:
        spec = await sync.native_spec(session, glossary, provider)
        await session.commit()
    return spec


async def copies(db: Database, glossary_id: uuid.UUID) -> list[tuple[str, str]]:
    """The recorded copies of a glossary: (checksum, remote id)."""
    async with db.session() as session:
        rows = await session.execute(
            select(GlossaryRemoteCopy.checksum, GlossaryRemoteCopy.remote_id)
            .where(GlossaryRemoteCopy.glossary_id == glossary_id)
            .order_by(GlossaryRemoteCopy.created_at)
        )
        return [(checksum, remote_id) for checksum, remote_id in rows]


def deletes(fake: FakeDeepL) -> list[str]:
    return [request.path for request in fake.requests(method="DELETE")]


async def test_a_copy_is_created_once_and_reused_for_the_same_content(
    shared_db: Database, deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    glossary = await make(shared_db)

    first = await synced(shared_db, glossary.name, deepl)
    second = await synced(shared_db, glossary.id, deepl)

    assert len(deepl_fake.requests("/v2/glossaries", "POST")) == 1
    assert first.remote_id is not None
    assert second == first
    assert first.checksum == glossary.checksum
    remote = deepl_fake.glossaries[first.remote_id]
    assert (remote["name"], remote["source_lang"], remote["target_lang"]) == (
        f"workbench-{glossary.checksum}",
        "en",
        "de",
    )
    assert remote["entries"] == {term.source: term.target for term in first.terms}
    assert await copies(shared_db, glossary.id) == [(glossary.checksum, first.remote_id)]
    async with shared_db.session() as session:
        info = await store.get_glossary(session, glossary.id)
    (shown,) = info.remote_copies
    assert (shown.provider, shown.remote_id, shown.current) == ("deepl", first.remote_id, True)


async def edit_by_adding_an_entry(db: Database, name: str) -> None:
    async with db.session() as session:
        await store.add_entry(session, name, Entry("owl", "Eule"))
        await session.commit()


async def edit_by_replacing_the_entries(db: Database, name: str) -> None:
    rows = [("source_term", "target_term"), ("job", "Aufgabe"), (name, name)]
    await import_bytes(db, csv_bytes(rows), "g.csv", name=name, mode="replace")


@pytest.mark.parametrize("edit", [edit_by_adding_an_entry, edit_by_replacing_the_entries])
async def test_an_edit_gets_a_new_copy_and_the_old_one_is_deleted(
    shared_db: Database, deepl_fake: FakeDeepL, deepl: DeepLProvider, edit: Edit
) -> None:
    glossary = await make(shared_db)
    old = await synced(shared_db, glossary.id, deepl)
    await edit(shared_db, glossary.name)

    new = await synced(shared_db, glossary.id, deepl)

    async with shared_db.session() as session:
        edited = await store.get_glossary(session, glossary.id)
    assert new.checksum == edited.checksum != old.checksum
    assert new.remote_id not in (None, old.remote_id)
    assert set(deepl_fake.glossaries) == {new.remote_id}
    assert deletes(deepl_fake) == [f"/v2/glossaries/{old.remote_id}"]
    assert await copies(shared_db, glossary.id) == [(edited.checksum, new.remote_id)]
    assert len(deepl_fake.requests("/v2/glossaries", "POST")) == 2


async def test_a_copy_deleted_at_deepl_is_made_again(
    shared_db: Database, deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    glossary = await make(shared_db)
    first = await synced(shared_db, glossary.id, deepl)
    assert first.remote_id is not None
    del deepl_fake.glossaries[first.remote_id]  # someone deleted it in DeepL's account

    again = await synced(shared_db, glossary.id, deepl)

    assert again.remote_id not in (None, first.remote_id)
    assert set(deepl_fake.glossaries) == {again.remote_id}
    assert await copies(shared_db, glossary.id) == [(glossary.checksum, again.remote_id)]
    assert deletes(deepl_fake) == []  # nothing left to delete


async def test_translation_uses_the_synced_copy_with_a_source_language(
    shared_db: Database, deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    glossary = await make(shared_db)
    spec = await synced(shared_db, glossary.id, deepl)

    result = await deepl.translate(["Start the Workbench job"], target="de", glossary=spec)

    ((_, remote_id),) = await copies(shared_db, glossary.id)
    body = deepl_fake.requests("/v2/translate")[-1].json()
    assert body["glossary_id"] == remote_id
    assert body["source_lang"] == "EN"
    assert result == ["<de>Start the Werkbank Auftrag"]


async def test_deleting_a_glossary_deletes_its_remote_copies(
    shared_db: Database, deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    glossary = await make(shared_db)
    spec = await synced(shared_db, glossary.id, deepl)
    other = await make(shared_db)
    kept = await synced(shared_db, other.id, deepl)

    async with shared_db.session() as session:
        removed = await sync.delete_remote_copies(session, glossary.id, deepl)
        assert (await store.get_glossary(session, glossary.id)).remote_copies == ()
        await store.delete_glossary(session, glossary.id)
        await session.commit()

    assert removed == [spec.remote_id]
    assert deletes(deepl_fake) == [f"/v2/glossaries/{spec.remote_id}"]
    assert set(deepl_fake.glossaries) == {kept.remote_id}
    assert await copies(shared_db, glossary.id) == []
    assert await copies(shared_db, other.id) == [(other.checksum, kept.remote_id)]


async def test_deleting_everywhere_uses_every_configured_native_provider(
    shared_db: Database, deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    glossary = await make(shared_db)
    spec = await synced(shared_db, glossary.id, deepl)
    unconfigured = Settings()  # no DEEPL_AUTH_KEY: its copies stay where they are
    configured = Settings(DEEPL_AUTH_KEY=DEEPL_KEY, WORKBENCH_DEEPL_URL=deepl_fake.url)
    async with shared_db.session() as session:
        assert await sync.delete_all_remote_copies(session, glossary.id, unconfigured) == []
        removed = await sync.delete_all_remote_copies(session, glossary.id, configured)
        await session.commit()
    assert removed == [spec.remote_id]
    assert deletes(deepl_fake) == [f"/v2/glossaries/{spec.remote_id}"]
    assert await copies(shared_db, glossary.id) == []


class HookedDeepL(FakeDeepL):
    """The fake DeepL, calling ``hook`` (in its server thread) before each answer."""

    def __init__(self, hook: Hook) -> None:
        super().__init__(DEEPL_KEY)
        self.hook = hook

    def handle(self, request: Received) -> Reply:
        self.hook(request)
        return super().handle(request)


@contextlib.asynccontextmanager
async def serving(hook: Hook) -> AsyncIterator[tuple[HookedDeepL, Provider]]:
    """A hooked fake DeepL and a provider talking to it."""
    fake = HookedDeepL(hook)
    fake.start()
    provider = make_provider("deepl", fake)
    try:
        yield fake, provider
    finally:
        await provider.aclose()
        fake.stop()


def creating(request: Received) -> bool:
    return request.method == "POST" and request.path == "/v2/glossaries"


@pytest.mark.usefixtures("loopback_only")
async def test_concurrent_syncs_keep_one_copy(shared_db: Database) -> None:
    glossary = await make(shared_db)
    both = threading.Barrier(2, timeout=5)
    free: list[bool] = []

    def meet(request: Received) -> None:
        if creating(request):
            both.wait()  # DeepL answers neither worker until both have asked for a copy
        if request.method == "DELETE":
            free.append(writable(shared_db.url))

    async with serving(meet) as (fake, deepl):
        other_worker = make_provider("deepl", fake)
        try:
            first, second = await asyncio.gather(
                synced(shared_db, glossary.id, deepl), synced(shared_db, glossary.id, other_worker)
            )
        finally:
            await other_worker.aclose()

    recorded = await copies(shared_db, glossary.id)
    assert recorded == [(glossary.checksum, first.remote_id)]
    assert second.remote_id == first.remote_id
    assert len(fake.requests("/v2/glossaries", "POST")) == 2
    assert set(fake.glossaries) == {first.remote_id}  # the loser deleted its copy
    assert free == [True]  # after ending its transaction: no lock held meanwhile


@pytest.mark.usefixtures("loopback_only")
async def test_a_glossary_deleted_while_its_copy_is_made_leaves_no_copy(
    shared_db: Database,
) -> None:
    glossary = await make(shared_db)
    asked, answer = threading.Event(), threading.Event()

    def hold(request: Received) -> None:
        if creating(request):
            asked.set()
            answer.wait(5)

    async with serving(hold) as (fake, deepl):
        syncing = asyncio.create_task(synced(shared_db, glossary.id, deepl))
        assert await asyncio.to_thread(asked.wait, 5)
        async with shared_db.session() as session:
            await store.delete_glossary(session, glossary.id)
            await session.commit()
        answer.set()
        with pytest.raises(NotFound, match="deleted while its copy was being made"):
            await syncing

    assert fake.glossaries == {}
    assert len(deletes(fake)) == 1
    assert await copies(shared_db, glossary.id) == []


async def test_a_glossary_emptied_keeps_no_copy(
    shared_db: Database, deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    glossary = await make(shared_db)
    old = await synced(shared_db, glossary.id, deepl)
    async with shared_db.session() as session:
        page = await store.entries_page(session, glossary.id)
        for entry in page.entries:
            await store.delete_entry(session, entry.id)
        await session.commit()

    spec = await synced(shared_db, glossary.id, deepl)

    assert (spec.terms, spec.remote_id) == ((), None)
    assert deepl_fake.glossaries == {}
    assert deletes(deepl_fake) == [f"/v2/glossaries/{old.remote_id}"]
    assert await copies(shared_db, glossary.id) == []
    assert len(deepl_fake.requests("/v2/glossaries", "POST")) == 1


async def test_prune_deletes_copies_no_glossary_matches(
    shared_db: Database, deepl_fake: FakeDeepL, deepl: DeepLProvider
) -> None:
    current = await make(shared_db)
    current_copy = await synced(shared_db, current.id, deepl)
    gone = await make(shared_db)
    gone_copy = await synced(shared_db, gone.id, deepl)
    edited = await make(shared_db)
    stale_copy = await synced(shared_db, edited.id, deepl)
    async with shared_db.session() as session:
        await store.delete_glossary(session, gone.id)  # without deleting its copy
        await store.add_entry(session, edited.id, Entry("owl", "Eule"))  # not synced again
        await session.commit()
    # A glossary someone made in the DeepL account by hand is not ours to delete.
    deepl_fake.glossaries["team"] = {
        **deepl_fake.glossaries[str(current_copy.remote_id)],
        "glossary_id": "team",
        "name": "Team terms",
    }

    async with shared_db.session() as session:
        pruned = await sync.prune(session, deepl)
        await session.commit()

    assert len(pruned) == 2
    assert set(pruned) == {gone_copy.remote_id, stale_copy.remote_id}
    assert set(deepl_fake.glossaries) == {current_copy.remote_id, "team"}
    assert await copies(shared_db, edited.id) == []
    assert await copies(shared_db, current.id) == [(current.checksum, current_copy.remote_id)]


async def test_only_providers_with_native_glossaries_keep_copies(shared_db: Database) -> None:
    glossary = await make(shared_db)
    async with get_provider("pseudo", Settings()) as pseudo, shared_db.session() as session:
        with pytest.raises(InvalidInput, match="pseudo keeps no glossaries"):
            await sync.native_spec(session, glossary.id, pseudo)


# --- no lock is held while DeepL is called ----------------------------------------------


def writable(url: URL) -> bool:
    """Whether another connection could write now: no transaction holds a lock."""
    if url.get_backend_name() == "sqlite":
        connection = sqlite3.connect(str(url.database), timeout=0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")  # fails at once if a writer holds the lock
            connection.execute("ROLLBACK")
        except sqlite3.OperationalError:
            return False
        finally:
            connection.close()
        return True

    async def open_transactions() -> int:
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        connection = await asyncpg.connect(dsn)
        try:
            count = await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%'"
            )
        finally:
            await connection.close()
        return int(count)

    return asyncio.run(open_transactions()) == 0


@pytest.mark.usefixtures("loopback_only")
async def test_no_transaction_is_open_while_deepl_is_called(shared_db: Database) -> None:
    free: list[bool] = []

    def watch(request: Received) -> None:
        if request.path.startswith("/v2/glossaries"):
            free.append(writable(shared_db.url))

    async with serving(watch) as (_fake, deepl):
        glossary = await make(shared_db)
        await synced(shared_db, glossary.id, deepl)  # create
        await synced(shared_db, glossary.id, deepl)  # list, reuse
        await edit_by_adding_an_entry(shared_db, glossary.name)
        await synced(shared_db, glossary.id, deepl)  # delete the stale copy, create
        async with shared_db.session() as session:
            await sync.prune(session, deepl)  # list
            await sync.delete_remote_copies(session, glossary.id, deepl)  # delete
            await session.commit()

    assert len(free) == 6
    assert all(free)
