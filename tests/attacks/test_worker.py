"""The job worker attacked: jobs it cannot finish, database outages, being killed.

Real ``workbench worker`` and ``workbench serve`` processes, a fake DeepL on loopback.

- A job the worker cannot finish (a JSON file nested 900 deep, an output it cannot
  write, an unexpected error at the end) ends failed after at most ``MAX_TRIES`` tries,
  with one line for its user, its quota settled once, and its log says so once.
- PostgreSQL goes away for 5 s (a proxy in front of the shared server is cut): an idle
  and a busy worker ride it out; the job completes, each text sent and billed once.
- ``serve`` restarts a worker that was killed; ``healthcheck`` fails while queued jobs
  have no live worker, and is ok again once one runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import URL

from tests.batch.test_job_faults import pro_user
from tests.batch.test_workers import (
    assert_billed_once,
    assert_translated_once,
    environment,
    fake_deepl,
    job_row,
    sent_texts,
)
from tests.deploy.test_healthcheck import healthcheck, one_line_error
from tests.processes import children, stop_group
from tests.providers.fakes.deepl_api import FakeDeepL
from tests.providers.fakes.server import Received, Reply
from tests.server.test_serve import start_serve
from tests.tcp_proxy import TcpProxy
from workbench.batch.engine import MAX_TRIES, Engine
from workbench.batch.jobs import JobInput, JobSpec
from workbench.batch.paths import file_inputs
from workbench.db import Database
from workbench.db.base import utcnow
from workbench.db.models import JobStatus, TranslationJob, UsageEvent, User, WorkerHeartbeat

__all__ = ["environment", "fake_deepl"]  # fixtures shared with the worker tests

CUT_SECONDS = 5  # how long the database is away: the one duration these tests choose
WAIT = 120  # seconds a test waits for an event before it calls it lost


@pytest.fixture
async def db(environment: dict[str, str], db_url: URL) -> AsyncIterator[Database]:
    async with Database(db_url) as database:
        yield database


async def queue(
    db: Database, user_id: uuid.UUID, texts: list[str] | None = None, **spec: Any
) -> uuid.UUID:
    async with Engine(db) as engine:
        job, _ = await engine.submit(JobSpec("deepl", "FR", user_id=user_id, **spec), texts)
    return job.id


async def queue_notes(
    db: Database, user_id: uuid.UUID, folder: Path, out_dir: str | None = None
) -> tuple[uuid.UUID, list[JobInput]]:
    """A job for a small JSON file, as `workbench translate notes.json --queue` makes it."""
    source = folder / "notes.json"
    source.write_text(json.dumps({"greeting": "Hello world"}))
    inputs = file_inputs([source], "FR", data_dir=folder, out_dir=out_dir)
    return await queue(db, user_id, inputs=tuple(inputs)), inputs


async def job_when(
    db: Database, job_id: uuid.UUID, ready: Callable[[TranslationJob], bool]
) -> TranslationJob:
    """The job's row once ``ready`` says so (read every 50 ms)."""
    async with asyncio.timeout(WAIT):
        while True:
            job = await job_row(db, job_id)
            if ready(job):
                return job
            await asyncio.sleep(0.05)


async def ended(db: Database, job_id: uuid.UUID) -> TranslationJob:
    return await job_when(
        db, job_id, lambda job: job.status not in (JobStatus.QUEUED, JobStatus.RUNNING)
    )


def worker(env: dict[str, str], log: Path, *options: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "workbench", "worker", "--poll", "0.1", *options],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def run_worker_until_idle(env: dict[str, str], log: Path) -> str:
    """A worker that exits once no job is left; its whole log. One that loops over a job
    never exits: the timeout fails the test."""
    process = worker(env, log, "--until-idle")
    try:
        assert process.wait(WAIT) == 0, log.read_text()
    finally:
        stop_group(process, signal.SIGKILL)
    return log.read_text()


