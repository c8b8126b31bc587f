"""The providers by name (DESIGN §3): the one place that knows which classes exist.

Everything else picks a provider through :func:`get_provider` and then uses only the
:class:`~workbench.providers.base.Provider` interface and its class attributes.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from workbench.config import Settings, get_settings
from workbench.errors import InvalidInput
from workbench.providers.base import Provider
from workbench.providers.deepl import DeepLProvider
from workbench.providers.google import GoogleWebProvider
from workbench.providers.google_cloud import GoogleCloudProvider
from workbench.providers.ollama import OllamaProvider
from workbench.providers.openai import OpenAIProvider
from workbench.providers.pseudo import PseudoProvider

DEFAULT_PROVIDER = PseudoProvider.name

PROVIDERS: Mapping[str, type[Provider]] = MappingProxyType(
    {
        cls.name: cls
        for cls in (
            PseudoProvider,
            GoogleWebProvider,
            GoogleCloudProvider,
            DeepLProvider,
            OpenAIProvider,
            OllamaProvider,
        )
    }
)


def provider_names() -> list[str]:
    return list(PROVIDERS)


def provider_class(name: str) -> type[Provider]:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise InvalidInput(
            f"unknown provider {name!r}; choose one of {', '.join(PROVIDERS)}"
        ) from None


def get_provider(name: str, settings: Settings | None = None, **overrides: Any) -> Provider:
    """A new provider instance configured from settings; close it when done.

    ``overrides`` go to the constructor (``timeout``, ``retry``, ``cooldown``,
    ``concurrency``, ``requests_per_second``, ``api_key``, ``base_url``). A provider that
    needs a key it does not have raises ConfigError naming the variable to set.
    """
    return provider_class(name).from_settings(settings or get_settings(), **overrides)
