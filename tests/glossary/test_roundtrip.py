"""Export then import gives back exactly the same entries, in the same order (Hypothesis)."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.glossary.support import entries_of, unique_name
from workbench.db import Database
from workbench.formulas import neutralise, unescape
from workbench.glossary import store
from workbench.glossary.reading import FileFormat, read_file
from workbench.glossary.rules import LINE_BREAKS
from workbench.glossary.validation import validate
from workbench.glossary.writing import to_bytes

Row = tuple[str, str, bool, str]

# What makes CSV and spreadsheets trip: quotes, delimiters, line breaks, formula signs,
# the escape apostrophe itself, and text far from ASCII.
SPECIAL = [
    *"\"',;\t\n\r=-+@ '",
    "''",
    "=SUM(A1)",
    "_x000D_",
    "é",
    "ß",
    "東京",
    "🙂",
    "\u00a0",
    "\u2028",
]
CHARACTERS = st.one_of(
    st.sampled_from(SPECIAL),
    st.characters(
        codec="utf-8", exclude_categories=("Cc", "Cs"), exclude_characters="\ufffe\uffff"
    ),
)


def canonical(text: str) -> str:
    """How a stored value looks: trimmed, every line break a newline."""
    return LINE_BREAKS.sub("\n", text.strip())


TEXT = st.lists(CHARACTERS, max_size=12).map("".join).map(canonical)
TERM = TEXT.filter(bool)
ENTRY = st.tuples(TERM, TERM, st.booleans(), TEXT)
ENTRIES = st.lists(ENTRY, min_size=1, max_size=12, unique_by=lambda row: row[0])


# A busy machine must not fail the run: generating examples is not what is tested.
SLOW_OK = [HealthCheck.too_slow]


@settings(deadline=None, suppress_health_check=SLOW_OK)
@given(st.lists(CHARACTERS, max_size=8).map("".join))
def test_unescape_undoes_neutralise(cell: str) -> None:
    assert unescape(neutralise(cell)) == cell
    assert not neutralise(cell).startswith(("=", "+", "-", "@", "\t", "\r"))


def frame_of(rows: list[Row]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["source_term", "target_term", "case_sensitive", "note"])


@settings(max_examples=60, deadline=None, suppress_health_check=SLOW_OK)
@given(rows=ENTRIES, fmt=st.sampled_from(list(FileFormat)))
def test_written_files_read_back_the_same(rows: list[Row], fmt: FileFormat) -> None:
    exported = to_bytes(fmt, frame_of(rows), "en", "ja")
    valid = validate(read_file(exported, f"export.{fmt}"))
    assert list(valid.entries.itertuples(index=False, name=None)) == rows
    assert (valid.source_lang, valid.target_lang) == ("en", "ja")


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[*SLOW_OK, HealthCheck.function_scoped_fixture],
)
@given(rows=ENTRIES)
async def test_stored_glossaries_export_and_import_the_same(
    shared_db: Database, rows: list[Row]
) -> None:
    name = unique_name()
    async with shared_db.session() as session:
        original = await store.import_frame(
            session, frame_of(rows), name=name, source_lang="en", target_lang="ja"
        )
        await session.commit()
    assert await entries_of(shared_db, name) == rows
    for fmt in FileFormat:
        async with shared_db.session() as session:
            exported = await store.export_glossary(session, name, fmt)
            copy = unique_name()
            result = await store.import_file(session, exported, f"export.{fmt}", name=copy)
            await session.commit()
        assert await entries_of(shared_db, copy) == rows, fmt
        assert result.glossary.checksum == original.glossary.checksum
