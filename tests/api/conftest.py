"""A real ``workbench api`` per backend and test module, and accounts with keys to call it.

The server is a subprocess on a free port, on a database cloned from the session's
template (SQLite and PostgreSQL), with the ``deepl`` provider pointed at a fake DeepL on
loopback that counts the requests it gets, and ``google`` at a fake of Google's web
endpoint (which detects languages). Each test makes its own user, tier and key,
so tests sharing a server never share a quota or a memory entry by accident.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.engine import URL

from tests.conftest import ScratchDatabases
from tests.ports import free_port
from tests.processes import stop_group
from tests.providers.fakes.deepl_api import FakeDeepL
from tests.providers.fakes.google_web_api import FakeGoogleWeb
from workbench.accounts.api_keys import create_api_key, revoke_api_key
from workbench.accounts.audit import Actor
from workbench.accounts.tiers import create_tier
from workbench.accounts.users import create_user
from workbench.db import Database
from workbench.db.models import ApiKey

SECRET = "api tests server secret, long enough to be accepted"
FAKE_DEEPL_KEY = "fake-deepl-key"
TESTS = Actor(id=None, email="tests", is_admin=True)
START_TIMEOUT = 60


@dataclass
class Account:
    email: str
    key: str
    prefix: str


@dataclass
class ApiServer:
    url: str
    database: URL
    log: Path
    process: subprocess.Popen[bytes]
    fake: FakeDeepL
    google: FakeGoogleWeb | None = None

    def account(
        self,
        *,
        providers: Sequence[str] = ("pseudo",),
        characters: int | None = None,
        scopes: Sequence[str] = ("translate",),
        requests_per_minute: int | None = None,
    ) -> Account:
        """A new user on a tier of their own, and an API key of theirs."""
        return asyncio.run(
            _account(self.database, providers, characters, scopes, requests_per_minute)
        )

    def revoke(self, account: Account) -> None:
        asyncio.run(_revoke(self.database, account.prefix))

    def pin(self, account: Account, provider: str, model: str = "") -> None:
        asyncio.run(_pin(self.database, account.prefix, provider, model))

    def post(self, path: str, account: Account | None, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if account is not None:
            headers["Authorization"] = f"DeepL-Auth-Key {account.key}"
        return httpx.post(f"{self.url}{path}", headers=headers, timeout=60, **kwargs)


async def _account(
    url: URL,
    providers: Sequence[str],
    characters: int | None,
    scopes: Sequence[str],
    requests_per_minute: int | None = None,
) -> Account:
    name = f"t{uuid.uuid4().hex[:12]}"
    email = f"{name}@example.com"
    async with Database(url) as db, db.session() as session:
        await create_tier(
            session,
            name,
            actor=TESTS,
            allowed_providers=list(providers),
            monthly_character_limit=characters,
            requests_per_minute=requests_per_minute,
        )
        user = await create_user(session, email=email, hashed_password="unused", tier=name)
        created = await create_api_key(
            session, user.id, actor=TESTS, scopes=scopes, server_secret=SECRET.encode()
        )
        await session.commit()
    return Account(email, created.key, created.record.prefix)


async def _revoke(url: URL, prefix: str) -> None:
    async with Database(url) as db, db.session() as session:
        await revoke_api_key(session, prefix, actor=TESTS)
        await session.commit()


async def _pin(url: URL, prefix: str, provider: str, model: str) -> None:
    async with Database(url) as db, db.session() as session:
        await session.execute(
            update(ApiKey).where(ApiKey.prefix == prefix).values(provider=provider, model=model)
        )
        await session.commit()


def server_env(
    database: URL, data_dir: Path, fake: FakeDeepL, google: FakeGoogleWeb | None = None
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    env.update(
        WORKBENCH_DATA_DIR=str(data_dir),
        WORKBENCH_DATABASE_URL=database.render_as_string(hide_password=False),
        WORKBENCH_SECRET_KEY=SECRET,
        DEEPL_AUTH_KEY=fake.key,
        WORKBENCH_DEEPL_URL=fake.url,
        NO_PROXY="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    if google is not None:
        env["WORKBENCH_GOOGLE_URL"] = google.url
    return env


def wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until the API answers (403 without a key)."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"{url}/v2/usage", timeout=2).status_code == 403:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


@pytest.fixture(scope="module")
def fake_deepl() -> Iterator[FakeDeepL]:
    fake = FakeDeepL(FAKE_DEEPL_KEY)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="module")
def fake_google() -> Iterator[FakeGoogleWeb]:
    fake = FakeGoogleWeb()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="module")
def api_server(
    scratch: ScratchDatabases,
    template_url: URL,
    fake_deepl: FakeDeepL,
    fake_google: FakeGoogleWeb,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[ApiServer]:
    """``workbench api --workers 2`` on a database of its own, for a test module (a module
    may set ``API_WORKERS`` for another number of processes)."""
    workers = str(getattr(request.module, "API_WORKERS", 2))
    database = scratch.clone(template_url)
    folder = tmp_path_factory.mktemp("api")
    log = folder / "api.log"
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "workbench", "api", "--port", str(port), "--workers", workers],
            env=server_env(database, folder / "data", fake_deepl, fake_google),
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, process, log)
        yield ApiServer(url, database, log, process, fake_deepl, fake_google)
    finally:
        stop_group(process)
        scratch.drop(database)
    assert "Traceback" not in log.read_text(), log.read_text()
