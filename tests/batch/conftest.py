"""Batch fixtures: a fake DeepL on loopback that this process's settings point at."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.providers.fakes.deepl_api import FakeDeepL
from workbench.config import get_settings

DEEPL_KEY = "deepl-test-key-for-jobs:fx"


@pytest.fixture
def fake_deepl(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDeepL]:
    fake = FakeDeepL(DEEPL_KEY)
    fake.start()
    monkeypatch.setenv("DEEPL_AUTH_KEY", DEEPL_KEY)
    monkeypatch.setenv("WORKBENCH_DEEPL_URL", fake.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    get_settings.cache_clear()
    yield fake
    fake.stop()
