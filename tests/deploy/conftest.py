"""Deployment fixtures: the container's commands as plain processes, always cleaned up."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import URL

from tests.conftest import ScratchDatabases

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "deploy" / "compose.yaml"

# What a developer's shell may hold that must not leak into the processes under test.
_SETTINGS = re.compile(r"^(WORKBENCH_|DEEPL_|OPENAI_|GOOGLE_CLOUD_|OLLAMA_)")


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


def with_defaults(word: str) -> str:
    """A compose value with each ``${NAME:-default}`` replaced by its default."""
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}", r"\1", word)


def service_command(service: str) -> list[str]:
    """The service's command from compose.yaml, run by this Python instead of the image."""
    command = [with_defaults(word) for word in compose()["services"][service]["command"]]
    assert command[0] == "workbench"
    return [sys.executable, "-m", "workbench", *command[1:]]


def isolated_env(**settings: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not _SETTINGS.match(name)}
    env["NO_PROXY"] = "127.0.0.1,localhost"
    env.update(settings)
    return env


class Processes:
    """Background processes, each in its own process group, all stopped at the end."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.logs.mkdir(parents=True, exist_ok=True)
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, command: list[str], env: dict[str, str], cwd: Path) -> Any:
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.running.append((name, process))
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def logs_tail(self) -> str:
        return "\n".join(f"--- {name}\n{self.log(name)[-3000:]}" for name, _ in self.running)

    def stop_all(self) -> None:
        for _, process in self.running:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in self.running:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            # Voilà's kernels live in the same group and may outlive their parent.
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        self.running.clear()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    started = Processes(tmp_path / "logs")
    try:
        yield started
    finally:
        started.stop_all()


@pytest.fixture
def postgres_url(postgres_server: bool, tmp_path: Path) -> Iterator[URL]:
    """A throw-away, empty PostgreSQL database."""
    databases = ScratchDatabases("postgresql", tmp_path)
    try:
        yield databases.empty()
    finally:
        databases.drop_all()
