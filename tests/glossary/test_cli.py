"""`workbench glossary …` as a user runs it: real processes against real databases.

Commands that do not depend on each other run at the same time: each process spends most
of its life importing the workbench.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy.engine import URL, make_url

from tests.glossary.support import csv_bytes, database_state, entries_of, unique_name
from workbench.db import Database, migrate

ROWS = [
    ["source_term", "target_term", "case_sensitive", "note"],
    ["cat", "chat", "", "a pet"],
    ["'=SUM(A1)", "formula as text", "", ""],  # how a spreadsheet user writes it as text
    ["New\nYork", "New York", "yes", ""],
]
STORED = [
    ("cat", "chat", False, "a pet"),
    ("=SUM(A1)", "formula as text", False, ""),
    ("New\nYork", "New York", True, ""),
]
BAD = [
    ["source_term", "target_term"],
    ["cat", "chat"],
    ["", "orphan"],
    ["cat", "chatte"],
    ["bell\x07", "cloche"],
]


def workbench(url: URL, *commands: Sequence[str]) -> list[subprocess.CompletedProcess[str]]:
    """Run each command as ``python -m workbench.cli …``, all at once; wait for all."""
    env = {**os.environ, "WORKBENCH_DATABASE_URL": url.render_as_string(hide_password=False)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "workbench.cli", *command],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    done = []
    for process, command in zip(processes, commands, strict=True):
        stdout, stderr = process.communicate(timeout=180)
        done.append(subprocess.CompletedProcess(command, process.returncode, stdout, stderr))
    return done


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


async def test_import_list_show_export_delete(shared_db_url: URL, tmp_path: Path) -> None:
    name, bad_name = unique_name(), unique_name()
    good, bad = tmp_path / "terms.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_bytes(ROWS, delimiter=";"))
    bad.write_bytes(csv_bytes(BAD))
    async with Database(shared_db_url) as db:
        before = await database_state(db)

    imported, refused = workbench(
        shared_db_url,
        [
            "glossary",
            "import",
            str(good),
            "--name",
            name,
            "--source-lang",
            "en",
            "--target-lang",
            "fr",
        ],
        [
            "glossary",
            "import",
            str(bad),
            "--name",
            bad_name,
            "--source-lang",
            "en",
            "--target-lang",
            "fr",
        ],
    )
    assert "Imported 3 entries into the new glossary" in ok(imported)
    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr
    assert refused.stderr.splitlines() == [
        "error: bad.csv: 3 problems found; nothing was imported",
        "  line 3: source_term is empty",
        "  line 4: source_term 'cat' is also on line 2 with a different target_term "
        "('chatte' here, 'chat' on line 2); keep one of them",
        "  line 5: source_term contains the control character U+0007",
    ]

    csv_out, xlsx_out = tmp_path / "out.csv", tmp_path / "out.xlsx"
    listed, shown, to_csv, to_xlsx = workbench(
        shared_db_url,
        ["glossary", "list"],
        ["glossary", "show", name, "--limit", "2"],
        ["glossary", "export", name, str(csv_out)],
        ["glossary", "export", name, str(xlsx_out)],
    )
    row = next(line for line in ok(listed).splitlines() if line.startswith(name))
    assert row.split()[1:5] == ["en", "→", "fr", "3"]
    assert re.search(r"^1\s+cat\s+chat\s+no\s+a pet$", ok(shown), re.MULTILINE)
    assert re.search(r"^2\s+=SUM\(A1\)\s+formula as text\s+no$", shown.stdout, re.MULTILINE)
    assert "… and 1 more entries" in shown.stdout
    assert f"Exported 3 entries of glossary '{name}'" in ok(to_csv)
    ok(to_xlsx)
    assert csv_out.read_bytes().startswith(b"\xef\xbb\xbfsource_term,target_term,")
    assert b"'=SUM(A1)" in csv_out.read_bytes()

    copy = unique_name()
    copied, deleted = workbench(
        shared_db_url,
        ["glossary", "import", str(xlsx_out), "--name", copy],
        ["glossary", "delete", name, "--yes"],
    )
    assert "Imported 3 entries into the new glossary" in ok(copied)
    assert "(en → fr)" in copied.stdout
    assert f"Deleted glossary '{name}' (3 entries)." in ok(deleted)
    async with Database(shared_db_url) as db:
        assert await entries_of(db, copy) == STORED
        after = await database_state(db)
    assert after[0]["glossaries"] == before[0]["glossaries"] + 1


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> URL:
    """A migrated SQLite database of its own: these errors do not depend on the backend."""
    url = make_url(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    await migrate.upgrade(url)
    return url


async def test_errors(sqlite_url: URL, tmp_path: Path) -> None:
    terms, bad = tmp_path / "terms.csv", tmp_path / "bad.csv"
    terms.write_bytes(csv_bytes([["source_term", "target_term"], ["a", "b"]]))
    bad.write_bytes(csv_bytes(BAD))
    name = ["--name", unique_name()]
    languages = ["--source-lang", "en", "--target-lang", "fr"]
    async with Database(sqlite_url) as db:
        before = await database_state(db)
    refused, *results = workbench(
        sqlite_url,
        ["glossary", "import", str(bad), *name, *languages],
        ["glossary", "show", "nothing-here"],
        ["glossary", "export", "nothing-here", str(tmp_path / "out.pdf")],
        ["glossary", "delete", "nothing-here"],
        ["glossary", "import", str(terms), *name, "--mode", "merge", "--owner", "a@b.c"],
        ["glossary", "import", str(terms), *name, *languages, "--owner", "nobody@example.com"],
        ["glossary", "import", str(terms), *name],
    )
    expected = [
        "no glossary 'nothing-here'",
        "export to a .csv or .xlsx file",
        "needs confirmation: add --yes",
        "--owner applies when a glossary is created",
        "nobody@example.com",
        "the source and target language of glossary",
    ]
    for done, fragment in zip(results, expected, strict=True):
        assert fragment in one_line_error(done)
    # A file with problems: a summary line, then every problem on a line of its own.
    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr
    assert refused.stderr.splitlines() == [
        "error: bad.csv: 3 problems found; nothing was imported",
        "  line 3: source_term is empty",
        "  line 4: source_term 'cat' is also on line 2 with a different target_term "
        "('chatte' here, 'chat' on line 2); keep one of them",
        "  line 5: source_term contains the control character U+0007",
    ]
    async with Database(sqlite_url) as db:
        assert await database_state(db) == before
