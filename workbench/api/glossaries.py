"""The key owner's workbench glossaries, as the API's glossary endpoints use them.

A key reaches the glossaries its owner may *use*: their own and the shared ones (no
owner). That holds for an admin's key too: the API is not the admins' console, so an
admin's key sees no one else's private glossary. Another user's private glossary is
answered exactly as a missing one (404, the same message), so an id tells nothing.

A key changes only its owner's glossaries: a glossary is created owned by the key's
owner (never shared), through the glossary store's import, and audited as the owner; a
shared glossary cannot be deleted through the API (403), whoever the owner is.

Entries come as DeepL sends them: TSV (``source<TAB>target`` per line) or CSV
(``source,target[,source_lang,target_lang]``), bounded in size and lines before they
are read; a bad line is a 400 naming its line.
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts.audit import Actor
from workbench.api.auth import Caller
from workbench.api.errors import RequestTooLarge
from workbench.db import Database, begin_write
from workbench.db.models import User
from workbench.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from workbench.glossary.rules import MAX_ENTRIES
from workbench.glossary.store import (
    GlossaryInfo,
    ImportMode,
    delete_glossary,
    entries_frame,
    get_glossary,
    import_file,
    list_glossaries,
)
from workbench.providers.languages import primary_subtag

MAX_ENTRIES_BYTES = 10 * 1024 * 1024  # DeepL's limit for a glossary's entries
MAX_PROBLEMS_SHOWN = 5  # of a bad entries text, in the one-line message
ENTRIES_FORMATS = {"tsv": "\t", "csv": ","}
_TSV_BREAKS = re.compile("\r\n|[\t\r\n]")


def glossary_id(value: str) -> uuid.UUID:
    """A glossary id as a client writes it, else 400."""
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise InvalidInput(f"Value for 'glossary_id' is not an id: {value[:40]!r}") from None


def not_found(ref: uuid.UUID) -> NotFound:
    """The one answer for a glossary that is missing or someone else's private one."""
    return NotFound(f"Glossary not found: no glossary {ref} is yours or shared")


def deepl_lang(code: str) -> str:
    """A glossary language as DeepL writes it: its language alone, lower case (``en``)."""
    return primary_subtag(code).lower()


async def _actor(db: Database, caller: Caller) -> Actor:
    async with db.session() as session:
        return Actor.of(await session.get_one(User, caller.user_id))


def _usable(info: GlossaryInfo, caller: Caller) -> bool:
    return info.owner_id is None or info.owner_id == caller.user_id


async def create(
    db: Database,
    caller: Caller,
    *,
    name: str,
    source_lang: str,
    target_lang: str,
    entries: str,
    entries_format: str,
) -> GlossaryInfo:
    """A new glossary of ``caller``'s owner from DeepL-style ``entries``; the languages
    are codes the workbench writes (``en``, ``pt-BR``)."""
    fmt = entries_format.strip().lower()
    if fmt not in ENTRIES_FORMATS:
        raise InvalidInput(
            f"Value for 'entries_format' not supported: {fmt[:20]!r}; use tsv or csv"
        )
    data = entries.encode("utf-8", errors="surrogatepass")
    if len(data) > MAX_ENTRIES_BYTES:
        raise RequestTooLarge(
            f"the entries are {len(data) / 2**20:.1f} MiB; a glossary takes at most "
            f"{MAX_ENTRIES_BYTES // 2**20} MiB of entries (split it)"
        )
    if entries.count("\n") > MAX_ENTRIES:
        raise RequestTooLarge(f"a glossary takes at most {MAX_ENTRIES:,} entries; split it")
    actor = await _actor(db, caller)
    async with db.session() as session:
        try:
            result = await import_file(
                session,
                data,
                f"entries.{fmt}",
                name=name,
                mode=ImportMode.CREATE,
                source_lang=source_lang,
                target_lang=target_lang,
                owner_id=caller.user_id,
                actor=actor,
                delimiter=ENTRIES_FORMATS[fmt],
            )
        except InvalidInput as error:
            raise _one_line(error) from None
        except AlreadyExists:
            raise AlreadyExists(
                f"a glossary named {name.strip()!r} already exists (names are unique in the "
                "workbench); choose another name"
            ) from None
        await session.commit()
    return result.glossary


def _one_line(error: InvalidInput) -> InvalidInput:
    """The reader's error with its first problems (and their lines) in the message."""
    if not error.problems:
        return error
    shown = "; ".join(error.problems[:MAX_PROBLEMS_SHOWN])
    more = len(error.problems) - MAX_PROBLEMS_SHOWN
    if more > 0:
        shown += f"; and {more} more"
    return InvalidInput(f"{str(error).rstrip('.')}: {shown}", error.problems)


async def usable(db: Database, caller: Caller) -> list[GlossaryInfo]:
    """The glossaries ``caller``'s owner may use: theirs and the shared ones, by name."""
    actor = await _actor(db, caller)
    async with db.session() as session:
        found = await list_glossaries(session, viewer=actor)
    return [info for info in found if _usable(info, caller)]


async def get(db: Database, caller: Caller, ref: uuid.UUID) -> GlossaryInfo:
    """One glossary ``caller``'s owner may use, else 404 (:func:`not_found`)."""
    actor = await _actor(db, caller)
    async with db.session() as session:
        return await _get(session, actor, caller, ref)


async def _get(session: AsyncSession, actor: Actor, caller: Caller, ref: uuid.UUID) -> GlossaryInfo:
    try:
        info = await get_glossary(session, ref, viewer=actor)
    except NotFound:
        raise not_found(ref) from None
    if not _usable(info, caller):
        raise not_found(ref)
    return info


async def entries_tsv(db: Database, caller: Caller, ref: uuid.UUID) -> str:
    """The glossary's entries as DeepL's TSV: ``source<TAB>target`` per line, in order."""
    actor = await _actor(db, caller)
    async with db.session() as session:
        await _get(session, actor, caller, ref)
        frame = await entries_frame(session, ref, viewer=actor)
    return "\n".join(
        f"{_tsv_cell(source)}\t{_tsv_cell(target)}"
        for source, target in zip(
            frame["source_term"].tolist(), frame["target_term"].tolist(), strict=True
        )
    )


def _tsv_cell(term: str) -> str:
    """A term as one TSV cell: DeepL's TSV cannot carry a tab or line break (a term made
    in the workbench may hold one), so each becomes a space."""
    return _TSV_BREAKS.sub(" ", term)


async def delete(db: Database, caller: Caller, ref: uuid.UUID) -> None:
    """Delete one of the owner's own glossaries (audited as the owner); a shared one is 403."""
    actor = await _actor(db, caller)
    async with db.session() as session:
        await begin_write(session)
        info = await _get(session, actor, caller, ref)
        if info.owner_id is None:
            raise PermissionDenied(
                f"the glossary {info.name!r} is shared with every user; only an admin can "
                "delete it, from the Glossaries page"
            )
        await delete_glossary(session, ref, actor=actor)
        await session.commit()
