"""How fast a 100k-entry glossary CSV imports, against a plain baseline in the same run.

The workbench import (``workbench.glossary.store.import_path``: read, detect encoding and
delimiter, check every cell, bulk-load, checksum, audit, commit) is timed on SQLite and
on PostgreSQL beside the least a program must do to get the same rows into the same
table: ``pandas.read_csv`` and one plain ``executemany`` (sqlite3; asyncpg), with a
``uuid4()`` per row for the primary key. Each is run ``--repeat`` times, alternating,
into an empty table; the best run of each counts. Target: a ratio of at most 1.5.

Run from the repository root (so this tree's package is the one measured)::

    python -m benchmarks.glossary_import [--rows 100000] [--repeat 3]

PostgreSQL: a throw-away database is created on ``--postgres-url`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``), migrated, and dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pandas as pd
from sqlalchemy import delete
from sqlalchemy.engine import URL, make_url

from workbench.db import Database, migrate
from workbench.db.models import Glossary, GlossaryEntry
from workbench.glossary import store

TARGET_RATIO = 1.5
SQLITE_INSERT = (
    "INSERT INTO glossary_entries"
    " (id, glossary_id, position, source_term, target_term, case_sensitive, note)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
POSTGRES_INSERT = (
    "INSERT INTO glossary_entries"
    " (id, glossary_id, position, source_term, target_term, case_sensitive, note)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7)"
)
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "zé", "ßu", "ön", "ça", "東", "京"]


def write_glossary(path: Path, rows: int, seed: int = 7) -> None:
    """``rows`` entries with unique source terms, some case-sensitive, some with notes."""
    pick = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source_term", "target_term", "case_sensitive", "note"])
        for index in range(rows):
            words = ["".join(pick.choices(SYLLABLES, k=pick.randint(2, 4))) for _ in range(2)]
            source = f"{words[0]} {words[1]} {index}"
            target = f"{words[1].upper()} {words[0]} {index}"
            writer.writerow(
                [
                    source,
                    target,
                    "yes" if index % 10 == 0 else "",
                    "product name" if index % 25 == 0 else "",
                ]
            )


def baseline_rows(path: Path, glossary_id: uuid.UUID) -> list[tuple[object, ...]]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    flags = frame["case_sensitive"].eq("yes").tolist()
    return [
        (uuid.uuid4().hex, glossary_id.hex, position, source, target, flag, note)
        for position, (source, target, flag, note) in enumerate(
            zip(
                frame["source_term"].tolist(),
                frame["target_term"].tolist(),
                flags,
                frame["note"].tolist(),
                strict=True,
            )
        )
    ]


async def empty_glossary(db: Database, name: str) -> uuid.UUID:
    """A glossary row for the baseline's entries to belong to (their foreign key)."""
    async with db.session() as session:
        glossary = Glossary(name=name, source_lang="en", target_lang="fr")
        session.add(glossary)
        await session.commit()
        return glossary.id


async def clear(db: Database) -> None:
    async with db.session() as session:
        await session.execute(delete(GlossaryEntry))
        await session.execute(delete(Glossary))
        await session.commit()


async def timed(work: Callable[[], Awaitable[None]]) -> float:
    start = time.perf_counter()
    await work()
    return time.perf_counter() - start


async def measure(
    url: URL,
    path: Path,
    repeat: int,
    baseline: Callable[[uuid.UUID], Awaitable[None]],
) -> tuple[float, float]:
    """The best workbench and baseline times, runs alternating, each into an empty table."""
    ours: list[float] = []
    theirs: list[float] = []
    async with Database(url) as db:
        for run in range(repeat):
            await clear(db)

            async def workbench_import(name: str = f"bench-{run}") -> None:
                async with db.session() as session:
                    await store.import_path(
                        session, path, name=name, source_lang="en", target_lang="fr"
                    )
                    await session.commit()

            ours.append(await timed(workbench_import))
            await clear(db)
            glossary_id = await empty_glossary(db, f"baseline-{run}")
            await db.dispose()  # the baseline uses its own connection; no lock held here
            theirs.append(await timed(lambda glossary_id=glossary_id: baseline(glossary_id)))
        await clear(db)
    return min(ours), min(theirs)


async def sqlite_benchmark(folder: Path, path: Path, repeat: int) -> tuple[float, float]:
    database = folder / "bench.db"
    url = make_url(f"sqlite+aiosqlite:///{database}")
    await migrate.upgrade(url)

    async def baseline(glossary_id: uuid.UUID) -> None:
        rows = baseline_rows(path, glossary_id)
        connection = sqlite3.connect(database)
        try:
            connection.executemany(SQLITE_INSERT, rows)
            connection.commit()
        finally:
            connection.close()

    return await measure(url, path, repeat, baseline)


async def postgres_benchmark(admin_url: str, path: Path, repeat: int) -> tuple[float, float]:
    admin_dsn = make_url(admin_url).set(drivername="postgresql").render_as_string(False)
    name = f"wb_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin_url).set(drivername="postgresql+asyncpg", database=name)
    dsn = url.set(drivername="postgresql").render_as_string(False)
    try:
        await migrate.upgrade(url)

        async def baseline(glossary_id: uuid.UUID) -> None:
            rows = baseline_rows(path, glossary_id)
            connection = await asyncpg.connect(dsn)
            try:
                async with connection.transaction():
                    await connection.executemany(POSTGRES_INSERT, rows)
            finally:
                await connection.close()

        return await measure(url, path, repeat, baseline)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def report(backend: str, rows: int, ours: float, theirs: float) -> bool:
    ratio = ours / theirs
    verdict = "ok" if ratio <= TARGET_RATIO else f"SLOWER than the {TARGET_RATIO}x target"
    print(
        f"{backend:<11} {rows:>8,} rows   workbench {ours:6.2f} s   baseline {theirs:6.2f} s"
        f"   ratio {ratio:4.2f}x   {verdict}"
    )
    return ratio <= TARGET_RATIO


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        path = folder / "glossary.csv"
        write_glossary(path, options.rows)
        print(f"{options.rows:,} entries, {path.stat().st_size / 2**20:.1f} MiB of CSV")
        met = report("sqlite", options.rows, *await sqlite_benchmark(folder, path, options.repeat))
        if not options.no_postgres:
            timings = await postgres_benchmark(options.postgres_url, path, options.repeat)
            met = report("postgresql", options.rows, *timings) and met
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
