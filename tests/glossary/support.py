"""Builders shared by the glossary tests: files in every shape, users, row counts."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from typing import Any

import openpyxl
from sqlalchemy import func, select

from workbench.accounts import users
from workbench.accounts.audit import Actor
from workbench.db import Database
from workbench.db.models import AuditEntry, Glossary, GlossaryEntry, Role
from workbench.glossary import store

Rows = Sequence[Sequence[Any]]


def csv_bytes(
    rows: Rows, *, delimiter: str = ",", encoding: str = "utf-8", newline: str = "\r\n"
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: Rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def import_bytes(
    db: Database, data: bytes, filename: str, **options: Any
) -> store.ImportResult:
    async with db.session() as session:
        result = await store.import_file(session, data, filename, **options)
        await session.commit()
        return result


async def entries_of(db: Database, name: str) -> list[tuple[str, str, bool, str]]:
    async with db.session() as session:
        frame = await store.entries_frame(session, name)
    return list(frame.itertuples(index=False, name=None))


async def row_counts(db: Database) -> dict[str, int]:
    async with db.session() as session:
        return {
            model.__tablename__: int(
                await session.scalar(select(func.count()).select_from(model)) or 0
            )
            for model in (Glossary, GlossaryEntry, AuditEntry)
        }


async def database_state(db: Database) -> tuple[dict[str, int], list[tuple[Any, ...]]]:
    """Row counts and every glossary's content: what an import that fails must not change."""
    async with db.session() as session:
        glossaries = (
            await session.execute(
                select(
                    Glossary.name, Glossary.checksum, Glossary.entry_count, Glossary.updated_at
                ).order_by(Glossary.name)
            )
        ).all()
        entries = (
            await session.execute(
                select(
                    GlossaryEntry.glossary_id,
                    GlossaryEntry.position,
                    GlossaryEntry.source_term,
                    GlossaryEntry.target_term,
                    GlossaryEntry.case_sensitive,
                    GlossaryEntry.note,
                ).order_by(GlossaryEntry.glossary_id, GlossaryEntry.position)
            )
        ).all()
    return await row_counts(db), [tuple(row) for row in (*glossaries, *entries)]


async def add_user(db: Database, email: str, role: Role = Role.TRANSLATOR) -> Actor:
    async with db.session() as session:
        user = await users.create_user(
            session, email=email, hashed_password="$argon2id$not-a-real-hash", role=role
        )
        await session.commit()
        return Actor.of(user)


def unique_name() -> str:
    return f"glossary-{uuid.uuid4().hex[:8]}"
