"""What ``workbench providers`` shows: each provider configured or not, reachable or not.

Every configured provider is checked at the same time, each under one deadline, so a
dead endpoint costs the timeout once and never hangs the command. Checks make a single
attempt: a status report should say what is, not wait out a retry policy.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from workbench.config import Settings
from workbench.errors import WorkbenchError
from workbench.providers.base import Provider
from workbench.providers.registry import PROVIDERS
from workbench.providers.retry import RetryPolicy

MODELS_SHOWN = 6
_ONE_ATTEMPT = RetryPolicy(attempts=1)


@dataclass(frozen=True, slots=True)
class ProviderStatus:
    name: str
    label: str
    unofficial: bool
    configured: bool
    reachable: bool | None  # None: not checked (not configured)
    detail: str  # why it is unreachable, or what to set to configure it
    default_model: str | None
    models: tuple[str, ...]  # listed live when reachable, else the fixed choices if any


async def check_providers(settings: Settings, *, wait: float = 5.0) -> list[ProviderStatus]:
    """The status of every provider, in registry order; each check gets ``wait`` seconds."""
    return list(await asyncio.gather(*(_status(cls, settings, wait) for cls in PROVIDERS.values())))


async def _status(cls: type[Provider], settings: Settings, wait: float) -> ProviderStatus:
    def status(
        reachable: bool | None, detail: str, models: tuple[str, ...] = cls.models
    ) -> ProviderStatus:
        return ProviderStatus(
            name=cls.name,
            label=cls.label,
            unofficial=cls.unofficial,
            configured=reachable is not None,
            reachable=reachable,
            detail=detail,
            default_model=cls.default_model,
            models=models,
        )

    if not cls.is_configured(settings):
        return status(None, f"set {cls.key_env}")
    provider = cls.from_settings(settings, timeout=wait, retry=_ONE_ATTEMPT)
    try:
        async with asyncio.timeout(wait):
            await provider.check()
            models = tuple(await provider.list_models())
    except TimeoutError:
        return status(False, f"no answer within {wait:g} s")
    except WorkbenchError as error:
        return status(False, str(error).removeprefix(f"{cls.name}: "))
    finally:
        await provider.aclose()
    return status(True, "", models)


def format_table(rows: list[ProviderStatus]) -> str:
    """A plain-text table for the terminal."""
    header = ("provider", "configured", "reachable", "default model", "models")
    lines = [header]
    for row in rows:
        lines.append(
            (
                row.name + (" (unofficial)" if row.unofficial else ""),
                "yes" if row.configured else f"no ({row.detail})",
                _reachable(row),
                row.default_model or "-",
                _models(row),
            )
        )
    widths = [max(len(line[column]) for line in lines) for column in range(len(header) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False))
        + "  "
        + line[-1]
        for line in lines
    )


def _reachable(row: ProviderStatus) -> str:
    if row.reachable is None:
        return "-"
    return "yes" if row.reachable else f"unreachable: {row.detail}"


def _models(row: ProviderStatus) -> str:
    if not row.models:
        return "-"
    shown = ", ".join(row.models[:MODELS_SHOWN])
    more = len(row.models) - MODELS_SHOWN
    return f"{shown}, … (+{more})" if more > 0 else shown
