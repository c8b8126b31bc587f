"""Shared fixtures: settings isolated per test, and real databases on both backends.

Every database test runs on SQLite and on PostgreSQL (DESIGN §9). PostgreSQL tests skip
only when no server answers and ``WORKBENCH_REQUIRE_POSTGRES`` is unset; with it set
(CI), a missing server fails the run. Each test gets a fresh database at the head
revision, cloned from a template migrated once per session (a file copy on SQLite,
``CREATE DATABASE … TEMPLATE`` on PostgreSQL), and dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.config import Settings, get_settings
from workbench.db import Database, migrate

POSTGRES_ADMIN_URL = os.environ.get(
    "WORKBENCH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("sqlite", "postgresql")
_ISOLATED_ENV = (
    "WORKBENCH_ENV",
    "WORKBENCH_DATA_DIR",
    "WORKBENCH_DATABASE_URL",
    "WORKBENCH_SECRET_KEY",
    "WORKBENCH_ADMIN_PASSWORD",
)


def required(flag: str) -> bool:
    return os.environ.get(flag, "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test gets its own data dir and ignores the developer's environment and .env."""
    for name in _ISOLATED_ENV:
        monkeypatch.delenv(name, raising=False)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(data_dir))
    monkeypatch.setitem(Settings.model_config, "env_file", None)
    get_settings.cache_clear()
    yield data_dir
    get_settings.cache_clear()


# --- PostgreSQL server -----------------------------------------------------------------


def _admin_dsn() -> str:
    return make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql").render_as_string(False)


async def _postgres_answers() -> bool:
    try:
        conn = await asyncpg.connect(_admin_dsn(), timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


async def _admin_execute(*statements: str) -> None:
    conn = await asyncpg.connect(_admin_dsn(), timeout=10)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def _database_url(name: str) -> URL:
    return make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+asyncpg", database=name)


@pytest.fixture(scope="session")
def postgres_server() -> bool:
    """True when PostgreSQL answers; skips (or fails under WORKBENCH_REQUIRE_POSTGRES)."""
    if asyncio.run(_postgres_answers()):
        return True
    message = f"PostgreSQL does not answer at {make_url(POSTGRES_ADMIN_URL)!r}"
    if required("WORKBENCH_REQUIRE_POSTGRES"):
        pytest.fail(f"{message} and WORKBENCH_REQUIRE_POSTGRES is set", pytrace=False)
    pytest.skip(message)
    return False


class ScratchDatabases:
    """Creates throw-away databases of one backend and removes them all at the end."""

    def __init__(self, backend: str, root: Path) -> None:
        self.backend = backend
        self.root = root
        self._postgres_names: list[str] = []

    def empty(self) -> URL:
        if self.backend == "sqlite":
            return make_url(f"sqlite+aiosqlite:///{self.root / f'{uuid.uuid4().hex}.db'}")
        name = f"wb_test_{uuid.uuid4().hex[:16]}"
        asyncio.run(_admin_execute(f'CREATE DATABASE "{name}"'))
        self._postgres_names.append(name)
        return _database_url(name)

    def clone(self, template: URL) -> URL:
        if self.backend == "sqlite":
            target = self.root / f"{uuid.uuid4().hex}.db"
            assert template.database is not None
            shutil.copyfile(template.database, target)
            return make_url(f"sqlite+aiosqlite:///{target}")
        name = f"wb_test_{uuid.uuid4().hex[:16]}"
        asyncio.run(_admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template.database}"'))
        self._postgres_names.append(name)
        return _database_url(name)

    def drop(self, url: URL) -> None:
        if self.backend == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{url.database}{suffix}").unlink(missing_ok=True)
            return
        name = url.database
        assert name in self._postgres_names
        asyncio.run(_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._postgres_names.remove(name)

    def drop_all(self) -> None:
        for name in list(self._postgres_names):
            asyncio.run(_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._postgres_names.clear()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "postgresql":
        request.getfixturevalue("postgres_server")
    return name


@pytest.fixture(scope="session")
def scratch(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScratchDatabases]:
    databases = ScratchDatabases(backend, tmp_path_factory.mktemp(f"db-{backend}"))
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def template_url(scratch: ScratchDatabases) -> URL:
    """A database of this backend migrated to head once per session."""
    url = scratch.empty()
    asyncio.run(migrate.upgrade(url))
    return url


@pytest.fixture
def empty_db_url(scratch: ScratchDatabases) -> Iterator[URL]:
    """A fresh, empty database (no tables) of the backend under test."""
    url = scratch.empty()
    yield url
    scratch.drop(url)


@pytest.fixture
def db_url(scratch: ScratchDatabases, template_url: URL) -> Iterator[URL]:
    """A fresh database at the head revision, on SQLite and on PostgreSQL."""
    url = scratch.clone(template_url)
    yield url
    scratch.drop(url)


@pytest.fixture
async def db(db_url: URL) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


@pytest.fixture
async def session(db: Database) -> AsyncIterator[AsyncSession]:
    async with db.session() as session:
        yield session
