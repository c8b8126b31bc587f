"""A corpus of bad glossary files: each is refused with its problems, line by line, in every
import mode, and the database is left exactly as it was."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from tests.glossary.support import csv_bytes, database_state, import_bytes, xlsx_bytes
from workbench.db import Database
from workbench.db.models import Glossary
from workbench.errors import InvalidInput
from workbench.glossary.rules import MAX_ENTRIES, MAX_FILE_BYTES
from workbench.glossary.store import ImportMode

HEADER = ["source_term", "target_term"]
TEN_MIB = 10 * 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@dataclass(frozen=True)
class BadFile:
    data: bytes
    problems: list[str]  # each problem's start: "line 3: source_term is empty"
    filename: str = "glossary.csv"
    message: str = "problem"  # a fragment of the error's first line
    options: dict[str, Any] = field(default_factory=dict)


CORPUS = {
    "wrong columns": BadFile(
        csv_bytes([["source_term", "traget_term", "notes"], ["a", "b", "c"]]),
        [
            "line 1: unknown column 'traget_term'; the columns are source_term, target_term, "
            "source_lang, target_lang, case_sensitive, note",
            "line 1: unknown column 'notes'",
            "line 1: the column target_term is missing",
        ],
    ),
    "undecodable bytes": BadFile(
        b"source_term,target_term\r\nok,fine\r\nbad\x81\x8d,x\r\n",
        [
            "line 3: byte 0x81 is not UTF-8, and the file does not read as GB18030, Shift-JIS, "
            "Windows-1252 text either; save it as UTF-8"
        ],
    ),
    "broken utf-16": BadFile(
        b"\xff\xfe" + "source_term,target_term\r\nok,fine\r\n".encode("utf-16-le") + b"\x00\xd8",
        ["line 3: the file starts with a UTF-16 byte order mark but is not valid UTF-16 here"],
    ),
    "duplicates with different targets": BadFile(
        csv_bytes([HEADER, ["cat", "chat"], ["dog", "chien"], ["dog", "chien"], ["cat", "chatte"]]),
        [
            "line 5: source_term 'cat' is also on line 2 with a different target_term "
            "('chatte' here, 'chat' on line 2)"
        ],
    ),
    "duplicates with different case sensitivity": BadFile(
        csv_bytes(
            [
                ["source_term", "target_term", "case_sensitive"],
                ["Apple", "Apple", "yes"],
                ["Apple", "Apple", "no"],
            ]
        ),
        [
            "line 3: source_term 'Apple' is also on line 2 with a different case_sensitive "
            "(false here, true on line 2)"
        ],
    ),
    "empty terms": BadFile(
        csv_bytes([HEADER, ["cat", "chat"], ["", "orphan"], ["lonely", "   "], ["dog"]]),
        [
            "line 3: source_term is empty",
            "line 4: target_term is empty",
            "line 5: target_term is empty",
        ],
    ),
    "a formula-only cell": BadFile(
        csv_bytes([HEADER, ["cat", "chat"], ["calc", "=cmd|' /C calc'!A0"]]),
        ["line 3: target_term \"=cmd|' /C calc'!A0\" starts with '='"],
    ),
    "no rows": BadFile(csv_bytes([HEADER]), ["there are no entries"]),
    "no bytes": BadFile(b"", ["the file is empty"]),
    "only blank lines": BadFile(b"\r\n,\r\n , \r\n", ["the file has no entries"]),
    "a binary file renamed .csv": BadFile(
        PNG, ["this is binary data, not CSV text: it has NUL bytes"]
    ),
    "a 10 MB line": BadFile(
        b"source_term,target_term\r\n" + b"x" * TEN_MIB + b",y\r\nok,fine\r\n",
        [f"line 2: source_term '{'x' * 39}…' is 10,485,760 bytes long in UTF-8; the limit is"],
    ),
    "control characters": BadFile(
        csv_bytes(
            [
                ["source_term", "target_term", "note"],
                ["bell\x07", "cloche", ""],
                ["ok", "fine", "escape \x1b[31m"],
                ["del\x7f", "suppr", ""],
                ["vertical\x0btab", "tab", ""],
            ]
        ),
        [
            "line 2: source_term contains the control character U+0007",
            "line 3: note contains the control character U+001B",
            "line 4: source_term contains the control character U+007F",
            "line 5: source_term contains the control character U+000B",
        ],
    ),
    "mixed language pairs": BadFile(
        csv_bytes(
            [
                ["source_term", "target_term", "source_lang", "target_lang"],
                ["cat", "chat", "en", "fr"],
                ["dog", "Hund", "en", "de"],
                ["bird", "oiseau", "EN", "FR"],
            ]
        ),
        ["line 3: target_lang is de, but line 2 has fr; a glossary has one language pair"],
    ),
    "a pair that contradicts the requested languages": BadFile(
        csv_bytes(
            [
                ["source_term", "target_term", "source_lang", "target_lang"],
                ["cat", "chat", "en", "fr"],
                ["dog", "chien", "en", "fr"],
            ]
        ),
        [
            "line 2: source_lang is en, but the requested source language is de",
            "line 3: source_lang is en, but the requested source language is de",
        ],
        options={"source_lang": "de", "target_lang": "fr"},
    ),
    "a malformed language code": BadFile(
        csv_bytes([["source_term", "target_term", "source_lang"], ["cat", "chat", "english!"]]),
        ["line 2: source_lang 'english!' is not a language code"],
    ),
    "bad case_sensitive values": BadFile(
        csv_bytes(
            [["source_term", "target_term", "case_sensitive"], ["a", "b", "maybe"], ["c", "d", "Y"]]
        ),
        ["line 2: case_sensitive is 'maybe'", "line 3: case_sensitive is 'Y'"],
    ),
    "a row with too many cells after a multi-line cell": BadFile(
        b'source_term,target_term\r\n"multi\r\nline",ok\r\nfine,good\r\nx,y,z\r\n',
        ["line 5: 3 cells, but line 1 has 2"],
    ),
    "a quote never closed": BadFile(
        b'source_term,target_term\r\nok,fine\r\n"never closed,x\r\nmore,rows\r\n',
        ["line 3: a quoted cell starts here and is never closed"],
    ),
    "headerless with three columns": BadFile(
        b"one,two,three\r\nfour,five,six\r\n",
        ["line 1: 3 columns and no header; a file without a header has 2 columns"],
    ),
    "every problem at once, in line order": BadFile(
        b"source_term;target_term;note\r\n"  # 1
        b'"multi\nline";=1+1;\r\n'  # 2-3
        b";empty;\r\n"  # 4
        b"\r\n"  # 5
        b"a;b;\x01\r\n"  # 6
        b"multi\n;other;\r\n",  # 7-8 (an unquoted line break ends the record)
        [
            "line 2: target_term '=1+1' starts with '='",
            "line 4: source_term is empty",
            "line 6: note contains the control character U+0001",
            "line 7: target_term is empty",
            "line 8: source_term is empty",
        ],
    ),
    "xlsx with a formula and an empty term": BadFile(
        xlsx_bytes([HEADER, ["cat", "chat"], ["=SUM(A1:A2)", "sum"], [None, None], ["dog", None]]),
        ["row 3: source_term '=SUM(A1:A2)' starts with '='", "row 5: target_term is empty"],
        filename="glossary.xlsx",
    ),
    "a damaged xlsx": BadFile(
        b"PK\x03\x04 this is not really a zip", [], filename="glossary.xlsx", message="readable"
    ),
    "an unknown file type": BadFile(
        b"%PDF-1.7", ["glossary.pdf is not a glossary file"], filename="glossary.pdf"
    ),
    "a file over the size limit": BadFile(
        b"source_term,target_term\r\n" + b"a,b\r\n" * (MAX_FILE_BYTES // 5 + 1),
        ["the file is 32.0 MiB; the limit is 32 MiB"],
    ),
    "more entries than the limit": BadFile(
        b"source_term,target_term\n"
        + b"".join(b"t%d,u\n" % index for index in range(MAX_ENTRIES + 1)),
        ["the file has more than 250,000 entries, the limit"],
    ),
}


@pytest.fixture
async def seeded(shared_db: Database) -> Database:
    """The module's database with the glossary replace and merge attempts target."""
    async with shared_db.session() as session:
        exists = await session.scalar(select(Glossary.id).where(Glossary.name == "existing"))
    if exists is None:
        await import_bytes(
            shared_db,
            csv_bytes([HEADER, ["existing", "existant"], ["other", "autre"]]),
            "seed.csv",
            name="existing",
            source_lang="en",
            target_lang="fr",
        )
    return shared_db


@pytest.mark.parametrize("case", CORPUS.values(), ids=list(CORPUS))
async def test_bad_file_is_refused_with_its_problems(seeded: Database, case: BadFile) -> None:
    db = seeded
    before = await database_state(db)
    attempts = [("new", ImportMode.CREATE), ("existing", ImportMode.REPLACE)]
    attempts.append(("existing", ImportMode.MERGE))
    for name, mode in attempts:
        with pytest.raises(InvalidInput) as caught:
            await import_bytes(db, case.data, case.filename, name=name, mode=mode, **case.options)
        error = caught.value
        assert case.message in str(error)
        assert len(error.problems) == len(case.problems), error.problems
        for problem, expected in zip(error.problems, case.problems, strict=True):
            assert problem.startswith(expected) or expected in problem, (problem, expected)
        assert await database_state(db) == before


async def test_a_file_without_languages_cannot_create_a_glossary(shared_db: Database) -> None:
    db = shared_db
    before = await database_state(db)
    with pytest.raises(InvalidInput, match="source and target language of glossary 'pets'"):
        await import_bytes(db, csv_bytes([HEADER, ["cat", "chat"]]), "g.csv", name="pets")
    assert await database_state(db) == before
