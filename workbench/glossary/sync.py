"""Copies of glossaries kept at providers with native glossaries (DeepL), in step by checksum.

A provider whose ``glossary_support`` is NATIVE stores a glossary itself and applies it
by id (the :class:`~workbench.providers.glossary.GlossaryStore` protocol). Each copy is
recorded as a :class:`~workbench.db.models.GlossaryRemoteCopy` row for one content
checksum: :func:`native_spec` reuses the copy of the current checksum while the
provider still has it, makes one otherwise, and deletes the copies of older checksums.
:func:`delete_remote_copies` removes a glossary's copies before the glossary itself is
deleted; :func:`prune` removes our copies at a provider that no glossary's content
matches any more.

Invariants: a copy we create is recorded, or deleted again when recording fails (a
concurrent sync won the unique key, or the glossary was deleted meanwhile); a row is
removed only after its copy is gone at the provider. A row whose copy has vanished at
the provider (deleted on its side, or by a racing sync) is found out by the next sync,
which makes a new copy: every failure heals on the next use.

Transactions: the services take the caller's session and leave their writes for the
caller to commit, but no database lock is held while the provider is called. Each runs
in three steps:

1. read what it needs; when the session has no transaction open, in a transaction of
   its own that ends before step 2;
2. call the provider, with no transaction open;
3. write the rows in a new transaction (``BEGIN IMMEDIATE`` on SQLite) that the caller
   commits, which it should do at once: on SQLite it holds the write lock.

So call them with a session that has no transaction open (a fresh one, or one just
committed). Inside a transaction the caller already has open they still work, but that
transaction then stays open across the provider calls. A sync that loses the race for
the unique key ends the (then empty) write transaction it began before it deletes its
surplus copy at the provider.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts.audit import Actor
from workbench.config import Settings, get_settings
from workbench.db import begin_write
from workbench.db.integrity import violates_unique
from workbench.db.models import Glossary, GlossaryRemoteCopy
from workbench.errors import InvalidInput, NotFound, ProviderBadResponse
from workbench.glossary.store import GlossaryContent, GlossaryRef, load_content
from workbench.providers.base import Provider
from workbench.providers.glossary import GlossarySpec, GlossaryStore, GlossarySupport, GlossaryTerm
from workbench.providers.registry import PROVIDERS, get_provider

_UNIQUE_COPY = "uq_glossary_remote_copies_key"


def glossary_spec(content: GlossaryContent) -> GlossarySpec:
    """The value ``Provider.translate`` takes, for a glossary's entries (no remote copy)."""
    return GlossarySpec.build(
        (
            GlossaryTerm(entry.source_term, entry.target_term, entry.case_sensitive)
            for entry in content.entries
        ),
        source_lang=content.glossary.source_lang,
        target_lang=content.glossary.target_lang,
    )


async def native_spec(
    session: AsyncSession,
    glossary: GlossaryRef,
    provider: Provider,
    *,
    viewer: Actor | None = None,
) -> GlossarySpec:
    """The glossary's spec with ``remote_id`` naming the provider's copy of its content.

    Reuses the recorded copy for the current checksum if the provider still has it,
    otherwise creates one; copies of other checksums are deleted. An empty glossary
    gets no copy (``remote_id`` None: there is nothing to enforce). Raises NotFound if
    ``viewer`` cannot see the glossary, InvalidInput if the provider keeps no glossaries.
    """
    store = _glossary_store(provider)
    async with _reading(session):
        content = await load_content(session, glossary, viewer=viewer)
    spec = glossary_spec(content)
    glossary_id = content.glossary.id
    copies = [copy for copy in content.glossary.remote_copies if copy.provider == provider.name]
    stale = [copy.remote_id for copy in copies if copy.checksum != spec.checksum]
    kept = next((copy.remote_id for copy in copies if copy.checksum == spec.checksum), None)
    vanished: list[str] = []
    if kept is not None and not await _exists(store, kept):
        vanished, kept = [kept], None
    for remote_id in stale:
        await _delete_at_provider(store, remote_id)
    gone = [*stale, *vanished]
    if kept is not None or not spec.terms:
        await _forget(session, provider.name, gone, glossary_id)
        return spec.with_remote_id(kept)
    created = (await store.create_glossary(spec)).remote_id
    if created is None:
        raise ProviderBadResponse(provider.name, "a glossary was created without an id")
    used = await _record(session, store, provider.name, glossary_id, spec.checksum, created, gone)
    return spec.with_remote_id(used)


async def delete_remote_copies(
    session: AsyncSession, glossary_id: uuid.UUID, provider: Provider
) -> list[str]:
    """Delete the glossary's copies at ``provider`` and their rows; the remote ids.

    Call it before ``store.delete_glossary`` (the rows go with the glossary), after
    checking the actor may delete it; a copy already gone at the provider is fine.
    """
    store = _glossary_store(provider)
    async with _reading(session):
        remote_ids = list(
            await session.scalars(
                select(GlossaryRemoteCopy.remote_id).where(
                    GlossaryRemoteCopy.glossary_id == glossary_id,
                    GlossaryRemoteCopy.provider == provider.name,
                )
            )
        )
    for remote_id in remote_ids:
        await _delete_at_provider(store, remote_id)
    await _forget(session, provider.name, remote_ids, glossary_id)
    return remote_ids


