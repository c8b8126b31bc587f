"""Hostile input files (issue 15, findings 4 and 11) are refused before any work starts.

Each bomb is made here (:mod:`tests.attacks.input_bombs`) and handed to ``workbench
translate`` and to ``Engine.submit``, each in its own process whose address space is
capped at 1 GiB: the process must end with our one line (exit code 2), never a traceback,
a MemoryError or a kill, having used a fraction of the cap, and must leave no job row and
no quota reservation behind. Glossary imports get the spreadsheet bombs the same way.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import URL

from tests.attacks import input_bombs as bombs
from tests.attacks.input_bombs import MIB
from workbench.accounts.users import create_user
from workbench.db import Database
from workbench.db.models import Glossary, JobSegment, Tier, TranslationJob, UsageEvent, User

CAP = 1 << 30
# What a refused input may cost: the process itself takes about 90 MB, a 50 MB input
# about twice its size more. Anything near the cap means a bomb was partly unpacked.
PEAK = 256 * MIB
EMAIL = "attacker@example.org"

# Run in the capped process: the cap first, then its peak resident memory said at exit
# (VmHWM is this program's own; getrusage's maxrss would carry the forking test's over).
CAPPED = f"""
import atexit, re, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({CAP}, {CAP}))

def peak():
    with open("/proc/self/status") as status:
        print("peak", re.search(r"VmHWM:\\s*(\\d+) kB", status.read())[1], file=sys.stderr)

atexit.register(peak)
"""
CLI = CAPPED + "from workbench.cli import main\nmain()\n"
SUBMIT = (
    CAPPED
    + """
import asyncio, uuid
from workbench.batch.engine import Engine
from workbench.batch.jobs import JobSpec, Reading
from workbench.batch.paths import file_inputs
from workbench.cli_support import configured_database
from workbench.errors import WorkbenchError

async def submit(user_id, path, columns):
    db = configured_database()
    try:
        async with Engine(db) as engine:
            inputs = file_inputs(
                [path], "fr", data_dir=engine.settings.data_dir, reading=Reading(columns=columns)
            )
            await engine.submit(JobSpec("pseudo", "fr", user_id=user_id, inputs=tuple(inputs)))
    finally:
        await db.dispose()

try:
    asyncio.run(submit(uuid.UUID(sys.argv[1]), sys.argv[2], tuple(sys.argv[3:])))
except WorkbenchError as error:
    print(f"error: {error}", file=sys.stderr)
    sys.exit(error.exit_code)
