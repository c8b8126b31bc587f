"""Glossaries in the database: import, export, look-up, edits, deletion, visibility.

Services take the caller's ``AsyncSession`` and never commit: the caller does, so an
import and its audit entry land together or not at all. A service that writes starts
the transaction as a writer when none is open (``BEGIN IMMEDIATE`` on SQLite) and does
its writes in a savepoint, so a failure leaves the caller's transaction as it was.
Every input is validated in full before the first write.

Who may do what (``actor``; None is the operator of this machine, like the CLI):
an admin sees and changes every glossary; a translator sees the shared glossaries
(no owner) and their own, and changes only their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, delete, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts import audit
from workbench.accounts.audit import Actor, TargetType, json_value
from workbench.db import begin_write
from workbench.db.base import utcnow
from workbench.db.integrity import violates_unique
from workbench.db.models import Glossary, GlossaryEntry, GlossaryRemoteCopy, User
from workbench.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from workbench.glossary import bulk
from workbench.glossary.checksum import checksum, frame_checksum
from workbench.glossary.problems import Problems
from workbench.glossary.reading import FileFormat, file_format, read_file
from workbench.glossary.rules import (
    CONTROL_CHARACTERS,
    MAX_FILE_BYTES,
    MAX_NAME_CHARS,
    Column,
    shown,
)
from workbench.glossary.validation import (
    ENTRY_COLUMNS,
    ValidGlossary,
    requested_lang,
    table_from_frame,
    validate,
)
from workbench.glossary.writing import to_bytes

if TYPE_CHECKING:  # imported where used: pandas costs ~0.3 s of a dashboard's first paint
    import pandas as pd

GlossaryRef = str | uuid.UUID  # a glossary's name or id


class ImportMode(StrEnum):
    CREATE = "create"  # a new glossary; the name must be free
    REPLACE = "replace"  # an existing glossary gets exactly the imported entries
    MERGE = "merge"  # an existing glossary: entries added, or updated by source term


class GlossaryAction(StrEnum):
    """The audit log's names for glossary changes."""

    CREATE = "glossary.create"
    REPLACE = "glossary.replace"
    MERGE = "glossary.merge"
    DELETE = "glossary.delete"
    ENTRY_ADD = "glossary.entry_add"
    ENTRY_UPDATE = "glossary.entry_update"
    ENTRY_DELETE = "glossary.entry_delete"


_IMPORT_ACTIONS = {
    ImportMode.CREATE: GlossaryAction.CREATE,
    ImportMode.REPLACE: GlossaryAction.REPLACE,
    ImportMode.MERGE: GlossaryAction.MERGE,
}


@dataclass(frozen=True)
class RemoteCopy:
    """A copy of the glossary kept at a provider, for one content checksum."""

    provider: str
    remote_id: str
    checksum: str
    created_at: datetime
    current: bool  # made from the glossary's present content


@dataclass(frozen=True)
class GlossaryInfo:
    id: uuid.UUID
    name: str
    source_lang: str
    target_lang: str
    owner_id: uuid.UUID | None
    owner_email: str | None
    description: str
    checksum: str
    entry_count: int
    created_at: datetime
    updated_at: datetime
    remote_copies: tuple[RemoteCopy, ...] = ()

    @property
    def shared(self) -> bool:
        return self.owner_id is None


@dataclass(frozen=True)
class Entry:
    """One glossary entry as a caller gives it."""

    source_term: str
    target_term: str
    case_sensitive: bool = False
    note: str = ""


@dataclass(frozen=True)
class StoredEntry:
    id: uuid.UUID
    position: int
    source_term: str
    target_term: str
    case_sensitive: bool
    note: str


@dataclass(frozen=True)
class GlossaryContent:
    """A glossary and all its entries, read together: what a provider copy is made from."""

    glossary: GlossaryInfo
    entries: tuple[Entry, ...]  # in glossary order; glossary.checksum is their checksum


@dataclass(frozen=True)
class EntryPage:
    entries: tuple[StoredEntry, ...]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class _Counts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0


@dataclass(frozen=True)
class ImportResult:
    glossary: GlossaryInfo
    mode: ImportMode
    imported: int  # entries in the input (identical repeated rows counted once)
    added: int
    updated: int
    unchanged: int
    removed: int
    collapsed: int  # identical repeated rows of the input kept once


# --- import ----------------------------------------------------------------------------


