"""Shared provider behaviour seen from the wire: concurrency, pacing, connection reuse,
the total-time bound on retries, and input validation before anything is sent."""

from __future__ import annotations

import pytest

from tests.providers.conftest import make_provider
from tests.providers.fakes.deepl_api import FakeDeepL
from tests.providers.fakes.google_cloud_api import TRANSLATE, FakeGoogleCloud
from tests.providers.fakes.llm_api import FakeOpenAI
from tests.providers.fakes.server import Reply
from workbench.errors import InvalidInput, ProviderUnavailable, UnsupportedLanguage
from workbench.providers import RetryPolicy, get_provider

TEXTS = [f"text {n}" for n in range(128 * 6)]  # six full Google Cloud requests


async def test_concurrency_is_bounded_per_provider(google_cloud_fake: FakeGoogleCloud) -> None:
    google_cloud_fake.latency = 0.05
    async with make_provider("google_cloud", google_cloud_fake, concurrency=2) as provider:
        await provider.translate(TEXTS, target="fr")
    assert len(google_cloud_fake.requests(TRANSLATE)) == 6
    assert google_cloud_fake.max_in_flight == 2


async def test_deepl_thread_pool_is_bounded(deepl_fake: FakeDeepL) -> None:
    deepl_fake.latency = 0.05
    async with make_provider("deepl", deepl_fake, concurrency=3) as provider:
        await provider.translate([f"t{n}" for n in range(50 * 7)], target="de")
    assert len(deepl_fake.requests("/v2/translate")) == 7
    assert deepl_fake.max_in_flight == 3


@pytest.mark.parametrize("name", ["google_cloud", "deepl"])
async def test_batches_are_split_by_size_too(name: str, request: pytest.FixtureRequest) -> None:
    fake = request.getfixturevalue(f"{name}_fake")
    texts = [f"{n} " + "é" * 4_500 for n in range(40)]  # about 9 KB each, 360 KB in all
    async with make_provider(name, fake) as provider:
        result = await provider.translate(texts, target="de")
        limit = provider.max_bytes_per_request
    assert [text[text.index(">") + 1 :] for text in result] == texts
    bodies = [r.body for r in fake.requests() if r.method == "POST"]
    assert len(bodies) >= 4
    assert all(len(body) <= limit + 1024 for body in bodies)  # the texts plus the framing


async def test_requests_are_paced(google_cloud_fake: FakeGoogleCloud) -> None:
    async with make_provider("google_cloud", google_cloud_fake, requests_per_second=40) as p:
        await p.translate(TEXTS, target="fr")
    # Six batches spaced 1/40 s apart span at least 5/40 s, whatever the network jitter
    # of a single request (the margin allows for the server's clock reading).
    arrivals = [request.at for request in google_cloud_fake.requests(TRANSLATE)]
    assert len(arrivals) == 6
    assert arrivals[-1] - arrivals[0] >= 0.8 * 5 / 40


@pytest.mark.parametrize("name", ["google_cloud", "deepl", "openai"])
async def test_one_provider_reuses_its_connection(
    name: str, request: pytest.FixtureRequest
) -> None:
    fake = request.getfixturevalue(f"{name}_fake")
    async with make_provider(name, fake, concurrency=1) as provider:
        for n in range(5):
            await provider.translate([f"call {n}"], target="de")
    assert len(fake.requests()) >= 5
    assert len(fake.connections()) == 1


async def test_retries_stop_when_the_time_budget_is_spent(
    google_cloud_fake: FakeGoogleCloud,
) -> None:
    # Many attempts allowed, but each wait (0.2 s) would pass the 0.1 s budget.
    budget = RetryPolicy(attempts=10, base_delay=0.2, max_delay=0.2, total_time=0.1, jitter=0)
    google_cloud_fake.fail(TRANSLATE, *[Reply(500, {"error": {"message": "x"}})] * 10)
    async with make_provider("google_cloud", google_cloud_fake, retry=budget) as provider:
        with pytest.raises(ProviderUnavailable):
            await provider.translate(["Hello"], target="fr")
    assert len(google_cloud_fake.requests(TRANSLATE)) == 1


async def test_bad_input_is_refused_before_any_request(openai_fake: FakeOpenAI) -> None:
    async with make_provider("openai", openai_fake) as provider:
        with pytest.raises(InvalidInput, match="unknown option"):
            await provider.translate(["Hi"], target="fr", formality="more")
        with pytest.raises(InvalidInput, match="text 2 is a int"):
            await provider.translate(["Hi", 3], target="fr")  # type: ignore[list-item]
        with pytest.raises(UnsupportedLanguage, match="not a language code"):
            await provider.translate(["Hi"], target="French!")
    assert openai_fake.received == []


async def test_pseudo_has_no_model_choice() -> None:
    async with get_provider("pseudo") as provider:
        with pytest.raises(InvalidInput, match="no model choice"):
            await provider.translate(["Hi"], target="fr", model="gpt-4o")
