"""One database per backend for the glossary tests that name their own glossaries.

A fresh PostgreSQL database costs about a second (CREATE DATABASE from the template,
DROP at the end); tests that only add glossaries with names of their own, or that check
an import changed nothing, share one for the whole package instead.

The DeepL fake and a DeepL provider pointed at it, as in ``tests/providers``, for the
native glossary sync.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.engine import URL

from tests.conftest import ScratchDatabases
from tests.providers.conftest import DEEPL_KEY, make_provider
from tests.providers.fakes.deepl_api import FakeDeepL
from workbench.db import Database
from workbench.providers.deepl import DeepLProvider

# The DeepL SDK (requests) honours these: unset, every request stays on the loopback.
_PROXY_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(scope="package")
def shared_db_url(scratch: ScratchDatabases, template_url: URL) -> Iterator[URL]:
    url = scratch.clone(template_url)
    yield url
    scratch.drop(url)


@pytest.fixture
async def shared_db(shared_db_url: URL) -> AsyncIterator[Database]:
    database = Database(shared_db_url)
    yield database
    await database.dispose()


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _PROXY_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def deepl_fake(loopback_only: None) -> Iterator[FakeDeepL]:
    fake = FakeDeepL(DEEPL_KEY)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
async def deepl(deepl_fake: FakeDeepL) -> AsyncIterator[DeepLProvider]:
    provider = make_provider("deepl", deepl_fake)
    assert isinstance(provider, DeepLProvider)
    try:
        yield provider
    finally:
        await provider.aclose()