async def import_file(
    session: AsyncSession,
    data: bytes,
    filename: str,
    *,
    name: str,
    mode: ImportMode | str = ImportMode.CREATE,
    source_lang: str | None = None,
    target_lang: str | None = None,
    owner_id: uuid.UUID | None = None,
    description: str | None = None,
    actor: Actor | None = None,
    delimiter: str | None = None,
) -> ImportResult:
    """Import a CSV or XLSX file (its bytes; ``filename`` gives the format).

    Raises InvalidInput listing every problem (with its line or row) and writes nothing
    then. ``source_lang``/``target_lang`` are required for a new glossary unless the
    file has ``source_lang``/``target_lang`` columns; given, every row must agree.
    ``delimiter`` fixes a CSV file's delimiter instead of guessing it.
    """
    mode = import_mode(mode)
    source, target = requested_lang(source_lang, "source"), requested_lang(target_lang, "target")
    valid = check_file(data, filename, source, target, delimiter=delimiter)
    return await _store_import(
        session, valid, name, mode, source, target, owner_id, description, actor
    )


def check_file(
    data: bytes,
    filename: str,
    source_lang: str | None,
    target_lang: str | None,
    *,
    delimiter: str | None = None,
) -> ValidGlossary:
    """Read and validate a CSV or XLSX file as :func:`import_file` does, writing nothing.

    The languages are as a caller gives them (normalised here; a normalised code stays).
    """
    return validate(
        read_file(data, filename, delimiter=delimiter),
        source_lang=requested_lang(source_lang, "source"),
        target_lang=requested_lang(target_lang, "target"),
    )


async def import_path(
    session: AsyncSession,
    path: str | Path,
    *,
    name: str,
    mode: ImportMode | str = ImportMode.CREATE,
    source_lang: str | None = None,
    target_lang: str | None = None,
    owner_id: uuid.UUID | None = None,
    description: str | None = None,
    actor: Actor | None = None,
) -> ImportResult:
    """:func:`import_file` for a file on disk, refused by size before it is read."""
    path = Path(path)
    file_format(path.name)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            Problems(path.name).fail(
                None,
                f"the file is {size / 2**20:.1f} MiB; the limit is "
                f"{MAX_FILE_BYTES // 2**20} MiB (split the glossary or remove columns)",
            )
        data = path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror or error}") from error
    return await import_file(
        session,
        data,
        path.name,
        name=name,
        mode=mode,
        source_lang=source_lang,
        target_lang=target_lang,
        owner_id=owner_id,
        description=description,
        actor=actor,
    )


async def import_frame(
    session: AsyncSession,
    frame: pd.DataFrame,
    *,
    name: str,
    mode: ImportMode | str = ImportMode.CREATE,
    source_lang: str | None = None,
    target_lang: str | None = None,
    owner_id: uuid.UUID | None = None,
    description: str | None = None,
    actor: Actor | None = None,
) -> ImportResult:
    """Import a DataFrame with the file columns (``source_term``, ``target_term``, …).

    The same checks as a file, except that its values are taken as they are: a DataFrame
    is not a spreadsheet, so a term may start with ``=``. Problems name the index label.
    """
    mode = import_mode(mode)
    source, target = requested_lang(source_lang, "source"), requested_lang(target_lang, "target")
    valid = validate(table_from_frame(frame), source_lang=source, target_lang=target)
    return await _store_import(
        session, valid, name, mode, source, target, owner_id, description, actor
    )


async def _store_import(
    session: AsyncSession,
    valid: ValidGlossary,
    name: str,
    mode: ImportMode,
    source_lang: str | None,
    target_lang: str | None,
    owner_id: uuid.UUID | None,
    description: str | None,
    actor: Actor | None,
) -> ImportResult:
    name = clean_name(name)
    actor = await _begin(session, actor)
    async with session.begin_nested():
        existing = await session.scalar(
            select(Glossary).where(Glossary.name == name).with_for_update()
        )
        if mode is ImportMode.CREATE:
            if existing is not None:
                raise AlreadyExists(
                    f"a glossary named {name!r} already exists; "
                    "import in replace or merge mode to change it"
                )
            glossary = await _create(
                session, valid, name, source_lang, target_lang, owner_id, description, actor
            )
            counts = _Counts(added=len(valid))
            before = None
        else:
            if existing is None:
                raise NotFound(f"no glossary named {name!r}; import in create mode to make it")
            glossary = existing
            _require_edit(glossary, actor)
            _check_pair(valid, glossary)
            before = _summary(glossary)
            if description is not None:
                glossary.description = description
            if mode is ImportMode.REPLACE:
                counts = await _replace(session, glossary, valid)
            else:
                counts = await _merge(session, glossary, valid)
        await _audit(session, actor, _IMPORT_ACTIONS[mode], glossary, before, _summary(glossary))
    return ImportResult(
        glossary=await _info(session, glossary),
        mode=mode,
        imported=len(valid),
        added=counts.added,
        updated=counts.updated,
        unchanged=counts.unchanged,
        removed=counts.removed,
        collapsed=valid.collapsed,
    )


