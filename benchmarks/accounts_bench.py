"""Accounts at 100,000 users: the admin's user search and a quota consume.

For SQLite (a file in a temporary directory) and PostgreSQL (a throw-away database on the
server of ``--postgres``), the script migrates a fresh database, bulk-inserts the users
(6 % at acme.test; 70 % free, 25 % pro, 5 % team; 92 % active), then measures p50/p95 of:

- **search**: email contains "acme", tier free, active, page 50 of size 50, with the
  total count (``workbench.accounts.users.search_users``), printed beside the same
  search once the index ``ix_users_tier_active_email`` is dropped, as a ratio;
- **consume**: one translation and 200 characters for a random free user, committed
  (``workbench.accounts.quotas.consume``: one atomic UPDATE, one usage row), printed
  beside the floor every durable write pays: a one-row insert and its commit.

Targets on the 2-core CI machine: search p95 ≤ 50 ms, consume p95 ≤ 10 ms.

Usage: ``python benchmarks/accounts_bench.py [--users N] [--runs N] [--postgres URL]
[--no-postgres]``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import argon2
import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text
from sqlalchemy.engine import URL, make_url

from workbench.accounts.quotas import consume
from workbench.accounts.users import search_users
from workbench.db import Database, migrate
from workbench.db.models import Role, Tier, User

INDEX = "ix_users_tier_active_email"
SEARCH_TARGET_MS = 50.0
CONSUME_TARGET_MS = 10.0
CHUNK = 10_000
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
FIRST = "ada grace alan linus margaret ken barbara dennis edsger donald john mary anna paul"
LAST = "lovelace hopper turing torvalds hamilton thompson liskov ritchie dijkstra knuth smith"
DOMAINS = (
    ["gmail.test"] * 30
    + ["outlook.test"] * 15
    + ["acme.test"] * 6
    + [f"corp{i}.test" for i in range(49)]
)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    return statistics.median(ordered) * 1000, p95 * 1000


async def timed(runs: int, once: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    for _ in range(min(5, runs)):  # warm the pool, the caches and the statement cache
        await once()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await once()
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


async def fill(db: Database, count: int) -> list[uuid.UUID]:
    """Bulk-insert ``count`` users; return the ids of the active free ones."""
    rng = random.Random(20261126)
    stored_hash = argon2.PasswordHasher().hash("benchmark password")  # the real length
    first, last = FIRST.split(), LAST.split()
    rows = []
    for number in range(count):
        draw = rng.random()
        rows.append(
            {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "email": f"{rng.choice(first)}.{rng.choice(last)}{number}@{rng.choice(DOMAINS)}",
                "hashed_password": stored_hash,
                "tier": "free" if draw < 0.70 else "pro" if draw < 0.95 else "team",
                "role": Role.ADMIN if number < 10 else Role.TRANSLATOR,
                "is_active": rng.random() < 0.92,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
    async with db.engine.begin() as conn:
        await conn.execute(
            insert(Tier).values(
                id=uuid.uuid4(),
                name="team",
                label_en="Team",
                label_fr="Équipe",
                allowed_providers=["pseudo", "deepl"],
                created_at=NOW,
                updated_at=NOW,
            )
        )
        for start in range(0, count, CHUNK):
            await conn.execute(insert(User), rows[start : start + CHUNK])
    await analyze(db)
    return [row["id"] for row in rows if row["tier"] == "free" and row["is_active"]]


async def analyze(db: Database) -> None:
    """Planner statistics (and, on PostgreSQL, the visibility map) as in steady state."""
    async with db.engine.connect() as conn:
        if db.backend == "postgresql":
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE users"))
        else:
            await conn.execute(text("ANALYZE"))
            await conn.commit()


async def commit_floor(db: Database, runs: int) -> tuple[float, float]:
    """The cheapest durable write: what any consume pays at commit (WAL flush)."""
    async with db.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE bench_floor (n INTEGER)"))

    async def once() -> None:
        async with db.session() as session:
            await session.execute(text("INSERT INTO bench_floor (n) VALUES (1)"))
            await session.commit()

    return await timed(runs, once)


async def search_once(db: Database) -> None:
    async with db.session() as session:
        page = await search_users(
            session, email_contains="acme", tier="free", active=True, page=50, page_size=50
        )
    if len(page.users) != 50:
        raise RuntimeError(f"expected a full page 50, got {len(page.users)} of {page.total}")


async def bench_backend(url: URL, users: int, runs: int) -> list[tuple[str, str, str, str]]:
    await migrate.upgrade(url)
    db = Database(url)
    try:
        started = time.perf_counter()
        free_ids = await fill(db, users)
        fill_s = time.perf_counter() - started
        async with db.session() as session:
            total = (
                await search_users(session, email_contains="acme", tier="free", active=True)
            ).total
        print(f"  {db.backend}: {users:,} users inserted in {fill_s:.1f} s; {total:,} match")

        indexed = await timed(runs, lambda: search_once(db))
        rng = random.Random(7)

        async def consume_once() -> None:
            async with db.session() as session:
                await consume(
                    session,
                    rng.choice(free_ids),
                    provider="pseudo",
                    translations=1,
                    characters=200,
                    now=NOW,
                    zone=UTC,
                )
                await session.commit()

        consumed = await timed(runs * 3, consume_once)
        floor = await commit_floor(db, runs * 3)
        async with db.engine.begin() as conn:
            await conn.execute(text(f"DROP INDEX {INDEX}"))
        await analyze(db)
        dropped = await timed(runs, lambda: search_once(db))
        async with db.session() as session:
            events = await session.scalar(
                select(text("count(*)")).select_from(text("usage_events"))
            )
        if events != 5 + runs * 3:
            raise RuntimeError(f"expected {5 + runs * 3} usage events, found {events}")
    finally:
        await db.dispose()

    def verdict(p95: float, target: float) -> str:
        return f"p95 <= {target:g} ms: {'met' if p95 <= target else 'MISSED'}"

    return [
        (db.backend, "search, indexed", _ms(indexed), verdict(indexed[1], SEARCH_TARGET_MS)),
        (db.backend, "search, index dropped", _ms(dropped), ""),
        (
            db.backend,
            "search ratio dropped / indexed",
            f"{dropped[0] / indexed[0]:6.1f}x {dropped[1] / indexed[1]:6.1f}x",
            "",
        ),
        (
            db.backend,
            "quota consume + commit",
            _ms(consumed),
            verdict(consumed[1], CONSUME_TARGET_MS),
        ),
        (db.backend, "floor: 1-row insert + commit", _ms(floor), ""),
    ]


def _ms(pair: tuple[float, float]) -> str:
    return f"{pair[0]:7.2f} {pair[1]:7.2f}"


async def with_throwaway_postgres(
    admin_url: str, work: Callable[[URL], Awaitable[list[tuple[str, str, str, str]]]]
) -> list[tuple[str, str, str, str]]:
    admin = make_url(admin_url)
    name = f"wb_bench_{uuid.uuid4().hex[:12]}"
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        return await work(admin.set(drivername="postgresql+asyncpg", database=name))
    finally:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=100, help="searches per case (consumes: 3x)")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    results = []
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = make_url(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        results += await bench_backend(sqlite_url, args.users, args.runs)
    if not args.no_postgres:
        results += await with_throwaway_postgres(
            args.postgres, lambda url: bench_backend(url, args.users, args.runs)
        )

    print(f"\n{'backend':<11}{'case':<33}{'p50 ms':>7} {'p95 ms':>7}  target")
    for backend, case, numbers, target in results:
        print(f"{backend:<11}{case:<33}{numbers}  {target}")


if __name__ == "__main__":
    asyncio.run(main())
