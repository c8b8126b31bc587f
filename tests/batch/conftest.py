"""Batch fixtures: a fake DeepL on loopback that this process's settings point at."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.providers.fakes.deepl_api import FakeDeepL, serving

DEEPL_KEY = "deepl-test-key-for-jobs:fx"


@pytest.fixture
def fake_deepl(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDeepL]:
    with serving(FakeDeepL(DEEPL_KEY), monkeypatch) as fake:
        yield fake
