"""Processes that tests start: their children, whether they live, stopping them cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path


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
