"""Translation providers behind one async interface (DESIGN §5).

``get_provider(name, settings)`` returns a :class:`Provider`; ``await
provider.translate(texts, target=…)`` returns the translations in input order. Names:
``pseudo``, ``google``, ``google_cloud``, ``deepl``, ``openai``, ``ollama``.

The registry (and with it every provider SDK) loads on first use of its names here, so
code that only needs the value types (``GlossarySpec``, …) stays quick to import.
"""

from typing import TYPE_CHECKING

from workbench.providers.base import BatchRequest, Provider
from workbench.providers.glossary import (
    GlossarySpec,
    GlossaryStore,
    GlossarySupport,
    GlossaryTerm,
    RemoteGlossary,
)
from workbench.providers.languages import Language
from workbench.providers.retry import RetryPolicy

if TYPE_CHECKING:
    from workbench.providers.registry import (
        DEFAULT_PROVIDER,
        PROVIDERS,
        get_provider,
        provider_class,
        provider_names,
    )

_FROM_REGISTRY = frozenset(
    {"DEFAULT_PROVIDER", "PROVIDERS", "get_provider", "provider_class", "provider_names"}
)

__all__ = [
    "DEFAULT_PROVIDER",
    "PROVIDERS",
    "BatchRequest",
    "GlossarySpec",
    "GlossaryStore",
    "GlossarySupport",
    "GlossaryTerm",
    "Language",
    "Provider",
    "RemoteGlossary",
    "RetryPolicy",
    "get_provider",
    "provider_class",
    "provider_names",
]


def __getattr__(name: str) -> object:
    if name in _FROM_REGISTRY:
        from workbench.providers import registry

        return getattr(registry, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
