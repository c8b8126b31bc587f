"""The HTTP API under 20 concurrent clients, against what it adds to a provider's latency.

A real ``workbench api --workers 2`` on a throw-away PostgreSQL database, with the
``deepl`` provider pointed at a fake DeepL on loopback (a process of its own) that answers
each request after a fixed latency. 20 clients, each with a key of its own on one tier
(with a requests-per-minute limit, so every request is counted), send one text per
``POST /v2/translate``. Printed with the baselines measured in the same run:

- **misses**: texts with 30 % repeats through the API, against the same texts sent
  straight to the fake by the same HTTP client at the same concurrency; wall times and
  their ratio (target ≤ 1.15×);
- **memory hits**: texts the memory holds, against a floor: a route of the same server
  (the same processes, edge and base handler) that checks nothing and answers a
  constant, added by this script to the server it starts; requests per second
  (target ≥ 0.4× the floor's) and p95 (target ≤ 3× the floor's).

``--profile DIR`` writes a cProfile of each API process there (``api-<pid>.prof``).
Usage: ``python benchmarks/api.py [--requests N] [--hits N] [--latency S] [--postgres URL]
[--profile DIR]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.engine import URL, make_url

from tests.providers.fakes.deepl_api import FakeDeepL
from workbench.accounts.api_keys import create_api_key
from workbench.accounts.audit import Actor
from workbench.accounts.tiers import create_tier
from workbench.accounts.users import create_user
from workbench.db import Database, migrate
from workbench.preferences import save as save_preferences

ROOT = Path(__file__).resolve().parent.parent
KEY = "benchmark-key:fx"
SECRET = "api benchmark server secret, long enough to be accepted"  # noqa: S105
CLIENTS = 20
FLOOR = "/benchmark/constant"
BENCH = Actor(id=None, email="benchmark", is_admin=True)
MISS_TARGET = 1.15
RATE_TARGET = 0.4
P95_TARGET = 3.0


# --- the child processes ------------------------------------------------------------------


def serve_fake(latency: float) -> None:
    """Run the fake DeepL in this process until stdin closes (the benchmark's child)."""
    fake = FakeDeepL(KEY)
    fake.latency = latency
    fake.start()
    print(fake.url, flush=True)
    sys.stdin.read()
    fake.stop()


def serve_api(port: int, workers: int, profile: str) -> None:
    """``workbench api`` with one more route, the floor: it checks nothing and answers a
    constant, through the same edge and base handler as every API route."""
    from workbench.api import app, command
    from workbench.api.base import ApiHandler

    class Constant(ApiHandler):
        async def post(self) -> None:
            self.body()
            self.send({"translations": [{"detected_source_language": "EN", "text": "x"}]})

    app.ROUTES.append((FLOOR, Constant))
    if profile:
        serve = command._serve

        async def profiled(*args: Any) -> None:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
            try:
                await serve(*args)
            finally:
                profiler.disable()
                profiler.dump_stats(str(Path(profile) / f"api-{os.getpid()}.prof"))

        command._serve = profiled
    command.api.main(
        ["--port", str(port), "--workers", str(workers), "--log-level", "warning"],
        standalone_mode=False,
    )


class Child:
    """A child process of this script, stopped with its own children."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )

    def line(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# --- the database -------------------------------------------------------------------------


async def prepare(url: URL, clients: int, latency: float) -> list[str]:
    """Migrate, make one tier and ``clients`` users with a key each; the keys."""
    await migrate.upgrade(url)
    keys = []
    async with Database(url) as db, db.session() as session:
        await save_preferences(
            session, {"default_provider": "deepl", "concurrency": {"deepl": clients}}, actor=BENCH
        )
        await create_tier(
            session,
            "bench",
            actor=BENCH,
            allowed_providers=["deepl"],
            requests_per_minute=100_000,
        )
        for number in range(clients):
            user = await create_user(
                session,
                email=f"client{number}@bench.test",
                hashed_password="unused",  # noqa: S106  (keys only: nobody logs in)
                tier="bench",
            )
            created = await create_api_key(
                session, user.id, actor=BENCH, server_secret=SECRET.encode()
            )
            keys.append(created.key)
        await session.commit()
    return keys


# --- the clients --------------------------------------------------------------------------


async def run_clients(
    texts: list[str], send: Callable[[int, str], Awaitable[None]], clients: int
) -> tuple[float, list[float]]:
    """Send every text with ``clients`` in flight; wall time and each request's latency."""
    queue = list(enumerate(texts))
    queue.reverse()
    latencies: list[float] = []

    async def client(number: int) -> None:
        while queue:
            _, text = queue.pop()
            started = time.perf_counter()
            await send(number, text)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    return time.perf_counter() - started, latencies


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(len(ordered) * 0.95) - 1)]


def miss_texts(count: int, repeated: float, tag: str) -> list[str]:
    rng = random.Random(11)
    unique = [
        f"{tag} sentence {n}: the quick brown fox jumps over the lazy dog."
        for n in range(round(count * (1 - repeated)))
    ]
    texts = unique + [rng.choice(unique) for _ in range(count - len(unique))]
    rng.shuffle(texts)
    return texts


