"""SQL shapes the batch engine's hot paths share, written so each backend plans them well.

The hot paths handle a chunk (hundreds of rows) or a job (thousands) at a time. A list
of values sent as one bound parameter makes a statement that is compiled once and
reused, whatever its length, and leaves the per-value work to the database's C code
(PostgreSQL arrays, SQLite's JSON functions) rather than to a Python loop. It also keeps
clear of SQLite's limit on bound parameters.

SQLite's JSON functions end a text at a NUL character, so texts that go through them
must have none: the engine refuses inputs with one, and PostgreSQL could not store them
anyway.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    any_,
    bindparam,
    column,
    func,
    select,
    text,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.types import TypeEngine


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
    """``column IN values``, the values as one parameter."""
    dialect = session.get_bind().dialect
    column_type = column.expression.type
    if dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column_type)))
    to_stored = column_type.bind_processor(dialect)
    stored = [to_stored(value) for value in values] if to_stored else list(values)
    listed = func.json_each(bindparam(None, json.dumps(stored))).table_valued("value")
    return column.in_(select(listed.c.value).scalar_subquery())


def rows_of(
    session: AsyncSession,
    columns: Sequence[tuple[str, TypeEngine[Any]]],
    rows: Sequence[Sequence[Any]],
) -> FromClause:
    """The rows as a table to select from, join or update from, bound as one parameter.

    ``columns`` names and types each field of a row. PostgreSQL gets one array per
    column, read back by ``unnest``; SQLite one JSON array of rows, read by ``json_each``.
    """
    dialect = session.get_bind().dialect
    # Column by column: map loops in C, where a row-by-row loop would run in Python (and
    # zip(*rows) would make an iterator per row for the garbage collector to count).
    values: list[Sequence[Any]] = [
        list(map(itemgetter(index), rows)) for index in range(len(columns))
    ]
    if dialect.name == "postgresql":
        arrays = [
            bindparam(None, column_values, type_=ARRAY(column_type))
            for column_values, (_, column_type) in zip(values, columns, strict=True)
        ]
        fields = [column(name, column_type) for name, column_type in columns]
        return func.unnest(*arrays).table_valued(*fields).render_derived()
    converters = [column_type.bind_processor(dialect) for _, column_type in columns]
    if any(converters):
        values = [
            column_values if to_stored is None else list(map(to_stored, column_values))
            for column_values, to_stored in zip(values, converters, strict=True)
        ]
        rows = list(zip(*values, strict=True))
    each = func.json_each(bindparam(None, json.dumps(rows))).table_valued("value")
    extracted = [
        type_coerce(func.json_extract(each.c.value, f"$[{index}]"), column_type).label(name)
        for index, (name, column_type) in enumerate(columns)
    ]
    return select(*extracted).select_from(each).subquery()
