"""Names of things as the dashboards show them, in the user's language."""

from __future__ import annotations

from workbench.providers.registry import PROVIDERS, provider_class
from workbench.ui.i18n import Texts


def provider_label(texts: Texts, name: str) -> str:
    """A provider as the dashboards name it: its class's ``label``, translated.

    A name the registry no longer knows (an old job's) is shown as it is.
    """
    return texts._(provider_class(name).label) if name in PROVIDERS else name
