"""The job worker that ``workbench serve`` runs beside the dashboards, kept alive.

The worker is a child process (``workbench worker``). A thread waits on it; when it dies
(a crash, the kernel's OOM killer, ``kill -9``) it is reaped at once (never left defunct)
and started again after a wait that doubles from :data:`FIRST_WAIT` up to
:data:`LONGEST_WAIT`, back to the first once a worker has run for :data:`STEADY_AFTER`.
Each exit and each restart is one log line.

A worker that stopped because it was asked to (exit 0 after SIGINT or SIGTERM) is usually
stopping with the server: Ctrl-C in a terminal, or a service manager, signals the whole
process group. It is restarted only if the server is still running after
:data:`STOP_SECONDS`. :meth:`WorkerSupervisor.stop` asks the worker to finish its chunks
(SIGTERM) and kills it if it has not within :data:`STOP_SECONDS`.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import suppress

log = logging.getLogger("workbench.serve")

FIRST_WAIT = 1.0
LONGEST_WAIT = 60.0
STEADY_AFTER = 60.0
STOP_SECONDS = 20.0


class WorkerSupervisor:
    def __init__(self, log_level: str) -> None:
        self._command = [sys.executable, "-m", "workbench", "worker", "--log-level", log_level]
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # a restart and a stop never cross
        self._process: subprocess.Popen[bytes] | None = None
        self._watcher = threading.Thread(target=self._watch, name="worker-supervisor", daemon=True)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> WorkerSupervisor:
        self._process = self._spawn()
        self._watcher.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            process = self._process
        if process is not None:
            _stop(process)
        self._watcher.join(STOP_SECONDS)

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(  # noqa: S603  (our own command; the level is one of LOG_LEVELS)
            self._command, env=os.environ.copy()
        )

    def _watch(self) -> None:
        wait = FIRST_WAIT
        while True:
            process = self._process
            assert process is not None
            started = time.monotonic()
            code = process.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - started >= STEADY_AFTER:
                wait = FIRST_WAIT
            pause = max(wait, STOP_SECONDS) if code == 0 else wait
            log.warning(
                "the job worker (pid %d) %s; starting a new one in %.0f s",
                process.pid,
                _exit_reason(code),
                pause,
            )
            if self._stopping.wait(pause):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                self._process = self._spawn()
            log.warning("job worker restarted (pid %d)", self._process.pid)
            wait = min(wait * 2, LONGEST_WAIT)


def _exit_reason(code: int) -> str:
    if code < 0:
        with suppress(ValueError):
            return f"was killed by {signal.Signals(-code).name}"
        return f"was killed by signal {-code}"
    if code == 0:
        return "stopped as it was asked to"
    return f"exited with status {code}"


def _stop(worker: subprocess.Popen[bytes]) -> None:
    """Ask the worker to finish its chunk and stop; kill it if it does not."""
    if worker.poll() is not None:
        return
    with suppress(ProcessLookupError):
        worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
