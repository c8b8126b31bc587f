"""`workbench init` as a user runs it: a real process, real databases, one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from workbench.db import Database


def workbench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_one_line_error(done: subprocess.CompletedProcess[str], exit_code: int) -> str:
    assert done.returncode == exit_code, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_init_twice_on_a_fresh_data_dir(isolated_settings: Path) -> None:
    first = workbench("init")
    assert first.returncode == 0, first.stderr
    assert "upgraded from empty to" in first.stdout
    assert (isolated_settings / "workbench.db").is_file()
    assert (isolated_settings / "secret_key").is_file()

    key = (isolated_settings / "secret_key").read_bytes()
    second = workbench("init")
    assert second.returncode == 0, second.stderr
    assert "is up to date" in second.stdout
    assert (isolated_settings / "secret_key").read_bytes() == key


async def test_init_against_a_database_url(empty_db_url: URL) -> None:
    # The plain (sync) URL form a user would write; init converts it to the async driver.
    plain = empty_db_url.set(drivername=empty_db_url.get_backend_name())
    env = {"WORKBENCH_DATABASE_URL": plain.render_as_string(hide_password=False)}
    for expected in ("upgraded from empty to", "is up to date"):
        done = workbench("init", env=env)
        assert done.returncode == 0, done.stderr
        assert expected in done.stdout
    async with Database(empty_db_url) as db, db.engine.connect() as conn:
        tiers = (await conn.execute(text("SELECT count(*) FROM tiers"))).scalar()
    assert tiers == 2


def test_init_on_a_path_that_cannot_be_a_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    done = workbench("init", env={"WORKBENCH_DATA_DIR": str(blocker / "data")})
    line = assert_one_line_error(done, 2)
    assert "WORKBENCH_DATA_DIR" in line


def test_init_with_unreachable_postgres() -> None:
    url = "postgresql://wb:hunter2-secret@127.0.0.1:1/workbench"
    done = workbench("init", env={"WORKBENCH_DATABASE_URL": url})
    line = assert_one_line_error(done, 2)
    assert "connection refused" in line
    assert "hunter2-secret" not in done.stderr + done.stdout


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"WORKBENCH_DATABASE_URL": "mysql://u@h/d"}, "unsupported database"),
        ({"WORKBENCH_ENV": "staging"}, "WORKBENCH_ENV"),
        ({"WORKBENCH_ENV": "production"}, "WORKBENCH_SECRET_KEY must be set"),
    ],
)
def test_init_configuration_errors(env: dict[str, str], fragment: str) -> None:
    assert fragment in assert_one_line_error(workbench("init", env=env), 2)


def test_help_lists_commands_and_init_has_help() -> None:
    top = workbench("--help")
    assert top.returncode == 0
    assert "init" in top.stdout
    sub = workbench("init", "--help")
    assert sub.returncode == 0
    assert "upgrade" in sub.stdout


def test_unknown_command_is_a_usage_error() -> None:
    done = workbench("frobnicate")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "No such command" in done.stderr
