"""The container's commands, run here as plain processes against the local PostgreSQL.

The deployment as compose runs it: migrate, the dashboards without their own worker, two
workers, a job submitted through the CLI and run by the workers, the health check; then
the same after an upgrade (the database one migration behind, then `workbench init`).
Only production settings from the environment, as in the containers.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import URL

from tests.deploy.conftest import ROOT, Processes, isolated_env, service_command
from tests.ports import free_port
from tests.processes import children
from workbench.db import migrate
from workbench.server.throttle import LIMITS

pytestmark = pytest.mark.postgres

SECRET = "a-deployment-test-secret-of-48-characters-000000"


def run(
    command: list[str], env: dict[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def workbench(*args: str) -> list[str]:
    return [sys.executable, "-m", "workbench", *args]


def wait_for_sign_in_page(port: int, processes: Processes, dashboards: subprocess.Popen) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert dashboards.poll() is None, processes.logs_tail()
        try:
            answer = httpx.get(f"http://127.0.0.1:{port}/login", timeout=5)
        except httpx.TransportError:
            time.sleep(0.5)
            continue
        assert answer.status_code == 200, answer.text
        assert 'action="/login' in answer.text
        return
    pytest.fail(f"the dashboards never answered on /login\n{processes.logs_tail()}")


def check_sign_in_limits_follow_the_proxy(port: int) -> None:
    """Behind the proxy, attempts count per forwarded client address, not per proxy."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", follow_redirects=False) as client:
        client.get("/login")
        xsrf = client.cookies["_xsrf"]

        def attempt(address: str, n: int) -> int:
            form = {"_xsrf": xsrf, "email": f"guess{n}@example.com", "password": "wrong"}
            headers = {"X-Forwarded-For": address, "X-Forwarded-Proto": "https"}
            return client.post("/login", data=form, headers=headers).status_code

        limit = LIMITS["address"]
        statuses = [attempt("203.0.113.7", n) for n in range(limit + 1)]
        assert statuses == [401] * limit + [429]
        assert attempt("203.0.113.8", limit + 1) == 401  # another client is not locked out


def job_status(job: str, env: dict[str, str], cwd: Path) -> str:
    shown = run(workbench("jobs", "show", job), env, cwd)
    assert shown.returncode == 0, shown.stderr
    match = re.search(r"status: (\w+)", shown.stdout)
    assert match, shown.stdout
    return match[1]


def deploy_and_translate(
    round_name: str, env: dict[str, str], work: Path, processes: Processes
) -> None:
    """Dashboards and two workers up; a queued job completes; then everything stops."""
    port = free_port()
    dashboards = processes.start(
        f"{round_name}-dashboards",
        [*service_command("dashboards"), "--host", "127.0.0.1", "--port", str(port)],
        env,
        work,
    )
    wait_for_sign_in_page(port, processes, dashboards)
    check_sign_in_limits_follow_the_proxy(port)

    source = work / f"{round_name}.md"
    source.write_text("# Release notes\n\nFaster exports.\n\nFewer clicks.\n\nBetter search.\n")
    submitted = run(
        workbench("translate", str(source), "--to", "fr", "--provider", "pseudo", "--queue"),
        env,
        work,
    )
    assert submitted.returncode == 0, submitted.stderr
    assert "segments to translate" in submitted.stderr
    match = re.fullmatch(r"job ([0-9a-f]{8}) queued\n", submitted.stdout)
    assert match, submitted.stdout
    job = match[1]

    # The dashboards run no worker of their own: the job waits for the worker services.
    assert [command for command in child_commands(dashboards.pid) if "worker" in command] == []
    assert job_status(job, env, work) == "queued"

    workers = [
        processes.start(f"{round_name}-worker-{n}", service_command("worker"), env, work)
        for n in (1, 2)
    ]
    deadline = time.monotonic() + 90
    while (status := job_status(job, env, work)) in ("queued", "running"):
        assert time.monotonic() < deadline, processes.logs_tail()
        time.sleep(0.5)
    assert status == "completed", processes.logs_tail()
    translated = (work / f"{round_name}.fr.md").read_text()
    assert translated.startswith("# [")
    assert all(worker.poll() is None for worker in workers), processes.logs_tail()

    health = run(workbench("healthcheck"), env, work)
    assert health.returncode == 0, health.stderr
    assert health.stdout.startswith("ok: database postgresql+asyncpg://")
    processes.stop_all()


def child_commands(pid: int) -> list[str]:
    """The command lines of a process's children."""
    return [
        Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        for child in children(pid)
    ]


def test_deploy_then_upgrade_on_postgresql(
    postgres_url: URL, tmp_path: Path, processes: Processes
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    plain_url = postgres_url.set(drivername="postgresql")
    env = isolated_env(
        WORKBENCH_ENV="production",
        WORKBENCH_DATABASE_URL=plain_url.render_as_string(hide_password=False),
        WORKBENCH_DATA_DIR=str(tmp_path / "data"),
        WORKBENCH_SECRET_KEY=SECRET,
    )

    not_yet = run(workbench("healthcheck"), env, work)
    assert not_yet.returncode == 2
    assert "not initialised" in not_yet.stderr

    migrated = run(service_command("migrate"), env, work)
    assert migrated.returncode == 0, migrated.stderr
    assert "upgraded from empty to" in migrated.stdout
    deploy_and_translate("first", env, work, processes)

    # The upgrade path: a database one migration behind this version, then the migration.
    downgraded = run(
        [sys.executable, "-m", "alembic", "-c", str(ROOT / "alembic.ini"), "downgrade", "-1"],
        env,
        work,
    )
    assert downgraded.returncode == 0, downgraded.stderr
    behind = run(workbench("healthcheck"), env, work)
    assert behind.returncode == 2
    assert behind.stderr.startswith("error: the database is at revision ")
    assert f"not {migrate.head_revision()}; run `workbench init`" in behind.stderr

    migrated = run(service_command("migrate"), env, work)
    assert migrated.returncode == 0, migrated.stderr
    assert f"to {migrate.head_revision()}" in migrated.stdout
    deploy_and_translate("upgraded", env, work, processes)


def test_production_without_a_secret_key_is_refused(postgres_url: URL, tmp_path: Path) -> None:
    env = isolated_env(
        WORKBENCH_ENV="production",
        WORKBENCH_DATABASE_URL=postgres_url.render_as_string(hide_password=False),
        WORKBENCH_DATA_DIR=str(tmp_path / "data"),
    )
    done = run(service_command("migrate"), env, tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: WORKBENCH_SECRET_KEY must be set when WORKBENCH_ENV=production"
    )