async def line_in(log: Path, text: str) -> None:
    async with asyncio.timeout(WAIT):
        while True:
            if text in log.read_text():
                return
            await asyncio.sleep(0.05)


def end_lines(log: str, job_id: uuid.UUID) -> list[str]:
    return [line for line in log.splitlines() if f"job {job_id} failed" in line]


async def assert_settled_once(db: Database, job: TranslationJob, user_id: uuid.UUID) -> None:
    """A failed job's quota: what was sent is counted once, the rest given back."""
    async with db.session() as session:
        user = await session.get_one(User, user_id)
        usage = list(
            await session.scalars(select(UsageEvent.characters).where(UsageEvent.job_id == job.id))
        )
    assert job.billed_characters > 0  # the texts were sent before the job failed
    assert usage == [job.billed_characters]
    assert user.monthly_character_count == job.billed_characters
    assert user.daily_translation_count == 0  # a failed job is not a translation
    assert job.reserved_characters == 0
    assert "reservation" not in job.options


def one_line(error: str | None) -> str:
    assert error is not None
    assert "\n" not in error
    assert "Traceback" not in error
    return error


def nested(depth: int) -> str:
    document: dict[str, Any] = {"text": "Hello from the bottom"}
    for level in range(depth):
        document = {"title": f"Level {level}", "child": document}
    return json.dumps(document)


# --- jobs the worker cannot finish ------------------------------------------------------


async def test_a_json_nested_900_deep_fails_its_job_once(
    db: Database, environment: dict[str, str], tmp_path: Path
) -> None:
    user_id = await pro_user(db)
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"greeting": "Hello world", "farewell": "Goodbye"}))
    job_id = await queue(db, user_id, inputs=tuple(file_inputs([catalog], "FR", data_dir=tmp_path)))
    # A limit at submit may refuse such a file up front; one that changes after its job
    # was queued still reaches the worker, which reads it again to write the output.
    catalog.write_text(nested(900))
    assert len(catalog.read_bytes()) < 40_000

    log = run_worker_until_idle(environment, tmp_path / "worker.log")

    job = await job_row(db, job_id)
    assert job.status is JobStatus.FAILED
    assert job.attempts == 1  # a mistake in the input is not tried again
    # One line naming the file: the nesting limit, or where rendering gave up.
    assert one_line(job.error).startswith("catalog.json")
    assert "nested" in job.error
    assert not (tmp_path / "catalog.FR.json").exists()
    await assert_settled_once(db, job, user_id)
    assert len(end_lines(log, job_id)) == 1
    assert "Traceback" not in log  # the user's mistake, not a bug


async def test_an_output_that_cannot_be_written_fails_its_job_once(
    db: Database, environment: dict[str, str], tmp_path: Path
) -> None:
    user_id = await pro_user(db)
    # `--out /proc/self`: a folder that exists and passes every path check, where nothing
    # can be created (and which, resolved, is this process's own folder).
    job_id, [item] = await queue_notes(db, user_id, tmp_path, out_dir="/proc/self")

    log = run_worker_until_idle(environment, tmp_path / "worker.log")

    job = await job_row(db, job_id)
    assert job.status is JobStatus.FAILED
    assert job.attempts == 1
    assert one_line(job.error).startswith(f"cannot write the output {item.output}: ")
    await assert_settled_once(db, job, user_id)
    assert len(end_lines(log, job_id)) == 1
    assert "Traceback" not in log


