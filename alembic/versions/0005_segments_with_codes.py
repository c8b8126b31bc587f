"""segments with inline codes: a segment's code issue, and stored texts in canonical form

``job_segments.code_issue`` says why a provider could not keep a segment's codes (its
texts between codes were translated one by one); the job's QA report lists it.

Segment texts are stored in the canonical form of ``workbench.inline`` from now on: the
text XML-escaped, codes as ``<g>``/``<x>`` elements. A plain text without ``& < >`` or a
carriage return reads the same in both forms; the others are converted:

- job segments are escaped in place (their hash is left: it only finds memory entries,
  and a stale one costs a provider request, never a wrong translation);
- translation-memory entries holding one of those characters are removed, since their
  key is the hash of the old form and cannot be worked out in SQL on every backend: such
  a text is asked from the provider once more.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 14:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What escaping changes, in the order it is applied ("&" first, so no entity is escaped
# twice); undoing it goes the other way.
_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))

_segments = sa.table(
    "job_segments", sa.column("source_text", sa.Text), sa.column("translated_text", sa.Text)
)
_memory = sa.table(
    "translation_memory", sa.column("source_text", sa.Text), sa.column("translated_text", sa.Text)
)


def _escaped(column: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    for raw, entity in _ESCAPES:
        column = sa.func.replace(column, raw, entity)
    return column


def _unescaped(column: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    for raw, entity in reversed(_ESCAPES):
        column = sa.func.replace(column, entity, raw)
    return column


def _holds(column: sa.ColumnElement[str], characters: Sequence[str]) -> sa.ColumnElement[bool]:
    return sa.or_(*(column.contains(character, autoescape=True) for character in characters))


def upgrade() -> None:
    with op.batch_alter_table("job_segments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_issue", sa.String(length=200), nullable=True))
    special = [raw for raw, _ in _ESCAPES]
    source, translated = _segments.c.source_text, _segments.c.translated_text
    op.execute(
        _segments.update()
        .where(_holds(source, special) | _holds(translated, special))
        .values(source_text=_escaped(source), translated_text=_escaped(translated))
    )
    op.execute(
        _memory.delete().where(
            _holds(_memory.c.source_text, special) | _holds(_memory.c.translated_text, special)
        )
    )


def downgrade() -> None:
    # Canonical texts with codes have no plain form: their memory entries go, and job
    # segments are unescaped (a code's markup is left as it is written).
    escaped = ["&", "<"]
    op.execute(
        _memory.delete().where(
            _holds(_memory.c.source_text, escaped) | _holds(_memory.c.translated_text, escaped)
        )
    )
    source, translated = _segments.c.source_text, _segments.c.translated_text
    op.execute(
        _segments.update()
        .where(_holds(source, ["&"]) | _holds(translated, ["&"]))
        .values(source_text=_unescaped(source), translated_text=_unescaped(translated))
    )
    with op.batch_alter_table("job_segments", schema=None) as batch_op:
        batch_op.drop_column("code_issue")
