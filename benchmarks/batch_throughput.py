"""Batch throughput against a DeepL-compatible server with a fixed latency.

20,000 segments (30 % of them duplicates) go through the engine at the DeepL provider's
default concurrency, against a fake DeepL on loopback that answers each request after a
fixed latency. Printed beside it, measured in the same run:

- the ideal time: requests needed ÷ concurrency × latency;
- the obvious baseline: the official SDK's ``translate_text`` called sequentially on
  50-text chunks of the same segments;
- a second run of the same input, served from the translation memory.

Targets: ≤ 1.25× the ideal, ≥ 6× faster than the baseline, the re-run ≤ 1 s with zero
requests. Usage: ``python benchmarks/batch_throughput.py [--segments N] [--latency S]
[--postgres URL]``.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import deepl
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.engine import URL, make_url

from tests.providers.fakes.deepl_api import FakeDeepL
from tests.providers.fakes.server import Received, Reply
from workbench.batch.engine import Engine
from workbench.batch.jobs import JobSpec
from workbench.config import get_settings
from workbench.db import Database, migrate
from workbench.db.models import JobStatus
from workbench.providers.deepl import DeepLProvider

KEY = "benchmark-key:fx"


class CountingDeepL(FakeDeepL):
    """The fake DeepL, plus ``GET /stats``: how many translate requests it answered."""

    def handle(self, request: Received) -> Reply:
        if request.path == "/stats":
            return Reply(body={"translate": len(self.requests("/v2/translate"))})
        return super().handle(request)


def serve_fake(latency: float) -> None:
    """Run the fake in this process until stdin closes (the benchmark's child)."""
    fake = CountingDeepL(KEY)
    fake.latency = latency
    fake.start()
    print(fake.url, flush=True)
    sys.stdin.read()
    fake.stop()


class FakeProcess:
    """The fake DeepL in a process of its own: on the real wire the server is elsewhere, so
    its threads must not compete with the engine's for this process's GIL."""

    def __init__(self, latency: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve-fake", str(latency)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()

    def translate_requests(self) -> int:
        return int(httpx.get(f"{self.url}/stats").json()["translate"])

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


def segments(count: int, duplicates: float, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    unique = [
        f"Segment {n}: the quick brown fox jumps over the lazy dog."
        for n in range(round(count * (1 - duplicates)))
    ]
    repeated = [rng.choice(unique) for _ in range(count - len(unique))]
    texts = unique + repeated
    rng.shuffle(texts)
    return texts


async def engine_run(
    url: URL, texts: list[str], fake: FakeProcess
) -> tuple[float, int, float, int]:
    await migrate.upgrade(url)
    async with Database(url) as db, Engine(db) as engine:
        before = fake.translate_requests()
        started = time.perf_counter()
        job = await engine.translate_now(JobSpec("deepl", "FR"), texts)
        wall = time.perf_counter() - started
        assert job.status is JobStatus.COMPLETED, job.error
        requests = fake.translate_requests() - before

        started = time.perf_counter()
        again = await engine.translate_now(JobSpec("deepl", "FR"), texts)
        rerun = time.perf_counter() - started
        assert again.status is JobStatus.COMPLETED, again.error
        rerun_requests = fake.translate_requests() - before - requests
    return wall, requests, rerun, rerun_requests


def baseline(texts: list[str], fake: FakeProcess) -> float:
    translator = deepl.Translator(KEY, server_url=fake.url)
    started = time.perf_counter()
    for start in range(0, len(texts), 50):
        translator.translate_text(texts[start : start + 50], target_lang="FR")
    elapsed = time.perf_counter() - started
    translator.close()
    return elapsed


async def postgres_url(admin: str) -> tuple[URL, str]:
    name = f"wb_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return make_url(admin).set(drivername="postgresql+asyncpg", database=name), name


async def drop(admin: str, name: str) -> None:
    conn = await asyncpg.connect(admin)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=20_000)
    parser.add_argument("--duplicates", type=float, default=0.30)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    fake = FakeProcess(args.latency)
    os.environ.update({"DEEPL_AUTH_KEY": KEY, "WORKBENCH_DEEPL_URL": fake.url})
    get_settings.cache_clear()
    texts = segments(args.segments, args.duplicates)
    unique = len(set(texts))
    requests_needed = math.ceil(unique / DeepLProvider.max_texts_per_request)
    concurrency = DeepLProvider.default_concurrency
    ideal = requests_needed / concurrency * args.latency
    print(
        f"{len(texts)} segments, {unique} distinct, latency {args.latency * 1000:.0f} ms, "
        f"concurrency {concurrency}"
    )
    print(
        f"ideal: {requests_needed} requests / {concurrency} x {args.latency:.3f} s = {ideal:.2f} s"
    )

    slow = baseline(texts, fake)
    print(
        f"baseline (SDK, sequential 50-text chunks): {slow:.2f} s, "
        f"{math.ceil(len(texts) / 50)} requests"
    )

    backends: list[tuple[str, URL, str | None]] = []
    with tempfile.TemporaryDirectory() as folder:
        backends.append(("sqlite", make_url(f"sqlite+aiosqlite:///{folder}/bench.db"), None))
        if not args.no_postgres:
            url, name = await postgres_url(args.postgres)
            backends.append(("postgresql", url, name))
        try:
            for label, url, _ in backends:
                wall, requests, rerun, rerun_requests = await engine_run(url, texts, fake)
                print(
                    f"{label:10}: {wall:.2f} s, {requests} requests, "
                    f"{wall / ideal:.2f}x ideal (target <= 1.25), "
                    f"{slow / wall:.1f}x faster than baseline (target >= 6); "
                    f"re-run {rerun:.2f} s with {rerun_requests} requests (target <= 1 s, 0)"
                )
        finally:
            for _, _, name in backends:
                if name is not None:
                    await drop(args.postgres, name)
    fake.stop()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-fake"]:
        serve_fake(float(sys.argv[2]))
    else:
        asyncio.run(main())
