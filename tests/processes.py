"""Processes that tests start: ``workbench serve``, their children, whether they live,
stopping them cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.ports import free_port


def children(pid: int) -> list[int]:
    listed = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    )
    return [int(line) for line in listed.stdout.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def stop_group(process: subprocess.Popen[bytes], signum: int = signal.SIGTERM) -> None:
    """Signal a process started in its own session, and all it started; kill if it hangs."""
    if process.poll() is None:
        os.killpg(process.pid, signum)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


SERVE_START_TIMEOUT = 60


def start_serve(
    env: dict[str, str], cwd: Path, log: Path, *options: str
) -> tuple[subprocess.Popen[bytes], int]:
    """``workbench serve [options]`` on a free port, in its own session; once it answers."""
    port = free_port()
    with log.open("wb") as out:
        serve = subprocess.Popen(
            [sys.executable, "-m", "workbench", "serve", "--port", str(port), *options],
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + SERVE_START_TIMEOUT
    while True:
        assert serve.poll() is None, log.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return serve, port
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.3)