async def delete_all_remote_copies(
    session: AsyncSession, glossary_id: uuid.UUID, settings: Settings | None = None
) -> list[str]:
    """Delete the glossary's copies at every configured provider that keeps glossaries.

    For deleting a glossary: call it first, in the same session, then delete the
    glossary. A provider that is no longer configured keeps its copies (``prune`` run
    once it is configured again removes them).
    """
    settings = settings or get_settings()
    removed: list[str] = []
    for name, cls in PROVIDERS.items():
        if cls.glossary_support is not GlossarySupport.NATIVE or not cls.is_configured(settings):
            continue
        async with get_provider(name, settings) as provider:
            removed += await delete_remote_copies(session, glossary_id, provider)
    return removed


async def prune(session: AsyncSession, provider: Provider) -> list[str]:
    """Delete our copies at ``provider`` whose content no stored glossary has; their ids.

    "Ours" are the copies named with a checksum (``remote_name``); the provider's other
    glossaries are left alone, and so are copies of a checksum some glossary has now.
    That catches copies of deleted glossaries and stale copies never synced again.
    """
    store = _glossary_store(provider)
    # Listed before the checksums are read: a copy made for a checksum that was current
    # then is current in what we read, or has gone stale since and may go.
    remote = await store.list_glossaries()
    async with _reading(session):
        current = set(await session.scalars(select(Glossary.checksum).distinct()))
    doomed = [
        copy.remote_id
        for copy in remote
        if copy.checksum is not None and copy.checksum not in current
    ]
    for remote_id in doomed:
        await _delete_at_provider(store, remote_id)
    await _forget(session, provider.name, doomed)
    return doomed


# --- helpers ---------------------------------------------------------------------------


def _glossary_store(provider: Provider) -> GlossaryStore:
    if provider.glossary_support is GlossarySupport.NATIVE and isinstance(provider, GlossaryStore):
        return provider
    raise InvalidInput(
        f"{provider.name} keeps no glossaries of its own "
        f"({provider.glossary_support.value} glossary support): pass the glossary to translate"
    )


@contextlib.asynccontextmanager
async def _reading(session: AsyncSession) -> AsyncIterator[None]:
    """A read that ends its transaction before the provider is called, if it began it."""
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        yield  # the caller's unit of work: read inside it
        return
    async with session.begin():
        yield


async def _writing(session: AsyncSession) -> bool:
    """Start a write transaction unless one is open; whether this call started it."""
    if session.in_transaction():
        return False
    await begin_write(session)
    return True


async def _exists(store: GlossaryStore, remote_id: str) -> bool:
    # The protocol has no look-up by id; listing is one request and carries no entries.
    return any(copy.remote_id == remote_id for copy in await store.list_glossaries())


async def _delete_at_provider(store: GlossaryStore, remote_id: str) -> None:
    with contextlib.suppress(NotFound):  # already gone is what we want
        await store.delete_glossary(remote_id)


async def _forget(
    session: AsyncSession,
    provider: str,
    remote_ids: Sequence[str],
    glossary_id: uuid.UUID | None = None,
) -> None:
    """Remove the rows of copies that are gone at the provider (of one glossary if given)."""
    if not remote_ids:
        return
    await _writing(session)
    statement = delete(GlossaryRemoteCopy).where(
        GlossaryRemoteCopy.provider == provider, GlossaryRemoteCopy.remote_id.in_(remote_ids)
    )
    if glossary_id is not None:
        statement = statement.where(GlossaryRemoteCopy.glossary_id == glossary_id)
    await session.execute(statement.execution_options(synchronize_session=False))


async def _record(
    session: AsyncSession,
    store: GlossaryStore,
    provider: str,
    glossary_id: uuid.UUID,
    checksum: str,
    remote_id: str,
    gone: Sequence[str],
) -> str:
    """Record the copy just created, and forget ``gone``; the remote id to translate with.

    If a concurrent sync recorded a copy of the same checksum first, its copy is used
    and ours deleted at the provider.
    """
    began = await _writing(session)
    try:
        async with session.begin_nested():
            # Before the insert: a vanished copy's row holds the same unique key.
            await _forget(session, provider, gone, glossary_id)
            session.add(
                GlossaryRemoteCopy(
                    glossary_id=glossary_id,
                    provider=provider,
                    checksum=checksum,
                    remote_id=remote_id,
                )
            )
            await session.flush()
    except IntegrityError as error:
        winner = None
        if violates_unique(error, GlossaryRemoteCopy, _UNIQUE_COPY):
            winner = await session.scalar(
                select(GlossaryRemoteCopy.remote_id).where(
                    GlossaryRemoteCopy.glossary_id == glossary_id,
                    GlossaryRemoteCopy.provider == provider,
                    GlossaryRemoteCopy.checksum == checksum,
                )
            )
        deleted = (
            winner is None
            and await session.scalar(select(Glossary.id).where(Glossary.id == glossary_id)) is None
        )
        if began:
            # The savepoint took our writes back: this ends an empty transaction (and so
            # the SQLite write lock) without expiring the caller's objects, as a rollback
            # would, before the provider is called.
            await session.commit()
        await _delete_at_provider(store, remote_id)
        if winner is not None:
            await _forget(session, provider, gone, glossary_id)
            return winner
        if deleted:
            raise NotFound(
                "the glossary was deleted while its copy was being made; nothing was kept"
            ) from error
        raise
    return remote_id
