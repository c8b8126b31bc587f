"""Recognise which constraint a failed write violated, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, UniqueConstraint
from sqlalchemy.exc import IntegrityError

from workbench.db.base import Base


def violates_unique(error: IntegrityError, model: type[Base], constraint_name: str) -> bool:
    """Whether ``error`` violates the named unique constraint of ``model``'s table.

    PostgreSQL names the constraint in its message; SQLite names its columns instead
    ("UNIQUE constraint failed: users.email").
    """
    table = cast(Table, model.__table__)
    message = str(error.orig)
    if constraint_name in message:
        return True
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and constraint.name == constraint_name:
            columns = ", ".join(f"{table.name}.{column.name}" for column in constraint.columns)
            return f"UNIQUE constraint failed: {columns}" in message
    raise ValueError(f"{table.name} has no unique constraint named {constraint_name!r}")
