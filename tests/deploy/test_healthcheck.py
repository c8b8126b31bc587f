"""`workbench healthcheck`: exit 0 only when the database answers at the latest schema,
else one line saying why and exit 2; quick enough to run every 30 seconds."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import click
import pytest
from sqlalchemy.engine import URL

from tests.deploy.conftest import isolated_env
from workbench.cli import LAZY_COMMANDS, cli
from workbench.db import migrate


def healthcheck(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", "healthcheck"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_follows_the_schema_through_init_and_upgrade(empty_db_url: URL, tmp_path: Path) -> None:
    env = isolated_env(
        WORKBENCH_DATABASE_URL=empty_db_url.render_as_string(hide_password=False),
        WORKBENCH_DATA_DIR=str(tmp_path / "data"),
    )
    head = migrate.head_revision()
    # PostgreSQL: an empty database; SQLite: no file yet (and the check creates none).
    assert one_line_error(healthcheck(env, tmp_path)).endswith("run `workbench init` first")

    asyncio.run(migrate.upgrade(empty_db_url))
    healthy = healthcheck(env, tmp_path)
    assert healthy.returncode == 0, healthy.stderr
    assert healthy.stdout.strip().endswith(f"answers at revision {head}")

    behind = asyncio.run(migrate.downgrade(empty_db_url, "-1")).after
    message = one_line_error(healthcheck(env, tmp_path))
    assert message == (
        f"error: the database is at revision {behind}, not {head}; run `workbench init` first"
    )
    asyncio.run(migrate.upgrade(empty_db_url))
    assert healthcheck(env, tmp_path).returncode == 0


def test_unreachable_database(tmp_path: Path) -> None:
    env = isolated_env(
        WORKBENCH_DATABASE_URL="postgresql://workbench:hunter2-secret@127.0.0.1:1/workbench",
        WORKBENCH_DATA_DIR=str(tmp_path / "data"),
    )
    message = one_line_error(healthcheck(env, tmp_path))
    assert message.startswith(
        "error: cannot use the database postgresql+asyncpg://workbench:***@127.0.0.1:1/workbench"
    )
    assert "connection refused" in message
    assert "hunter2" not in message


def test_missing_sqlite_database_is_not_created(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = isolated_env(WORKBENCH_DATA_DIR=str(data))
    message = one_line_error(healthcheck(env, tmp_path))
    assert message == (
        f"error: there is no database at {data / 'workbench.db'}; run `workbench init` first"
    )
    assert not data.exists()


def test_does_not_load_the_heavy_libraries(tmp_path: Path) -> None:
    probe = (
        "import atexit, sys\n"
        "heavy = ('pandas', 'voila', 'openai', 'deepl', 'ipywidgets', 'matplotlib')\n"
        "atexit.register(lambda: print(sorted(m for m in heavy if m in sys.modules)))\n"
        "from workbench.cli import main\n"
        "main(['healthcheck'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env=isolated_env(WORKBENCH_DATA_DIR=str(tmp_path / "data")),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_every_command_is_listed_and_found(name: str) -> None:
    context = click.Context(cli)
    assert name in cli.list_commands(context)
    command = cli.get_command(context, name)
    assert command is not None
    assert command.name == name
