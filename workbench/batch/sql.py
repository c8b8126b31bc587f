"""SQL shapes the batch engine's hot paths share, written so each backend plans them well.

The hot paths handle a chunk (hundreds of rows) or a job (thousands) at a time. A list
of values sent as one bound parameter makes a statement that is compiled once and
reused, whatever its length, and leaves the per-value work to the database's C code
(PostgreSQL arrays, SQLite's JSON functions) rather than to a Python loop. It also keeps
clear of SQLite's limit on bound parameters.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute


async def plan_for_parameters(session: AsyncSession) -> None:
    """On PostgreSQL, plan the statements of this transaction for their parameters.

    asyncpg prepares every statement, and after five runs PostgreSQL may keep a generic
    plan for it, chosen while the table was small: a seq scan. The translation memory
    starts empty and grows by a chunk per checkpoint, so a lookup that probed the index
    in 1 ms came to scan 14,000 rows in 60 ms (and a 14,000-hash lookup took seconds).
    Planning each run costs a fraction of a millisecond. Call it first in a transaction.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def one_of(
    session: AsyncSession, column: QueryableAttribute[Any], values: Sequence[Any]
) -> ColumnElement[bool]:
    """``column IN values``, the values as one parameter.

    Only for values JSON carries exactly on SQLite: its JSON functions end a text at
    a NUL character. Hashes and ids are safe; free text is not.
    """
    dialect = session.get_bind().dialect
    column_type = column.expression.type
    if dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column_type)))
    to_stored = column_type.bind_processor(dialect)
    stored = [to_stored(value) for value in values] if to_stored else list(values)
    listed = func.json_each(bindparam(None, json.dumps(stored))).table_valued("value")
    return column.in_(select(listed.c.value).scalar_subquery())