async def _create(
    session: AsyncSession,
    valid: ValidGlossary,
    name: str,
    source_lang: str | None,
    target_lang: str | None,
    owner_id: uuid.UUID | None,
    description: str | None,
    actor: Actor,
) -> Glossary:
    source = source_lang or valid.source_lang
    target = target_lang or valid.target_lang
    if source is None or target is None:
        missing = " and ".join(
            role for role, lang in (("source", source), ("target", target)) if lang is None
        )
        raise InvalidInput(
            f"the {missing} language of glossary {name!r} is not known: give it "
            "(--source-lang and --target-lang on the command line) or add source_lang "
            "and target_lang columns to the file"
        )
    if source.lower() == target.lower():
        raise InvalidInput(f"a glossary translates between two languages, not {source} to itself")
    if not actor.is_admin:
        owner_id = owner_id or actor.id
        if owner_id != actor.id:
            raise PermissionDenied(
                f"{actor.email} may create glossaries for themselves only, not shared ones"
            )
    glossary = Glossary(
        name=name,
        source_lang=source,
        target_lang=target,
        owner_id=owner_id,
        description=description or "",
        checksum=frame_checksum(valid.entries, source, target),
        entry_count=len(valid),
    )
    session.add(glossary)
    try:
        await session.flush()
    except IntegrityError as error:
        if violates_unique(error, Glossary, "uq_glossaries_name"):
            raise AlreadyExists(f"a glossary named {name!r} already exists") from error
        raise
    await bulk.insert_entries(session, glossary.id, valid.entries, range(len(valid)))
    return glossary


async def _replace(session: AsyncSession, glossary: Glossary, valid: ValidGlossary) -> _Counts:
    old = await session.execute(
        select(
            GlossaryEntry.source_term,
            GlossaryEntry.target_term,
            GlossaryEntry.case_sensitive,
            GlossaryEntry.note,
        ).where(GlossaryEntry.glossary_id == glossary.id)
    )
    old_by_source = {source: (target, bool(flag), note) for source, target, flag, note in old}
    new_rows = _frame_rows(valid.entries)
    unchanged = sum(1 for row in new_rows if old_by_source.get(row[0]) == row[1:])
    await session.execute(
        delete(GlossaryEntry)
        .where(GlossaryEntry.glossary_id == glossary.id)
        .execution_options(synchronize_session=False)
    )
    await bulk.insert_entries(session, glossary.id, valid.entries, range(len(valid)))
    new_sources = {row[0] for row in new_rows}
    _set_content(
        glossary,
        frame_checksum(valid.entries, glossary.source_lang, glossary.target_lang),
        len(valid),
    )
    added = sum(1 for row in new_rows if row[0] not in old_by_source)
    return _Counts(
        added=added,
        updated=len(new_rows) - added - unchanged,
        unchanged=unchanged,
        removed=sum(1 for source in old_by_source if source not in new_sources),
    )