async def test_an_unexpected_error_at_the_end_is_tried_a_few_times_then_fails(
    db: Database, environment: dict[str, str], tmp_path: Path
) -> None:
    user_id = await pro_user(db)
    job_id, [item] = await queue_notes(db, user_id, tmp_path)
    # A row the code cannot read (written by a broken release, say): finishing the job
    # fails the same way every time, with an error no check anticipated (a KeyError).
    async with db.session() as session:
        await session.execute(
            update(TranslationJob)
            .where(TranslationJob.id == job_id)
            .values(inputs=[{"path": item.path}])
        )
        await session.commit()

    log = run_worker_until_idle(environment, tmp_path / "worker.log")

    job = await job_row(db, job_id)
    assert job.status is JobStatus.FAILED
    assert job.attempts == MAX_TRIES
    assert one_line(job.error).startswith(
        f"stopped by an unexpected error after {MAX_TRIES} tries (KeyError: 'output')"
    )
    await assert_settled_once(db, job, user_id)
    assert len(end_lines(log, job_id)) == 1
    assert log.count("trying again in") == MAX_TRIES - 1
    assert log.count("Traceback") == 1  # once, with the line that says the job failed


# --- database outages -------------------------------------------------------------------


class Gate:
    """Holds the fake DeepL's translate requests while closed; counts those it held."""

    def __init__(self, fake: FakeDeepL) -> None:
        self.opened = threading.Event()
        self.opened.set()
        self.held = 0
        self._changed = threading.Condition()
        answer = fake.handle

        def handle(request: Received) -> Reply:
            if request.path == "/v2/translate" and not self.opened.is_set():
                with self._changed:
                    self.held += 1
                    self._changed.notify_all()
                self.opened.wait(WAIT)
            return answer(request)

        fake.handle = handle  # type: ignore[method-assign]

    def close(self) -> None:
        self.opened.clear()

    def open(self) -> None:
        self.opened.set()

    async def holding(self, count: int = 1) -> None:
        def wait() -> bool:
            with self._changed:
                return self._changed.wait_for(lambda: self.held >= count, WAIT)

        assert await asyncio.to_thread(wait), f"{self.held} requests held, not {count}"


async def beating(db: Database) -> None:
    """Once a worker has said it is alive: it has started and is working or polling."""
    async with asyncio.timeout(WAIT):
        while True:
            async with db.session() as session:
                if await session.scalar(select(func.count()).select_from(WorkerHeartbeat)):
                    return
            await asyncio.sleep(0.05)


def through(proxy: TcpProxy, url: URL) -> str:
    return url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


async def cut_for_a_while(proxy: TcpProxy, log: Path) -> None:
    """Cut the database away, see the worker notice it, keep it away, bring it back."""
    proxy.cut()
    await line_in(log, "unavailable")
    await asyncio.sleep(CUT_SECONDS)
    proxy.restore()


