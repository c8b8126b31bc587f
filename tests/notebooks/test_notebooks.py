"""Every notebook runs top to bottom under nbval against a seeded temporary database.

nbval runs in its own pytest process so that its kernels start with this test's
environment: a fresh data dir holding the demo data set. ``--nbval-lax`` checks that
every cell runs without error (outputs are not compared: they hold live data).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import argon2
from sqlalchemy.engine import make_url

from workbench.accounts import passwords
from workbench.db import Database, migrate
from workbench.server.demo import seed_demo

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


async def seed(data_dir: Path) -> None:
    url = make_url(f"sqlite+aiosqlite:///{data_dir / 'workbench.db'}")
    await migrate.upgrade(url)
    previous = passwords.current_parameters()
    passwords.use_parameters(argon2.profiles.CHEAPEST)
    try:
        async with Database(url) as database:
            assert await seed_demo(database, "notebook admin password") is not None
    finally:
        passwords.use_parameters(previous)


def test_every_notebook_runs_under_nbval(isolated_settings: Path, tmp_path: Path) -> None:
    isolated_settings.mkdir(parents=True)
    asyncio.run(seed(isolated_settings))
    notebooks = sorted(NOTEBOOKS.rglob("*.ipynb"))
    assert {path.stem for path in notebooks} >= {
        "index",
        "users",
        "tiers",
        "settings",
        "translate",
        "glossaries",
        "account",
    }
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DEEPL_", "OPENAI_", "GOOGLE_"))  # the examples run on pseudo
    }
    env.update(WORKBENCH_DATA_DIR=str(isolated_settings), PYTHONUNBUFFERED="1")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "-p",
            "no:cacheprovider",
            "-q",
            "--rootdir",
            str(tmp_path),
            "-c",
            os.devnull,
            *map(str, notebooks),
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    summary = result.stdout.strip().splitlines()[-1]
    # Every cell ran: a cell nbval skipped, or a notebook it found no cell in, is a gap.
    assert " passed" in summary, summary
    assert "skipped" not in summary, summary
    assert "deselected" not in summary, summary