async def _merge(session: AsyncSession, glossary: Glossary, valid: ValidGlossary) -> _Counts:
    result = await session.execute(
        select(
            GlossaryEntry.id,
            GlossaryEntry.source_term,
            GlossaryEntry.target_term,
            GlossaryEntry.case_sensitive,
            GlossaryEntry.note,
        ).where(GlossaryEntry.glossary_id == glossary.id)
    )
    existing = {row.source_term: row for row in result}
    content = {source: (row.target_term, row.case_sensitive) for source, row in existing.items()}
    keeps_flag = Column.CASE_SENSITIVE not in valid.provided
    keeps_note = Column.NOTE not in valid.provided
    changes: list[dict[str, Any]] = []
    added: list[int] = []
    unchanged = 0
    for index, (source, target, flag, note) in enumerate(_frame_rows(valid.entries)):
        old = existing.get(source)
        if old is None:
            added.append(index)
            content[source] = (target, flag)
            continue
        flag = old.case_sensitive if keeps_flag else flag
        note = old.note if keeps_note else note
        if (target, flag, note) == (old.target_term, old.case_sensitive, old.note):
            unchanged += 1
            continue
        changes.append({"id": old.id, "target_term": target, "case_sensitive": flag, "note": note})
        content[source] = (target, flag)
    if changes:
        # ORM bulk UPDATE by primary key: one executemany for every changed entry.
        await session.execute(update(GlossaryEntry), changes)
    if added:
        last = await session.scalar(
            select(func.max(GlossaryEntry.position)).where(GlossaryEntry.glossary_id == glossary.id)
        )
        start = -1 if last is None else last
        new = valid.entries.iloc[added]
        await bulk.insert_entries(
            session, glossary.id, new, range(start + 1, start + 1 + len(added))
        )
    digest = checksum(
        ((source, target, flag) for source, (target, flag) in content.items()),
        glossary.source_lang,
        glossary.target_lang,
    )
    _set_content(glossary, digest, len(content))
    return _Counts(added=len(added), updated=len(changes), unchanged=unchanged)


def _check_pair(valid: ValidGlossary, glossary: Glossary) -> None:
    for role, found, stored in (
        ("source", valid.source_lang, glossary.source_lang),
        ("target", valid.target_lang, glossary.target_lang),
    ):
        if found is not None and found.lower() != stored.lower():
            raise InvalidInput(
                f"{valid.source} is for {role} language {found}, but glossary "
                f"{glossary.name!r} is {glossary.source_lang} → {glossary.target_lang}; "
                "nothing was imported"
            )


# --- reading ---------------------------------------------------------------------------


async def list_glossaries(
    session: AsyncSession, *, viewer: Actor | None = None
) -> list[GlossaryInfo]:
    """The glossaries ``viewer`` may see, by name, with their owners and remote copies."""
    query = (
        select(Glossary, User.email)
        .outerjoin(User, User.id == Glossary.owner_id)
        .where(_visible_to(viewer))
        .order_by(Glossary.name)
    )
    rows = (await session.execute(query)).all()
    copies = await _remote_copies(session, [glossary.id for glossary, _email in rows])
    return [_as_info(glossary, email, copies.get(glossary.id, [])) for glossary, email in rows]


async def get_glossary(
    session: AsyncSession, ref: GlossaryRef, *, viewer: Actor | None = None
) -> GlossaryInfo:
    return await _info(session, await _find(session, ref, viewer))


async def entries_page(
    session: AsyncSession,
    ref: GlossaryRef,
    *,
    offset: int = 0,
    limit: int = 50,
    search: str | None = None,
    viewer: Actor | None = None,
) -> EntryPage:
    """A page of entries in glossary order; ``search`` filters by a substring of either term."""
    if offset < 0 or limit < 0:
        raise InvalidInput("offset and limit cannot be negative")
    glossary = await _find(session, ref, viewer)
    condition = GlossaryEntry.glossary_id == glossary.id
    if search:
        pattern = f"%{_escape_like(search)}%"
        condition = condition & or_(
            GlossaryEntry.source_term.ilike(pattern, escape="\\"),
            GlossaryEntry.target_term.ilike(pattern, escape="\\"),
        )
    total = await session.scalar(select(func.count()).select_from(GlossaryEntry).where(condition))
    rows = await session.scalars(
        select(GlossaryEntry)
        .where(condition)
        .order_by(GlossaryEntry.position)
        .offset(offset)
        .limit(limit)
    )
    return EntryPage(tuple(_stored(row) for row in rows), int(total or 0), offset, limit)


async def entries_frame(
    session: AsyncSession, ref: GlossaryRef, *, viewer: Actor | None = None
) -> pd.DataFrame:
    """Every entry in glossary order: source_term, target_term, case_sensitive, note."""
    glossary = await _find(session, ref, viewer)
    return await _entries_frame(session, glossary.id)


async def load_content(
    session: AsyncSession, ref: GlossaryRef, *, viewer: Actor | None = None
) -> GlossaryContent:
    """The glossary with every entry, in one read of the caller's transaction."""
    glossary = await _find(session, ref, viewer)
    frame = await _entries_frame(session, glossary.id)
    entries = tuple(
        Entry(source, target, flag, note)
        for source, target, flag, note in frame.itertuples(index=False, name=None)
    )
    return GlossaryContent(await _info(session, glossary), entries)


