"""Fixtures: a fake server per network provider, and providers pointed at them.

Every provider under test talks to 127.0.0.1 only; provider keys and endpoint
overrides from the developer's environment are removed so no test can reach the
internet. Providers get millisecond backoff and no pacing delay so fault tests run fast.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.providers.fakes.deepl_api import FakeDeepL
from tests.providers.fakes.google_cloud_api import FakeGoogleCloud
from tests.providers.fakes.google_web_api import FakeGoogleWeb
from tests.providers.fakes.llm_api import FakeOllama, FakeOpenAI
from tests.providers.fakes.server import FakeServer
from workbench.config import Settings
from workbench.providers import Provider, RetryPolicy, get_provider
from workbench.providers.deepl import DeepLProvider
from workbench.providers.google import GoogleWebProvider
from workbench.providers.google_cloud import GoogleCloudProvider
from workbench.providers.ollama import OllamaProvider
from workbench.providers.openai import OpenAIProvider

DEEPL_KEY = "deepl-secret-7f3a9c1e-4b2d:fx"
OPENAI_KEY = "sk-test-secret-9d8c7b6a5f4e3d2c1b0a"
GOOGLE_CLOUD_KEY = "AIzaSy-test-secret-0123456789abcdef"

FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.005, total_time=10.0)
FAST: dict[str, Any] = {
    "timeout": 2.0,
    "retry": FAST_RETRY,
    "requests_per_second": 100_000.0,
    "cooldown": 60.0,
}

_PROVIDER_ENV = (
    "DEEPL_AUTH_KEY",
    "OPENAI_API_KEY",
    "GOOGLE_CLOUD_API_KEY",
    "WORKBENCH_DEEPL_URL",
    "WORKBENCH_OPENAI_URL",
    "WORKBENCH_GOOGLE_URL",
    "WORKBENCH_GOOGLE_CLOUD_URL",
    "WORKBENCH_OLLAMA_URL",
    "OLLAMA_HOST",
    "OPENAI_BASE_URL",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


@pytest.fixture(autouse=True)
def _no_real_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def _serve(fake: FakeServer) -> Iterator[Any]:
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def deepl_fake() -> Iterator[FakeDeepL]:
    yield from _serve(FakeDeepL(DEEPL_KEY))


@pytest.fixture
def google_cloud_fake() -> Iterator[FakeGoogleCloud]:
    yield from _serve(FakeGoogleCloud(GOOGLE_CLOUD_KEY))


@pytest.fixture
def google_fake() -> Iterator[FakeGoogleWeb]:
    yield from _serve(FakeGoogleWeb())


@pytest.fixture
def openai_fake() -> Iterator[FakeOpenAI]:
    yield from _serve(FakeOpenAI(OPENAI_KEY))


@pytest.fixture
def ollama_fake() -> Iterator[FakeOllama]:
    yield from _serve(FakeOllama())


def fake_settings(name: str, url: str) -> Settings:
    """Settings that point provider ``name`` (and only it) at a fake server."""
    fields: dict[str, dict[str, Any]] = {
        "deepl": {"deepl_auth_key": DEEPL_KEY, "deepl_url": url},
        "google_cloud": {"google_cloud_api_key": GOOGLE_CLOUD_KEY, "google_cloud_url": url},
        "google": {"google_url": url},
        "openai": {"openai_api_key": OPENAI_KEY, "openai_url": f"{url}/v1"},
        "ollama": {"ollama_url": url},
    }
    return Settings(**fields[name])


def make_provider(name: str, fake: FakeServer | None = None, **overrides: Any) -> Provider:
    """A provider of ``name`` from the registry, talking to ``fake``, tuned for tests."""
    settings = fake_settings(name, fake.url) if fake is not None else Settings()
    return get_provider(name, settings, **{**FAST, **overrides})


async def _provider(name: str, fake: FakeServer) -> AsyncIterator[Any]:
    provider = make_provider(name, fake)
    try:
        yield provider
    finally:
        await provider.aclose()


@pytest.fixture
async def deepl(deepl_fake: FakeDeepL) -> AsyncIterator[DeepLProvider]:
    async for provider in _provider("deepl", deepl_fake):
        yield provider


@pytest.fixture
async def google_cloud(google_cloud_fake: FakeGoogleCloud) -> AsyncIterator[GoogleCloudProvider]:
    async for provider in _provider("google_cloud", google_cloud_fake):
        yield provider


@pytest.fixture
async def google(google_fake: FakeGoogleWeb) -> AsyncIterator[GoogleWebProvider]:
    async for provider in _provider("google", google_fake):
        yield provider


@pytest.fixture
async def openai(openai_fake: FakeOpenAI) -> AsyncIterator[OpenAIProvider]:
    async for provider in _provider("openai", openai_fake):
        yield provider


@pytest.fixture
async def ollama(ollama_fake: FakeOllama) -> AsyncIterator[OllamaProvider]:
    async for provider in _provider("ollama", ollama_fake):
        yield provider
