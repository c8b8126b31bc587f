"""No provider key ever shows in a repr, an error message or a log line.

The fakes echo a refused key back in their error bodies, as careless servers do, so a
provider that copied third-party messages into its errors would be caught here.
"""

from __future__ import annotations

import logging

import pytest

from tests.providers.conftest import make_provider
from tests.providers.fakes.server import FakeServer
from workbench.errors import ProviderAuthError

KEYED = ("deepl", "google_cloud", "openai")
WRONG_KEY = "leaked-secret-do-not-print-4711:fx"


def assert_hidden(secret: str, *texts: str) -> None:
    for text in texts:
        assert secret not in text
        assert secret[:12] not in text


@pytest.mark.parametrize("name", KEYED)
async def test_a_refused_key_is_in_no_error_repr_or_log(
    name: str, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    fake: FakeServer = request.getfixturevalue(f"{name}_fake")
    caplog.set_level(logging.DEBUG)
    provider = make_provider(name, fake, api_key=WRONG_KEY)
    async with provider:
        with pytest.raises(ProviderAuthError) as raised:
            await provider.translate(["Hello"], target="fr", source="en")
        with pytest.raises(ProviderAuthError) as cooled:
            await provider.translate(["Hello"], target="fr", source="en")
        assert_hidden(
            WRONG_KEY,
            str(raised.value),
            repr(raised.value),
            str(cooled.value),
            repr(provider),
            str(provider),
            repr(vars(provider)),
            caplog.text,
        )
    sent = fake.received[0]
    assert WRONG_KEY in str(sent.headers)  # the key did go out, in a header only
    assert WRONG_KEY not in sent.path
    assert WRONG_KEY not in str(sent.query)


@pytest.mark.parametrize("name", KEYED)
async def test_a_working_key_is_in_no_log_line(
    name: str, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    fake: FakeServer = request.getfixturevalue(f"{name}_fake")
    caplog.set_level(logging.DEBUG)
    async with make_provider(name, fake) as provider:
        secret = provider._secret()
        await provider.translate(["Hello", "World"], target="fr")
        await provider.list_models()
        assert_hidden(secret, caplog.text, repr(provider), repr(vars(provider)))
    assert fake.received