async def _entries_frame(session: AsyncSession, glossary_id: uuid.UUID) -> pd.DataFrame:
    import pandas as pd

    result = await session.execute(
        select(
            GlossaryEntry.source_term,
            GlossaryEntry.target_term,
            GlossaryEntry.case_sensitive,
            GlossaryEntry.note,
        )
        .where(GlossaryEntry.glossary_id == glossary_id)
        .order_by(GlossaryEntry.position)
    )
    frame = pd.DataFrame.from_records(list(result), columns=list(ENTRY_COLUMNS))
    frame[Column.CASE_SENSITIVE.value] = frame[Column.CASE_SENSITIVE.value].astype(bool)
    for column in (Column.SOURCE_TERM, Column.TARGET_TERM, Column.NOTE):
        frame[column.value] = frame[column.value].astype(str)
    return frame


async def export_glossary(
    session: AsyncSession,
    ref: GlossaryRef,
    fmt: FileFormat | str = FileFormat.CSV,
    *,
    viewer: Actor | None = None,
) -> bytes:
    """The glossary as a CSV (UTF-8 with BOM) or XLSX file that import reads back as it is."""
    glossary = await _find(session, ref, viewer)
    frame = await _entries_frame(session, glossary.id)
    if fmt not in set(FileFormat):
        raise InvalidInput(f"cannot export to {fmt!r}: use csv or xlsx")
    return to_bytes(FileFormat(fmt), frame, glossary.source_lang, glossary.target_lang)


# --- changes ---------------------------------------------------------------------------


async def delete_glossary(
    session: AsyncSession, ref: GlossaryRef, *, actor: Actor | None = None
) -> GlossaryInfo:
    """Delete a glossary with its entries and the record of its remote copies.

    Copies kept at providers are not deleted here; the provider sync removes copies
    it no longer finds a glossary for.
    """
    actor = await _begin(session, actor)
    async with session.begin_nested():
        glossary = await _find(session, ref, actor, lock=True)
        _require_edit(glossary, actor)
        info = await _info(session, glossary)
        await _audit(session, actor, GlossaryAction.DELETE, glossary, _summary(glossary), None)
        await session.execute(
            delete(Glossary)
            .where(Glossary.id == glossary.id)
            .execution_options(synchronize_session=False)
        )
        session.expunge(glossary)
    return info


async def add_entry(
    session: AsyncSession, ref: GlossaryRef, entry: Entry, *, actor: Actor | None = None
) -> StoredEntry:
    clean = _valid_entry(entry)
    actor = await _begin(session, actor)
    async with session.begin_nested():
        glossary = await _find(session, ref, actor, lock=True)
        _require_edit(glossary, actor)
        before = _summary(glossary)
        last = await session.scalar(
            select(func.max(GlossaryEntry.position)).where(GlossaryEntry.glossary_id == glossary.id)
        )
        row = GlossaryEntry(
            glossary_id=glossary.id,
            position=0 if last is None else last + 1,
            source_term=clean.source_term,
            target_term=clean.target_term,
            case_sensitive=clean.case_sensitive,
            note=clean.note,
        )
        session.add(row)
        await _flush_entry(session, glossary, clean.source_term)
        await _refresh_content(session, glossary)
        await _audit(
            session,
            actor,
            GlossaryAction.ENTRY_ADD,
            glossary,
            before,
            {**_summary(glossary), "entry": _entry_summary(row)},
        )
    return _stored(row)


async def update_entry(
    session: AsyncSession,
    entry_id: uuid.UUID,
    *,
    source_term: str | None = None,
    target_term: str | None = None,
    case_sensitive: bool | None = None,
    note: str | None = None,
    actor: Actor | None = None,
) -> StoredEntry:
    """Change the given fields of one entry; the others keep their values."""
    actor = await _begin(session, actor)
    async with session.begin_nested():
        row, glossary = await _find_entry(session, entry_id, actor)
        before = {**_summary(glossary), "entry": _entry_summary(row)}
        clean = _valid_entry(
            Entry(
                source_term=row.source_term if source_term is None else source_term,
                target_term=row.target_term if target_term is None else target_term,
                case_sensitive=row.case_sensitive if case_sensitive is None else case_sensitive,
                note=row.note if note is None else note,
            )
        )
        row.source_term = clean.source_term
        row.target_term = clean.target_term
        row.case_sensitive = clean.case_sensitive
        row.note = clean.note
        await _flush_entry(session, glossary, clean.source_term)
        await _refresh_content(session, glossary)
        after = {**_summary(glossary), "entry": _entry_summary(row)}
        await _audit(session, actor, GlossaryAction.ENTRY_UPDATE, glossary, before, after)
    return _stored(row)


