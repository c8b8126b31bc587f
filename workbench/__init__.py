"""Translation Workbench: admin dashboards and batch machine translation in one package."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("translation-workbench")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
