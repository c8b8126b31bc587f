"""Fault injection over real HTTP, the same faults for every network provider.

Each fake answers the queued faults first, then normally; the tests assert the error
(or the eventual result) and how many requests the fake saw, so retries are bounded
and refusals are not retried.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from tests.providers.conftest import make_provider
from tests.providers.fakes import deepl_api, google_cloud_api, google_web_api, llm_api
from tests.providers.fakes.server import BlackHole, FakeServer, Reply, closed_port_url
from workbench.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderRateLimited,
    ProviderUnavailable,
)
from workbench.providers import Provider, RetryPolicy

NETWORK = ("google", "google_cloud", "deepl", "openai", "ollama")
PATHS = {
    "deepl": "/v2/translate",
    "google_cloud": google_cloud_api.TRANSLATE,
    "google": google_web_api.PATH,
    "openai": "/v1/chat/completions",
    "ollama": "/api/chat",
}
TRANSLATED = {
    "deepl": deepl_api.translated,
    "google_cloud": google_cloud_api.translated,
    "google": google_web_api.translated,
    "openai": llm_api.translated,
    "ollama": llm_api.translated,
}


@dataclass
class Target:
    name: str
    fake: FakeServer
    path: str

    def attempts(self) -> int:
        return len(self.fake.requests(self.path))

    def expected(self, text: str) -> str:
        return TRANSLATED[self.name](text, "fr")

    def provider(self, **overrides: object) -> Provider:
        return make_provider(self.name, self.fake, **overrides)


@pytest.fixture(params=NETWORK)
def target(request: pytest.FixtureRequest) -> Target:
    name: str = request.param
    return Target(name, request.getfixturevalue(f"{name}_fake"), PATHS[name])


@pytest.fixture
async def provider(target: Target) -> AsyncIterator[Provider]:
    provider = target.provider()
    yield provider
    await provider.aclose()


async def test_429_with_retry_after_then_success(target: Target, provider: Provider) -> None:
    target.fake.fail(target.path, Reply(429, {"message": "slow down"}, {"Retry-After": "0"}))
    assert await provider.translate(["Hello"], target="fr") == [target.expected("Hello")]
    assert target.attempts() == 2


async def test_retry_after_is_honoured_instead_of_the_backoff(target: Target) -> None:
    # The computed backoff (60 s) would exceed the time budget and give up at once; the
    # provider's Retry-After of 0 s is what lets the retry happen.
    patient = RetryPolicy(attempts=3, base_delay=60, max_delay=60, total_time=5, jitter=0)
    target.fake.fail(target.path, Reply(429, {"message": "slow down"}, {"Retry-After": "0"}))
    async with target.provider(retry=patient) as provider:
        assert await provider.translate(["Hi"], target="fr") == [target.expected("Hi")]
    assert target.attempts() == 2


async def test_a_retry_after_beyond_the_budget_is_not_waited_for(
    target: Target, provider: Provider
) -> None:
    target.fake.fail(target.path, Reply(429, {"message": "later"}, {"Retry-After": "3600"}))
    with pytest.raises(ProviderRateLimited) as raised:
        await provider.translate(["Hello"], target="fr")
    assert raised.value.retry_after == 3600
    assert target.attempts() == 1


async def test_server_errors_then_success(target: Target, provider: Provider) -> None:
    target.fake.fail(target.path, Reply(500, {"error": "boom"}), Reply(502, "<html>bad gateway"))
    assert await provider.translate(["Hello"], target="fr") == [target.expected("Hello")]
    assert target.attempts() == 3


async def test_persistent_outage_gives_up_after_the_attempts(
    target: Target, provider: Provider
) -> None:
    target.fake.fail(target.path, *[Reply(503, {"error": "down"})] * 5)
    with pytest.raises(ProviderUnavailable):
        await provider.translate(["Hello"], target="fr")
    assert target.attempts() == provider.retry.attempts == 3


async def test_a_timeout_is_retried(target: Target) -> None:
    target.fake.fail(target.path, Reply(hang=5))
    async with target.provider(timeout=0.3) as provider:
        assert await provider.translate(["Hello"], target="fr") == [target.expected("Hello")]
    assert target.attempts() == 2


async def test_persistent_timeouts_give_up(target: Target) -> None:
    target.fake.fail(target.path, Reply(hang=5), Reply(hang=5), Reply(hang=5))
    two_tries = RetryPolicy(attempts=2, base_delay=0.001, max_delay=0.001, total_time=10)
    async with target.provider(timeout=0.3, retry=two_tries) as provider:
        with pytest.raises(ProviderUnavailable):
            await provider.translate(["Hello"], target="fr")
    assert target.attempts() == 2


async def test_malformed_json_is_a_bad_response_and_not_retried(
    target: Target, provider: Provider
) -> None:
    target.fake.fail(target.path, Reply(200, '{"translations": [oops'))
    with pytest.raises(ProviderBadResponse):
        await provider.translate(["Hello"], target="fr")
    assert target.attempts() == 1


async def test_a_refusal_is_not_retried_and_cools_the_provider_down(
    target: Target, provider: Provider
) -> None:
    target.fake.fail(target.path, Reply(401, {"error": {"message": "who are you"}}))
    with pytest.raises(ProviderAuthError):
        await provider.translate(["Hello"], target="fr")
    assert target.attempts() == 1
    with pytest.raises(ProviderAuthError, match="not asking again"):
        await provider.translate(["Hello again"], target="fr")
    assert target.attempts() == 1


async def test_after_the_cooldown_the_provider_asks_again(target: Target) -> None:
    target.fake.fail(target.path, Reply(403, {"error": {"message": "forbidden"}}))
    async with target.provider(cooldown=0.0) as provider:
        with pytest.raises(ProviderAuthError):
            await provider.translate(["Hello"], target="fr")
        assert await provider.translate(["Hello"], target="fr") == [target.expected("Hello")]
    assert target.attempts() == 2


@pytest.mark.parametrize("name", NETWORK)
async def test_connection_refused_is_unavailable(name: str) -> None:
    dead = _DeadEndpoint(closed_port_url())
    async with make_provider(name, dead) as provider:
        # Languages are validated first for providers that list them; either request
        # meets the refused connection.
        with pytest.raises(ProviderUnavailable):
            await provider.translate(["Hello"], target="fr", source="en")


@pytest.mark.parametrize("name", NETWORK)
async def test_a_hung_endpoint_times_out(name: str) -> None:
    hole = BlackHole()
    one_try = RetryPolicy(attempts=1)
    try:
        async with make_provider(name, _DeadEndpoint(hole.url), timeout=0.2, retry=one_try) as p:
            with pytest.raises(ProviderUnavailable, match=r"no reply within|timed out|no reply"):
                await p.translate(["Hello"], target="fr", source="en")
    finally:
        hole.close()


class _DeadEndpoint(FakeServer):
    """Not started: only its URL is used, for endpoints that never answer properly."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self._url = url

    @property
    def url(self) -> str:
        return self._url

    def handle(self, request: object) -> Reply:
        raise AssertionError("a dead endpoint never handles a request")
