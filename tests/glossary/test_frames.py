"""The pandas face of glossaries: frames in, frames out, problems by index label."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.glossary.support import entries_of, unique_name
from workbench.db import Database
from workbench.errors import InvalidInput
from workbench.glossary import from_frame, glossaries_frame, store, to_frame
from workbench.glossary.store import Entry


async def test_import_a_frame_and_get_it_back(shared_db: Database) -> None:
    frame = pd.DataFrame(
        {
            "source_term": ["cat", " dog ", "=not a formula here"],
            "target_term": ["chat", "chien", "=pas une formule"],
            "case_sensitive": [True, False, None],
            "note": ["pet", None, float("nan")],
        }
    )
    name = unique_name()
    async with shared_db.session() as session:
        result = await store.import_frame(
            session, frame, name=name, source_lang="en", target_lang="fr"
        )
        await session.commit()
        stored = await store.entries_frame(session, name)
        listed = glossaries_frame(await store.list_glossaries(session))
    assert result.imported == 3
    assert stored.to_dict("records") == [
        {"source_term": "cat", "target_term": "chat", "case_sensitive": True, "note": "pet"},
        {"source_term": "dog", "target_term": "chien", "case_sensitive": False, "note": ""},
        {
            "source_term": "=not a formula here",
            "target_term": "=pas une formule",
            "case_sensitive": False,
            "note": "",
        },
    ]
    row = listed.set_index("name").loc[name]
    assert (row["source_lang"], row["entries"], row["owner"]) == ("en", 3, "shared")


async def test_a_frame_from_to_frame_imports_unchanged(shared_db: Database) -> None:
    entries = [Entry("'quoted", "x", False, "n"), Entry("+1", "plus un", True, "")]
    name = unique_name()
    async with shared_db.session() as session:
        await store.import_frame(
            session, to_frame(entries), name=name, source_lang="en", target_lang="fr"
        )
        await session.commit()
    assert await entries_of(shared_db, name) == [
        ("'quoted", "x", False, "n"),
        ("+1", "plus un", True, ""),
    ]


def test_frame_problems_name_the_index_label() -> None:
    frame = pd.DataFrame(
        {"source_term": ["cat", "", "cat"], "target_term": ["chat", "x", "chatte"]},
        index=[10, 20, 30],
    )
    with pytest.raises(InvalidInput) as caught:
        from_frame(frame)
    assert caught.value.problems == [
        "index 20: source_term is empty",
        "index 30: source_term 'cat' is also on index 10 with a different target_term "
        "('chatte' here, 'chat' on index 10); keep one of them",
    ]


def test_frame_columns_are_checked() -> None:
    with pytest.raises(InvalidInput) as caught:
        from_frame(pd.DataFrame({"source": ["a"], "target_term": ["b"]}))
    assert caught.value.problems == [
        "unknown column 'source'; the columns are source_term, target_term, source_lang, "
        "target_lang, case_sensitive, note",
        "the column source_term is missing; the columns are source_term, target_term, "
        "source_lang, target_lang, case_sensitive, note",
    ]


def test_from_frame_gives_clean_entries() -> None:
    frame = pd.DataFrame({"source_term": [" a ", "b"], "target_term": ["x", "y"]})
    assert from_frame(frame) == [Entry("a", "x"), Entry("b", "y")]
    assert pd.api.types.is_bool_dtype(to_frame(from_frame(frame)).dtypes["case_sensitive"])