async def delete_entry(
    session: AsyncSession, entry_id: uuid.UUID, *, actor: Actor | None = None
) -> None:
    actor = await _begin(session, actor)
    async with session.begin_nested():
        row, glossary = await _find_entry(session, entry_id, actor)
        before = {**_summary(glossary), "entry": _entry_summary(row)}
        await session.delete(row)
        await session.flush()
        await _refresh_content(session, glossary)
        await _audit(
            session, actor, GlossaryAction.ENTRY_DELETE, glossary, before, _summary(glossary)
        )


# --- helpers ---------------------------------------------------------------------------


def import_mode(mode: ImportMode | str) -> ImportMode:
    try:
        return ImportMode(mode)
    except ValueError:
        allowed = ", ".join(ImportMode)
        raise InvalidInput(f"unknown import mode {mode!r}; use {allowed}") from None


def clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput("a glossary needs a name")
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput(f"a glossary name has at most {MAX_NAME_CHARS} characters")
    if CONTROL_CHARACTERS.search(name) or "\n" in name or "\r" in name or "\t" in name:
        raise InvalidInput("a glossary name is one line without control characters")
    return name


async def _begin(session: AsyncSession, actor: Actor | None) -> Actor:
    """Start the writing transaction, and read the actor's authority inside it."""
    if not session.in_transaction():
        await begin_write(session)
    return await (actor or Actor.cli()).authorize(session)


def _visible_to(viewer: Actor | None) -> ColumnElement[bool]:
    if viewer is None or viewer.is_admin:
        return true()
    return or_(Glossary.owner_id.is_(None), Glossary.owner_id == viewer.id)


async def _find(
    session: AsyncSession, ref: GlossaryRef, viewer: Actor | None, *, lock: bool = False
) -> Glossary:
    query = select(Glossary)
    if isinstance(ref, uuid.UUID):
        query = query.where(Glossary.id == ref)
    else:
        query = query.where(Glossary.name == ref.strip())
    query = query.where(_visible_to(viewer))
    if lock:
        query = query.with_for_update()
    glossary = await session.scalar(query)
    if glossary is None:
        raise NotFound(f"no glossary {ref if isinstance(ref, uuid.UUID) else repr(ref.strip())}")
    return glossary


async def _find_entry(
    session: AsyncSession, entry_id: uuid.UUID, actor: Actor
) -> tuple[GlossaryEntry, Glossary]:
    found = (
        await session.execute(
            select(GlossaryEntry, Glossary)
            .join(Glossary, Glossary.id == GlossaryEntry.glossary_id)
            .where(GlossaryEntry.id == entry_id, _visible_to(actor))
            .with_for_update()
        )
    ).first()
    if found is None:
        raise NotFound(f"no glossary entry {entry_id}")
    row, glossary = found
    _require_edit(glossary, actor)
    return row, glossary


def _require_edit(glossary: Glossary, actor: Actor) -> None:
    if actor.is_admin or (actor.id is not None and glossary.owner_id == actor.id):
        return
    whose = "a shared glossary" if glossary.owner_id is None else "someone else's glossary"
    raise PermissionDenied(f"{actor.email} cannot change {glossary.name!r}: it is {whose}")


def _valid_entry(entry: Entry) -> Entry:
    import pandas as pd

    frame = pd.DataFrame(
        [[entry.source_term, entry.target_term, bool(entry.case_sensitive), entry.note]],
        columns=list(ENTRY_COLUMNS),
    )
    table = table_from_frame(frame, source="the entry")
    table.problems.unit = ""
    try:
        valid = validate(table)
    except InvalidInput as error:
        raise InvalidInput("; ".join(error.problems), error.problems) from error
    source, target, flag, note = _frame_rows(valid.entries)[0]
    return Entry(source, target, flag, note)


