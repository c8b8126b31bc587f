"""Translation Workbench: admin dashboards and batch machine translation in one package.

In a notebook: ``from workbench import Workbench``; ``wb = await Workbench.open()``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.notebook import Workbench

try:
    __version__ = version("translation-workbench")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["Workbench", "__version__"]


def __getattr__(name: str) -> Any:
    # Imported on first use: the CLI's `--help` need not load pandas and every provider.
    if name == "Workbench":
        from workbench.notebook import Workbench

        return Workbench
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")