def assert_rode_it_out(process: subprocess.Popen[bytes], log: Path) -> None:
    assert process.poll() is None, log.read_text()  # it survived
    process.send_signal(signal.SIGTERM)
    assert process.wait(WAIT) == 0, log.read_text()
    text = log.read_text()
    assert text.count("unavailable (") == 1, text  # one line for the outage, not per retry
    assert text.count("is back after") == 1, text
    assert "Traceback" not in text


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_an_idle_worker_survives_a_database_outage(
    db: Database, db_url: URL, environment: dict[str, str], fake_deepl: FakeDeepL, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    with TcpProxy(db_url.host or "127.0.0.1", db_url.port or 5432) as proxy:
        process = worker({**environment, "WORKBENCH_DATABASE_URL": through(proxy, db_url)}, log)
        try:
            await beating(db)  # past its start: polling the queue
            await cut_for_a_while(proxy, log)

            texts = [f"After the outage {n}." for n in range(120)]
            user_id = await pro_user(db)
            job = await ended(db, await queue(db, user_id, texts))
            assert job.status is JobStatus.COMPLETED, job.error
            await assert_billed_once(db, user_id, texts)
            assert_rode_it_out(process, log)
        finally:
            stop_group(process, signal.SIGKILL)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_busy_worker_survives_a_database_outage_and_pays_once(
    db: Database, db_url: URL, environment: dict[str, str], fake_deepl: FakeDeepL, tmp_path: Path
) -> None:
    gate = Gate(fake_deepl)
    log = tmp_path / "worker.log"
    texts = [f"Busy sentence {n} to translate." for n in range(3000)]
    user_id = await pro_user(db)
    with TcpProxy(db_url.host or "127.0.0.1", db_url.port or 5432) as proxy:
        process = worker({**environment, "WORKBENCH_DATABASE_URL": through(proxy, db_url)}, log)
        try:
            job_id = await queue(db, user_id, texts)
            await job_when(db, job_id, lambda job: job.done_segments >= 200)
            gate.close()
            await gate.holding()  # a chunk is at DeepL
            proxy.cut()
            gate.open()  # its translations come back while the database is away
            await line_in(log, "unavailable")
            await asyncio.sleep(CUT_SECONDS)
            proxy.restore()

            job = await ended(db, job_id)
            assert job.status is JobStatus.COMPLETED, job.error
            await assert_translated_once(db, job_id, texts)
            await assert_billed_once(db, user_id, texts)
            # The chunk that landed during the outage was stored once it was over:
            # nothing was sent to DeepL twice.
            assert Counter(text for text, _ in sent_texts(fake_deepl)) == Counter(texts)
            assert_rode_it_out(process, log)
        finally:
            gate.open()
            stop_group(process, signal.SIGKILL)


# --- a dead worker ----------------------------------------------------------------------


def worker_children(serve_pid: int) -> set[int]:
    found = set()
    for pid in children(serve_pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            continue
        if b"worker" in command:
            found.add(pid)
    return found


def test_serve_restarts_a_killed_worker(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    env.update(WORKBENCH_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1")
    log = tmp_path / "serve.log"
    serve, _port = start_serve(env, tmp_path, log)
    try:
        [first] = worker_children(serve.pid)
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + WAIT
        while not (restarted := worker_children(serve.pid) - {first}):
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        [second] = restarted
        assert not Path(f"/proc/{first}").exists()  # reaped, not left defunct
        while f"job worker restarted (pid {second})" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        assert f"the job worker (pid {first}) was killed by SIGKILL" in log.read_text()

        serve.send_signal(signal.SIGINT)  # Ctrl-C still stops the server and its worker
        assert serve.wait(60) == 0, log.read_text()
        deadline = time.monotonic() + 30
        while Path(f"/proc/{second}").exists():
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        assert log.read_text().count("job worker restarted") == 1
    finally:
        stop_group(serve, signal.SIGKILL)


async def test_healthcheck_reports_queued_jobs_without_a_live_worker(
    db: Database, environment: dict[str, str], fake_deepl: FakeDeepL, tmp_path: Path
) -> None:
    gate = Gate(fake_deepl)
    gate.close()
    user_id = await pro_user(db)
    first = await queue(db, user_id, [f"First job {n}." for n in range(200)])
    second = await queue(db, user_id, ["Second job."])
    assert one_line_error(healthcheck(environment, tmp_path)) == (
        "error: 2 jobs are queued and no job worker has ever run; "
        "start `workbench worker` or find why it stopped"
    )

    # A worker that died a while ago (killed, or its machine gone): its last beat is old.
    last_seen = utcnow() - timedelta(minutes=5)
    async with db.session() as session:
        session.add(WorkerHeartbeat(worker_id="gone:1:abc", host="gone", pid=1, seen_at=last_seen))
        await session.commit()
    assert one_line_error(healthcheck(environment, tmp_path)) == (
        "error: 2 jobs are queued and no job worker has been alive for 60 s (last seen "
        f"{last_seen.isoformat(timespec='seconds')}); "
        "start `workbench worker` or find why it stopped"
    )

    process = worker(environment, tmp_path / "worker.log")
    try:
        # The worker is busy with the first job; the second waits in the queue.
        await gate.holding()
        assert (await job_row(db, second)).status is JobStatus.QUEUED
        done = healthcheck(environment, tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("ok: ")
        gate.open()
        for job_id in (first, second):
            assert (await ended(db, job_id)).status is JobStatus.COMPLETED
    finally:
        gate.open()
        stop_group(process)