async def _flush_entry(session: AsyncSession, glossary: Glossary, source_term: str) -> None:
    try:
        await session.flush()
    except IntegrityError as error:
        if violates_unique(error, GlossaryEntry, "uq_glossary_entries_source_term"):
            raise AlreadyExists(
                f"glossary {glossary.name!r} already has the source term {shown(source_term)}"
            ) from error
        raise


def _frame_rows(entries: pd.DataFrame) -> list[tuple[str, str, bool, str]]:
    return list(
        zip(
            entries[Column.SOURCE_TERM].tolist(),
            entries[Column.TARGET_TERM].tolist(),
            entries[Column.CASE_SENSITIVE].astype(bool).tolist(),
            entries[Column.NOTE].tolist(),
            strict=True,
        )
    )


async def _content(session: AsyncSession, glossary_id: uuid.UUID) -> list[tuple[str, str, bool]]:
    result = await session.execute(
        select(
            GlossaryEntry.source_term, GlossaryEntry.target_term, GlossaryEntry.case_sensitive
        ).where(GlossaryEntry.glossary_id == glossary_id)
    )
    return [(source, target, bool(flag)) for source, target, flag in result]


async def _refresh_content(session: AsyncSession, glossary: Glossary) -> None:
    content = await _content(session, glossary.id)
    _set_content(
        glossary, checksum(content, glossary.source_lang, glossary.target_lang), len(content)
    )


def _set_content(glossary: Glossary, digest: str, count: int) -> None:
    glossary.checksum = digest
    glossary.entry_count = count
    # The entries changed, not necessarily a column of this row: mark it updated anyway.
    glossary.updated_at = utcnow()


async def _remote_copies(
    session: AsyncSession, glossary_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[GlossaryRemoteCopy]]:
    found: dict[uuid.UUID, list[GlossaryRemoteCopy]] = {}
    if not glossary_ids:
        return found
    rows = await session.scalars(
        select(GlossaryRemoteCopy)
        .where(GlossaryRemoteCopy.glossary_id.in_(glossary_ids))
        .order_by(GlossaryRemoteCopy.provider, GlossaryRemoteCopy.created_at)
    )
    for copy in rows:
        found.setdefault(copy.glossary_id, []).append(copy)
    return found


async def _info(session: AsyncSession, glossary: Glossary) -> GlossaryInfo:
    email = None
    if glossary.owner_id is not None:
        email = await session.scalar(select(User.email).where(User.id == glossary.owner_id))
    copies = await _remote_copies(session, [glossary.id])
    return _as_info(glossary, email, copies.get(glossary.id, []))


def _as_info(
    glossary: Glossary, owner_email: str | None, copies: Sequence[GlossaryRemoteCopy]
) -> GlossaryInfo:
    return GlossaryInfo(
        id=glossary.id,
        name=glossary.name,
        source_lang=glossary.source_lang,
        target_lang=glossary.target_lang,
        owner_id=glossary.owner_id,
        owner_email=owner_email,
        description=glossary.description,
        checksum=glossary.checksum,
        entry_count=glossary.entry_count,
        created_at=glossary.created_at,
        updated_at=glossary.updated_at,
        remote_copies=tuple(
            RemoteCopy(
                provider=copy.provider,
                remote_id=copy.remote_id,
                checksum=copy.checksum,
                created_at=copy.created_at,
                current=copy.checksum == glossary.checksum,
            )
            for copy in copies
        ),
    )


def _stored(row: GlossaryEntry) -> StoredEntry:
    return StoredEntry(
        id=row.id,
        position=row.position,
        source_term=row.source_term,
        target_term=row.target_term,
        case_sensitive=row.case_sensitive,
        note=row.note,
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _summary(glossary: Glossary) -> dict[str, Any]:
    return {
        "name": glossary.name,
        "source_lang": glossary.source_lang,
        "target_lang": glossary.target_lang,
        "owner_id": json_value(glossary.owner_id),
        "entries": glossary.entry_count,
        "checksum": glossary.checksum,
    }


def _entry_summary(row: GlossaryEntry) -> dict[str, Any]:
    return {
        "source_term": row.source_term,
        "target_term": row.target_term,
        "case_sensitive": row.case_sensitive,
        "note": row.note,
    }


async def _audit(
    session: AsyncSession,
    actor: Actor,
    action: GlossaryAction,
    glossary: Glossary,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    await audit.record(
        session,
        actor=actor,
        action=action,
        target_type=TargetType.GLOSSARY,
        target_id=str(glossary.id),
        before=before,
        after=after,
    )
