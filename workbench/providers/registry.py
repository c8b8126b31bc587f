"""The providers by name (DESIGN §3): the one place that knows which classes exist.

Everything else picks a provider through :func:`get_provider` and then uses only the
:class:`~workbench.providers.base.Provider` interface and its class attributes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from importlib import import_module
from typing import Any

from workbench.config import Settings, get_settings
from workbench.errors import InvalidInput
from workbench.providers.base import Provider

# name -> where its class lives. Classes are imported on first use: each provider brings
# its SDK (openai's alone takes most of a second), and `workbench --help` needs none.
_LOCATIONS: dict[str, tuple[str, str]] = {
    "pseudo": ("workbench.providers.pseudo", "PseudoProvider"),
    "google": ("workbench.providers.google", "GoogleWebProvider"),
    "google_cloud": ("workbench.providers.google_cloud", "GoogleCloudProvider"),
    "deepl": ("workbench.providers.deepl", "DeepLProvider"),
    "openai": ("workbench.providers.openai", "OpenAIProvider"),
    "ollama": ("workbench.providers.ollama", "OllamaProvider"),
}

DEFAULT_PROVIDER = "pseudo"


@cache
def _load(name: str) -> type[Provider]:
    module, attribute = _LOCATIONS[name]
    cls: type[Provider] = getattr(import_module(module), attribute)
    return cls


class _Providers(Mapping[str, type[Provider]]):
    """The provider classes by name, in the order above, each imported when first read."""

    def __getitem__(self, name: str) -> type[Provider]:
        if name not in _LOCATIONS:
            raise KeyError(name)
        return _load(name)

    def __iter__(self) -> Iterator[str]:
        return iter(_LOCATIONS)

    def __len__(self) -> int:
        return len(_LOCATIONS)


PROVIDERS: Mapping[str, type[Provider]] = _Providers()


def provider_names() -> list[str]:
    return list(_LOCATIONS)


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
    ``concurrency``, ``requests_per_second``, ``api_key``, ``base_url``, ``gate``). A
    provider that needs a key it does not have raises ConfigError naming the variable to
    set.
    """
    return provider_class(name).from_settings(settings or get_settings(), **overrides)
