"""``workbench providers`` and the status checks behind it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from tests.providers.conftest import DEEPL_KEY, GOOGLE_CLOUD_KEY, OPENAI_KEY
from tests.providers.fakes.deepl_api import FakeDeepL
from tests.providers.fakes.google_cloud_api import FakeGoogleCloud
from tests.providers.fakes.google_web_api import FakeGoogleWeb
from tests.providers.fakes.llm_api import FakeOllama, FakeOpenAI
from tests.providers.fakes.server import BlackHole, closed_port_url
from workbench.cli import cli
from workbench.config import Settings
from workbench.providers.status import check_providers, format_table


@pytest.fixture
def black_hole() -> Iterator[BlackHole]:
    hole = BlackHole()
    yield hole
    hole.close()


def rows_by_name(output: str) -> dict[str, str]:
    return {line.split()[0]: line for line in output.splitlines()[1:] if line.strip()}


def invoke(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(cli, ["providers", *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_without_keys_only_keyless_providers_are_configured() -> None:
    dead = closed_port_url()
    output = invoke({"WORKBENCH_GOOGLE_URL": dead, "WORKBENCH_OLLAMA_URL": dead}, "--timeout", "2")
    assert output.splitlines()[0].split() == [
        "provider",
        "configured",
        "reachable",
        "default",
        "model",
        "models",
    ]
    rows = rows_by_name(output)
    assert list(rows) == ["pseudo", "google", "google_cloud", "deepl", "openai", "ollama"]
    assert rows["pseudo"].split()[1:3] == ["yes", "yes"]
    assert "(unofficial)" in rows["google"]
    assert "unreachable" in rows["google"]
    assert "unreachable" in rows["ollama"]
    assert "no (set GOOGLE_CLOUD_API_KEY)" in rows["google_cloud"]
    assert "no (set DEEPL_AUTH_KEY)" in rows["deepl"]
    assert "no (set OPENAI_API_KEY)" in rows["openai"]
    assert "quality_optimized" in rows["deepl"]  # fixed choices are shown even so


def test_with_every_provider_configured_against_fakes(
    deepl_fake: FakeDeepL,
    google_cloud_fake: FakeGoogleCloud,
    google_fake: FakeGoogleWeb,
    openai_fake: FakeOpenAI,
    ollama_fake: FakeOllama,
) -> None:
    env = {
        "DEEPL_AUTH_KEY": DEEPL_KEY,
        "WORKBENCH_DEEPL_URL": deepl_fake.url,
        "GOOGLE_CLOUD_API_KEY": GOOGLE_CLOUD_KEY,
        "WORKBENCH_GOOGLE_CLOUD_URL": google_cloud_fake.url,
        "WORKBENCH_GOOGLE_URL": google_fake.url,
        "OPENAI_API_KEY": OPENAI_KEY,
        "WORKBENCH_OPENAI_URL": f"{openai_fake.url}/v1",
        "OLLAMA_HOST": ollama_fake.url.removeprefix("http://"),
    }
    rows = rows_by_name(invoke(env))
    for row in rows.values():
        assert "unreachable" not in row, row
        assert row.replace(" (unofficial)", "").split()[1:3] == ["yes", "yes"], row
    assert "gpt-4o, gpt-4o-mini" in rows["openai"]
    assert "text-embedding" not in rows["openai"]
    assert "llama3.2:latest, qwen2.5:7b" in rows["ollama"]
    assert "nmt, base" in rows["google_cloud"]
    # Each check is one cheap authenticated request.
    assert len(deepl_fake.requests("/v2/usage")) == 1
    assert len(google_cloud_fake.requests()) == 1
    assert len(openai_fake.requests("/v1/models")) == 1
    assert len(ollama_fake.requests("/api/tags")) == 1
    assert deepl_fake.requests()[0].headers["authorization"] == f"DeepL-Auth-Key {DEEPL_KEY}"


def test_a_refused_key_shows_as_unreachable_with_the_reason(deepl_fake: FakeDeepL) -> None:
    env = {
        "DEEPL_AUTH_KEY": "not-the-key:fx",
        "WORKBENCH_DEEPL_URL": deepl_fake.url,
        "WORKBENCH_GOOGLE_URL": closed_port_url(),
        "WORKBENCH_OLLAMA_URL": closed_port_url(),
    }
    row = rows_by_name(invoke(env, "--timeout", "2"))["deepl"]
    assert "unreachable: the auth key was refused" in row
    assert "not-the-key" not in row


def test_a_hung_endpoint_is_unreachable_within_the_timeout(black_hole: BlackHole) -> None:
    env = {
        "WORKBENCH_GOOGLE_URL": black_hole.url,
        "WORKBENCH_OLLAMA_URL": black_hole.url,
        "DEEPL_AUTH_KEY": DEEPL_KEY,
        "WORKBENCH_DEEPL_URL": black_hole.url,
        "OPENAI_API_KEY": OPENAI_KEY,
        "WORKBENCH_OPENAI_URL": f"{black_hole.url}/v1",
    }
    rows = rows_by_name(invoke(env, "--timeout", "2"))
    for name in ("google", "ollama", "deepl", "openai"):
        assert "unreachable" in rows[name]
        assert "within 2 s" in rows[name]
    # One request each, no retries, all hanging at the same time: the checks run side by
    # side, so the command takes one timeout, not four.
    assert black_hole.connections == 4
    assert black_hole.most_open == 4


def test_help_describes_the_timeout() -> None:
    result = CliRunner().invoke(cli, ["providers", "--help"])
    assert result.exit_code == 0
    assert "--timeout" in result.output


def test_a_timeout_that_is_not_a_number_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["providers", "--timeout", "soon"])
    assert result.exit_code == 2


async def test_status_rows_carry_the_facts() -> None:
    dead = closed_port_url()
    rows = await check_providers(Settings(google_url=dead, ollama_url=dead), wait=2)
    pseudo, google, google_cloud = rows[0], rows[1], rows[2]
    assert (pseudo.configured, pseudo.reachable) == (True, True)
    assert (google.configured, google.reachable, google.unofficial) == (True, False, True)
    assert (google_cloud.configured, google_cloud.reachable) == (False, None)
    assert google_cloud.detail == "set GOOGLE_CLOUD_API_KEY"
    table = format_table(rows)
    assert table.splitlines()[0].startswith("provider")
