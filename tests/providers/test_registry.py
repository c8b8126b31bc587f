"""The registry: names, construction from settings, and each provider's declared facts."""

from __future__ import annotations

import pytest

from workbench.config import Settings
from workbench.errors import ConfigError, InvalidInput
from workbench.providers import (
    DEFAULT_PROVIDER,
    PROVIDERS,
    GlossarySupport,
    Provider,
    codes,
    get_provider,
    provider_names,
)


def test_the_six_names_of_the_public_contract() -> None:
    assert provider_names() == ["pseudo", "google", "google_cloud", "deepl", "openai", "ollama"]
    assert DEFAULT_PROVIDER == "pseudo"


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(InvalidInput, match="pseudo, google, google_cloud"):
        get_provider("bing", Settings())


@pytest.mark.parametrize(
    ("name", "variable"),
    [
        ("deepl", "DEEPL_AUTH_KEY"),
        ("openai", "OPENAI_API_KEY"),
        ("google_cloud", "GOOGLE_CLOUD_API_KEY"),
    ],
)
def test_a_keyed_provider_without_its_key_names_the_variable(name: str, variable: str) -> None:
    assert not PROVIDERS[name].is_configured(Settings())
    with pytest.raises(ConfigError, match=variable):
        get_provider(name, Settings())


def test_settings_reach_the_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_API_KEY", "AIza-from-env")
    monkeypatch.setenv("WORKBENCH_GOOGLE_CLOUD_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:11500")
    settings = Settings()
    assert get_provider("google_cloud", settings).base_url == "http://127.0.0.1:9"
    assert get_provider("ollama", settings).base_url == "http://127.0.0.1:11500"
    assert get_provider("google", settings).base_url == "https://translate.googleapis.com"
    assert get_provider("openai", Settings(openai_api_key="sk-x")).base_url == (
        "https://api.openai.com/v1"
    )


@pytest.mark.parametrize("cls", list(PROVIDERS.values()), ids=list(PROVIDERS))
def test_every_provider_declares_its_facts(cls: type[Provider]) -> None:
    assert cls.label
    assert cls.max_texts_per_request >= 1
    assert cls.max_bytes_per_request >= 1000
    assert isinstance(cls.glossary_support, GlossarySupport)
    assert isinstance(cls.codec, codes.Codec)
    assert cls.default_concurrency >= 1
    assert cls.requires_key == (cls.key_env is not None)
    if cls.models:
        assert cls.default_model in cls.models
    if cls.live_models:
        assert cls.default_model is not None
    assert cls.retry.attempts >= 1
    assert cls.retry.total_time > 0


def test_each_provider_gets_codes_in_the_form_it_handles() -> None:
    assert {name: cls.codec for name, cls in PROVIDERS.items()} == {
        "pseudo": codes.XML,
        "google": codes.TOKENS,
        "google_cloud": codes.HTML,
        "deepl": codes.XML_IGNORED,
        "openai": codes.XML,
        "ollama": codes.XML,
    }


def test_glossary_support_by_provider() -> None:
    support = {name: cls.glossary_support.value for name, cls in PROVIDERS.items()}
    assert support == {
        "pseudo": "placeholder",
        "google": "placeholder",
        "google_cloud": "placeholder",
        "deepl": "native",
        "openai": "prompt",
        "ollama": "prompt",
    }


def test_limits_follow_the_providers_documentation() -> None:
    assert PROVIDERS["deepl"].max_texts_per_request == 50
    assert PROVIDERS["deepl"].max_bytes_per_request <= 128 * 1024
    assert PROVIDERS["google_cloud"].max_texts_per_request == 128
    assert PROVIDERS["google_cloud"].max_bytes_per_request <= 100_000


def test_per_instance_tuning_leaves_the_class_alone() -> None:
    from workbench.providers import RetryPolicy

    fast = RetryPolicy(attempts=2, base_delay=0.001)
    provider = get_provider("pseudo", Settings(), retry=fast, timeout=1.5, cooldown=2)
    assert (provider.retry, provider.timeout, provider.cooldown) == (fast, 1.5, 2)
    assert PROVIDERS["pseudo"].retry != fast
    assert PROVIDERS["pseudo"].timeout == 30.0
