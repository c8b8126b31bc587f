"""Loading many glossary entries at once, inside the caller's transaction.

PostgreSQL gets them through ``COPY`` (asyncpg's binary copy on the session's own
connection, so the rows commit or roll back with everything else); SQLite through one
``executemany`` of a Core ``insert()``. Per-row Python work is building one tuple: ids
come from one read of the OS random source rather than a ``uuid4()`` each, and the rows
are handed to the driver as they are, already in the form the columns store.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator, Sequence
from itertools import repeat
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.db.models import GlossaryEntry
from workbench.glossary.rules import Column

if TYPE_CHECKING:  # imported where used: pandas and numpy cost ~0.3 s of a dashboard's first paint
    import pandas as pd

ENTRIES = cast(Table, GlossaryEntry.__table__)
COLUMNS = ("id", "glossary_id", "position", "source_term", "target_term", "case_sensitive", "note")


def new_ids(count: int) -> list[str]:
    """``count`` random version-4 UUIDs as 32 hex digits, in ascending order.

    Ascending ids fill the primary-key index from one end instead of at random pages,
    which is much of what makes a large insert slow; they are still random UUIDs.
    """
    import numpy as np

    raw = np.frombuffer(os.urandom(16 * count), dtype=np.uint8).reshape(count, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    digits = raw.tobytes().hex()
    ids = [digits[start : start + 32] for start in range(0, 32 * count, 32)]
    ids.sort()
    return ids


async def insert_entries(
    session: AsyncSession,
    glossary_id: uuid.UUID,
    entries: pd.DataFrame,
    positions: Sequence[int],
) -> None:
    """Insert ``entries`` (source_term, target_term, case_sensitive, note) into a glossary."""
    if entries.empty:
        return
    values: dict[str, Iterable[Any]] = {
        "id": new_ids(len(entries)),
        "glossary_id": repeat(glossary_id.hex),
        "position": positions,
        "source_term": entries[Column.SOURCE_TERM].tolist(),
        "target_term": entries[Column.TARGET_TERM].tolist(),
        "case_sensitive": entries[Column.CASE_SENSITIVE].astype(bool).tolist(),
        "note": entries[Column.NOTE].tolist(),
    }
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection  # asyncpg's own connection, in our transaction
        await driver.copy_records_to_table(
            ENTRIES.name, records=_rows(values, COLUMNS), columns=COLUMNS
        )
        return
    # Core writes the statement; the rows skip SQLAlchemy's per-row bind processing,
    # which would only turn each UUID back into the 32 hex digits SQLite stores.
    compiled = insert(ENTRIES).compile(dialect=connection.dialect, column_keys=list(COLUMNS))
    order = tuple(compiled.positiontup or COLUMNS)
    await connection.exec_driver_sql(str(compiled), list(_rows(values, order)))


def _rows(values: dict[str, Iterable[Any]], order: Sequence[str]) -> Iterator[tuple[Any, ...]]:
    # repeat() is endless: zip stops with the per-entry columns.
    return zip(*(values[name] for name in order), strict=False)