async def bench(args: argparse.Namespace, url: URL, folder: Path) -> None:
    fake = Child(["--serve-fake", str(args.latency)])
    fake_url = fake.line()
    keys = await prepare(url, CLIENTS, args.latency)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    env.update(
        WORKBENCH_DATA_DIR=str(folder / "data"),
        WORKBENCH_DATABASE_URL=url.render_as_string(hide_password=False),
        WORKBENCH_SECRET_KEY=SECRET,
        DEEPL_AUTH_KEY=KEY,
        WORKBENCH_DEEPL_URL=fake_url,
        NO_PROXY="127.0.0.1,localhost",
        PYTHONPATH=str(ROOT),
    )
    server = Child(["--serve-api", str(port), str(args.workers), args.profile or ""], env)
    api = f"http://127.0.0.1:{port}"
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    try:
        async with httpx.AsyncClient(limits=limits, timeout=60, trust_env=False) as http:
            await wait_until_serving(http, api, server)

            async def through_api(number: int, text: str) -> None:
                reply = await http.post(
                    f"{api}/v2/translate",
                    json={"text": [text], "target_lang": "DE"},
                    headers={"Authorization": f"DeepL-Auth-Key {keys[number]}"},
                )
                if reply.status_code != 200:
                    raise RuntimeError(f"API: {reply.status_code} {reply.text}")

            async def direct(number: int, text: str) -> None:
                reply = await http.post(
                    f"{fake_url}/v2/translate",
                    json={"text": [text], "target_lang": "DE"},
                    headers={"Authorization": f"DeepL-Auth-Key {KEY}"},
                )
                if reply.status_code != 200:
                    raise RuntimeError(f"fake: {reply.status_code} {reply.text}")

            async def floor(number: int, text: str) -> None:
                reply = await http.post(
                    f"{api}{FLOOR}",
                    json={"text": [text], "target_lang": "DE"},
                    headers={"Authorization": f"DeepL-Auth-Key {keys[number]}"},
                )
                if reply.status_code != 200:
                    raise RuntimeError(f"floor: {reply.status_code} {reply.text}")

            # Warm both processes, their pools and the provider (its languages).
            await run_clients(miss_texts(4 * CLIENTS, 0, "warm"), through_api, CLIENTS)
            await run_clients(miss_texts(CLIENTS, 0, "warm"), direct, CLIENTS)
            await run_clients(miss_texts(4 * CLIENTS, 0, "warm"), floor, CLIENTS)

            texts = miss_texts(args.requests, 0.30, "miss")
            direct_wall, _ = await run_clients(texts, direct, CLIENTS)
            api_wall, api_lat = await run_clients(texts, through_api, CLIENTS)
            ratio = api_wall / direct_wall
            print(
                f"{len(texts)} requests of one text ({len(set(texts))} distinct), "
                f"{CLIENTS} clients, fake latency {args.latency * 1000:.0f} ms, "
                f"{args.workers} API processes"
            )
            print(
                f"misses: direct {direct_wall:.2f} s, API {api_wall:.2f} s "
                f"(p95 {p95(api_lat) * 1000:.0f} ms): {ratio:.2f}x "
                f"(target <= {MISS_TARGET}: {'met' if ratio <= MISS_TARGET else 'MISSED'})"
            )

            rng = random.Random(5)
            distinct = sorted(set(texts))
            hits = [rng.choice(distinct) for _ in range(args.hits)]
            floor_wall, floor_lat = await run_clients(hits, floor, CLIENTS)
            hit_wall, hit_lat = await run_clients(hits, through_api, CLIENTS)
            floor_rate, hit_rate = len(hits) / floor_wall, len(hits) / hit_wall
            floor_p95, hit_p95 = p95(floor_lat), p95(hit_lat)
            rate_ratio, p95_ratio = hit_rate / floor_rate, hit_p95 / floor_p95
            print(
                f"floor: {floor_rate:.0f} req/s, p50 {statistics.median(floor_lat) * 1000:.1f} ms, "
                f"p95 {floor_p95 * 1000:.1f} ms"
            )
            print(
                f"memory hits: {hit_rate:.0f} req/s, p50 {statistics.median(hit_lat) * 1000:.1f} "
                f"ms, p95 {hit_p95 * 1000:.1f} ms"
            )
            print(
                f"hits / floor: {rate_ratio:.2f}x req/s "
                f"(target >= {RATE_TARGET}: {'met' if rate_ratio >= RATE_TARGET else 'MISSED'}), "
                f"{p95_ratio:.2f}x p95 "
                f"(target <= {P95_TARGET}: {'met' if p95_ratio <= P95_TARGET else 'MISSED'})"
            )
    finally:
        server.stop()
        fake.stop()


async def wait_until_serving(http: httpx.AsyncClient, api: str, server: Child) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError("the API server stopped")
        try:
            if (await http.get(f"{api}/v2/usage")).status_code == 403:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("the API server did not start")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600, help="requests on misses")
    parser.add_argument("--hits", type=int, default=2000, help="requests on memory hits")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--profile", default="", help="a folder for the API processes' profiles")
    args = parser.parse_args()
    if args.profile:
        args.profile = str(Path(args.profile).resolve())
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    return args


async def main(args: argparse.Namespace) -> None:
    name = f"wb_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(args.postgres)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    url = make_url(args.postgres).set(drivername="postgresql+asyncpg", database=name)
    try:
        with tempfile.TemporaryDirectory() as folder:
            await bench(args, url, Path(folder))
    finally:
        conn = await asyncpg.connect(args.postgres)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-fake"]:
        serve_fake(float(sys.argv[2]))
    elif sys.argv[1:2] == ["--serve-api"]:
        serve_api(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "")
    else:
        asyncio.run(main(arguments()))
