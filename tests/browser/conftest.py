"""A real ``workbench serve`` (Voilà, sign-in, job worker) driven by headless Chromium.

The server runs as a subprocess on a free port against a SQLite database seeded with the
demo data set; the tests drive Debian's chromium through Playwright and check the database
afterwards. Browser tests skip when chromium is absent, unless
``WORKBENCH_REQUIRE_BROWSER`` says they must run (CI), in which case they fail.
Screenshots go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import argon2
import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from sqlalchemy.engine import URL, make_url

from tests.conftest import required
from tests.ports import free_port
from tests.processes import stop_group
from tests.providers.conftest import DEEPL_KEY
from tests.providers.fakes.deepl_api import FakeDeepL
from workbench.accounts import passwords
from workbench.db import Database, migrate
from workbench.server.demo import DemoAccounts, seed_demo

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
ADMIN_PASSWORD = "demo admin password 1"
START_TIMEOUT = 60


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    return None


@dataclass
class Server:
    url: str
    data_dir: Path
    db_url: URL
    accounts: DemoAccounts
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path

    def query(self, work):  # type: ignore[no-untyped-def]
        """Run ``await work(session)`` against the server's database; its result."""

        async def run():  # type: ignore[no-untyped-def]
            database = Database(self.db_url)
            try:
                async with database.session() as session:
                    return await work(session)
            finally:
                await database.dispose()

        # Playwright's sync API keeps an event loop running in this thread: use another.
        with ThreadPoolExecutor(1) as thread:
            return thread.submit(asyncio.run, run()).result()


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        if required("WORKBENCH_REQUIRE_BROWSER"):
            pytest.fail("WORKBENCH_REQUIRE_BROWSER=1 but chromium is not installed")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("served")
    data_dir = root / "data"
    data_dir.mkdir()
    db_url = make_url(f"sqlite+aiosqlite:///{data_dir / 'workbench.db'}")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("WORKBENCH_", "DEEPL_", "OPENAI_", "GOOGLE_"))
    }
    deepl = FakeDeepL(DEEPL_KEY)  # a second provider, for comparisons
    deepl.start()
    env.update(
        WORKBENCH_DATA_DIR=str(data_dir),
        WORKBENCH_SECRET_KEY="browser-tests-secret-key-0123456789abcdef",
        DEEPL_AUTH_KEY=DEEPL_KEY,
        WORKBENCH_DEEPL_URL=deepl.url,
        NO_PROXY="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )

    async def prepare() -> DemoAccounts:
        await migrate.upgrade(db_url)
        previous = passwords.current_parameters()
        passwords.use_parameters(argon2.profiles.CHEAPEST)
        try:
            async with Database(db_url) as database:
                accounts = await seed_demo(database, ADMIN_PASSWORD)
        finally:
            passwords.use_parameters(previous)
        assert accounts is not None
        return accounts

    accounts = asyncio.run(prepare())
    port = free_port()
    log = root / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "workbench", "serve", "--port", str(port)],
            env=env,
            cwd=root,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            pytest.fail(f"workbench serve exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"workbench serve did not answer in time:\n{log.read_text()}")
        time.sleep(0.3)
    yield Server(url, data_dir, db_url, accounts, env, process, log)
    stop_group(process)
    deepl.stop()


# Playwright's sync API keeps an event loop running in this thread while it is open, which
# would stop later tests from running their own: one Playwright per test module.
@pytest.fixture(scope="module")
def playwright_session() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright_session: Playwright, chromium: str) -> Iterator[Browser]:
    browser = playwright_session.chromium.launch(executable_path=chromium)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def sign_in(page: Page, server: Server, email: str, password: str, path: str = "/") -> None:
    page.goto(server.url + path)
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def open_dashboard(page: Page, server: Server, name: str) -> None:
    """Go to a dashboard and wait until its widgets are on screen."""
    page.goto(f"{server.url}/voila/render/{name}.ipynb")
    page.wait_for_selector(".wb-header", timeout=60_000)


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