print("submitted")
"""
)


@dataclass(frozen=True)
class Bomb:
    filename: str
    make: Callable[[], bytes]
    refusal: str  # a regular expression the one line must contain
    setting: str | None  # the variable the line names, for a limit one can raise
    columns: tuple[str, ...] = ()


BOMBS = {
    "sparse sheet": Bomb(
        "sparse.xlsx",
        lambda: bombs.sparse_xlsx({"A1": "text", "A2": "Hello"}),
        r"sheets span 17,179,869,184 cells",
        "WORKBENCH_MAX_CELLS",
        ("text",),
    ),
    "high-ratio sheet": Bomb(
        "packed.xlsx",
        lambda: bombs.inflating_xlsx(60 * MIB),
        r"part xl/worksheets/sheet1\.xml is packed \d{3} to 1",
        "WORKBENCH_MAX_COMPRESSION_RATIO",
        ("text",),
    ),
    "2 GiB workbook": Bomb(
        "huge.xlsx",
        lambda: bombs.inflating_xlsx(2048 * MIB),
        r"unpacks to 2,048 MB; the limit is 100 MB",
        "WORKBENCH_MAX_UNCOMPRESSED_MB",
        ("text",),
    ),
    "high-ratio document": Bomb(
        "packed.docx",
        lambda: bombs.inflating_docx(60 * MIB),
        r"part word/document\.xml is packed \d{3} to 1",
        "WORKBENCH_MAX_COMPRESSION_RATIO",
    ),
    "1.5 GiB document": Bomb(
        "huge.docx",
        lambda: bombs.inflating_docx(1536 * MIB),
        r"unpacks to 1,53\d MB; the limit is 100 MB",
        "WORKBENCH_MAX_UNCOMPRESSED_MB",
    ),
    "lying zip directory": Bomb(
        "lying.docx",
        lambda: bombs.lying_docx(1536 * MIB),
        r"word/document\.xml unpacks to more than the 4,096 bytes its zip directory declares",
        None,
    ),
    "billion laughs": Bomb(
        "laughs.docx",
        bombs.laughing_docx,
        r"word/document\.xml declares a DTD",
        None,
    ),
    "malformed XML": Bomb(
        "malformed.docx",
        bombs.malformed_docx,
        r"damaged: its part word/document\.xml is not well-formed XML \(Opening and ending",
        None,
    ),
    "JSON nested 10,000 deep": Bomb(
        "deep.json",
        lambda: bombs.deep_json(10_000),
        r"nested 10,000 levels deep; the limit is 100",
        "WORKBENCH_MAX_NESTING",
    ),
    "PO of 1,000,000 entries": Bomb(
        "million.po",
        lambda: bombs.po_catalog(1_000_000),
        r"this PO file has more than 200,000 entries",
        "WORKBENCH_MAX_SEGMENTS",
    ),
    "50 MB on one line": Bomb(
        "line.txt",
        lambda: bombs.one_line_text(50 * MIB),
        r"line\.txt, line 1 is 52,428,79\d bytes long; the limit is 65,536 bytes per segment",
        "WORKBENCH_MAX_SEGMENT_BYTES",
    ),
}


@pytest.fixture(scope="module")
def bomb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every bomb, made once for the module (both databases use the same files)."""
    folder = tmp_path_factory.mktemp("bombs")
    for bomb in BOMBS.values():
        (folder / bomb.filename).write_bytes(bomb.make())
    return folder


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def peak(self) -> int:
        """The process's peak resident memory, in bytes."""
        found = re.findall(r"^peak (\d+)$", self.stderr, re.MULTILINE)
        assert found, self.stderr
        return int(found[-1]) * 1024

    def one_line(self) -> str:
        """The one error line of a refusal, after checking it is nothing worse."""
        assert self.code == 2, (self.code, self.stdout, self.stderr)
        assert "Traceback" not in self.stderr
        assert "MemoryError" not in self.stderr
        lines = [line for line in self.stderr.splitlines() if line.startswith("error: ")]
        assert len(lines) == 1, self.stderr
        assert self.peak < PEAK, f"{self.peak / MIB:.0f} MiB at peak"
        return lines[0]


async def capped(code: str, *args: str, db_url: URL, cwd: Path) -> Outcome:
    """Run ``code`` with ``args`` in a process of at most 1 GiB of address space."""
    env = {
        **os.environ,
        "WORKBENCH_DATABASE_URL": db_url.render_as_string(hide_password=False),
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


async def unlimited_user(db: Database) -> uuid.UUID:
    """A user whose tier has no quota: only the input limits can refuse their job."""
    async with db.session() as session:
        await session.execute(
            update(Tier)
            .where(Tier.name == "pro")
            .values(daily_translation_limit=None, monthly_character_limit=None)
        )
        user = await create_user(session, email=EMAIL, hashed_password="x", tier="pro")
        await session.commit()
        return user.id


async def assert_nothing_stored(db: Database, user_id: uuid.UUID) -> None:
    async with db.session() as session:
        for table in (TranslationJob, JobSegment, UsageEvent):
            assert await session.scalar(select(func.count()).select_from(table)) == 0, table
        user = await session.get_one(User, user_id)
        assert (user.daily_translation_count, user.monthly_character_count) == (0, 0)


def assert_refused(line: str, bomb: Bomb) -> None:
    assert line.startswith(f"error: {bomb.filename}"), line
    assert re.search(bomb.refusal, line), line
    if bomb.setting is not None:
        assert f"({bomb.setting})" in line


@pytest.mark.parametrize("name", BOMBS)
async def test_translate_refuses_each_bomb_in_one_line_within_the_cap(
    name: str, bomb_dir: Path, db: Database, db_url: URL, tmp_path: Path
) -> None:
    bomb = BOMBS[name]
    user_id = await unlimited_user(db)
    columns = [option for column in bomb.columns for option in ("--column", column)]
    outcome = await capped(
        CLI,
        "translate",
        str(bomb_dir / bomb.filename),
        "--to",
        "fr",
        "--as",
        EMAIL,
        "--out",
        str(tmp_path / "out"),
        *columns,
        db_url=db_url,
        cwd=tmp_path,
    )
    assert_refused(outcome.one_line(), bomb)
    await assert_nothing_stored(db, user_id)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", BOMBS)
async def test_submit_refuses_each_bomb_before_reserving_anything(
    name: str, bomb_dir: Path, db: Database, db_url: URL, tmp_path: Path
) -> None:
    bomb = BOMBS[name]
    user_id = await unlimited_user(db)
    outcome = await capped(
        SUBMIT,
        str(user_id),
        str(bomb_dir / bomb.filename),
        *bomb.columns,
        db_url=db_url,
        cwd=tmp_path,
    )
    assert_refused(outcome.one_line(), bomb)
    assert "submitted" not in outcome.stdout
    await assert_nothing_stored(db, user_id)


# --- glossary imports ------------------------------------------------------------------


GLOSSARY_HEADER = {"A1": "source_term", "B1": "target_term", "A2": "cat", "B2": "chat"}
GLOSSARY_BOMBS = {
    "sparse sheet": Bomb(
        "sparse.xlsx",
        lambda: bombs.sparse_xlsx(GLOSSARY_HEADER),
        r"sheets span 17,179,869,184 cells",
        "WORKBENCH_MAX_CELLS",
    ),
    "high-ratio sheet": Bomb(
        "packed.xlsx",
        lambda: bombs.inflating_xlsx(60 * MIB),
        r"is packed \d{3} to 1",
        "WORKBENCH_MAX_COMPRESSION_RATIO",
    ),
    "CSV of 20 million columns": Bomb(
        "wide.csv",
        lambda: b"source_term,target_term" + b"," * (20 * MIB) + b"\ncat,chat\n",
        r"more than 2,000,000 cells \(rows × widest row so far: 1 × 20,971,522\)",
        "WORKBENCH_MAX_CELLS",
    ),
}


def glossary_import(path: Path, name: str) -> list[str]:
    return [
        "glossary",
        "import",
        str(path),
        "--name",
        name,
        "--source-lang",
        "en",
        "--target-lang",
        "fr",
    ]


async def glossary_count(db: Database) -> int:
    async with db.session() as session:
        return await session.scalar(select(func.count()).select_from(Glossary)) or 0


@pytest.mark.parametrize("name", GLOSSARY_BOMBS)
async def test_glossary_import_refuses_each_bomb_in_one_line_within_the_cap(
    name: str, db: Database, db_url: URL, tmp_path: Path
) -> None:
    bomb = GLOSSARY_BOMBS[name]
    path = tmp_path / bomb.filename
    path.write_bytes(bomb.make())
    outcome = await capped(CLI, *glossary_import(path, "bomb"), db_url=db_url, cwd=tmp_path)
    line = outcome.one_line()
    assert re.search(bomb.refusal, line), line
    assert f"({bomb.setting})" in line
    assert await glossary_count(db) == 0


async def test_a_sheet_declaring_every_cell_imports_what_it_holds_within_the_cap(
    db: Database, db_url: URL, tmp_path: Path
) -> None:
    # A1:XFD1048576 declared, an empty bold cell on row 500,000: trusting the declaration
    # meant 500,000 rows of 16,384 cells; the cells and the non-empty rows are what count.
    path = tmp_path / "declared.xlsx"
    path.write_bytes(bombs.lying_dimension_xlsx(GLOSSARY_HEADER, far_row=500_000))
    outcome = await capped(CLI, *glossary_import(path, "declared"), db_url=db_url, cwd=tmp_path)
    assert outcome.code == 0, outcome.stderr
    assert "Imported 1 entries" in outcome.stdout
    assert outcome.peak < PEAK, f"{outcome.peak / MIB:.0f} MiB at peak"
    assert await glossary_count(db) == 1
