"""httpx at the edge of the HTTP providers (Google web, Google Cloud, Ollama).

:class:`HttpProvider` holds one ``AsyncClient`` per provider instance, so connections
are reused; transport errors
and HTTP statuses become the workbench's error tree here, with ``raise ... from``.
Messages name the status and the provider, never a URL (a query may carry a key).
"""

from __future__ import annotations

from typing import Any

import httpx

from workbench.errors import (
    ConfigError,
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
    WorkbenchError,
)
from workbench.providers.base import Provider
from workbench.providers.retry import parse_retry_after


def new_client(
    base_url: str, *, timeout: float, headers: dict[str, str] | None = None
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url, timeout=httpx.Timeout(timeout), headers=headers or {}
    )


async def send(
    provider: str, client: httpx.AsyncClient, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    """One HTTP request; transport failures become ProviderUnavailable (retried)."""
    try:
        return await client.request(method, path, **kwargs)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise ConfigError(f"{provider}: the endpoint is not a valid http(s) URL") from exc
    except httpx.TimeoutException as exc:
        raise ProviderUnavailable(provider, "timed out waiting for a reply") from exc
    except httpx.TransportError as exc:
        raise ProviderUnavailable(
            provider, f"cannot reach the server ({type(exc).__name__})"
        ) from exc


def status_error(provider: str, response: httpx.Response) -> ProviderError:
    """The error for a failed status that no provider-specific rule claimed first."""
    code = response.status_code
    if code in (401, 403):
        return ProviderAuthError(provider, f"credentials refused (HTTP {code})")
    if code == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return ProviderRateLimited(provider, "rate limited (HTTP 429)", retry_after)
    if code >= 500:
        return ProviderUnavailable(provider, f"server error (HTTP {code})")
    return ProviderError(provider, f"request rejected (HTTP {code})")


def json_body(provider: str, response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise ProviderBadResponse(
            provider, f"the reply is not valid JSON (HTTP {response.status_code})"
        ) from exc


class HttpProvider(Provider):
    """A provider spoken to with httpx: one client per instance, made on first use."""

    _http: httpx.AsyncClient | None = None

    def _headers(self) -> dict[str, str]:
        """Headers for every request (where a key header goes)."""
        return {}

    @property
    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = new_client(self.base_url, timeout=self.timeout, headers=self._headers())
        return self._http

    async def _request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """One request through ``_call``: the JSON of a successful reply, or the error."""

        async def operation() -> Any:
            response = await send(self.name, self._client, method, path, **kwargs)
            if response.is_success:
                return json_body(self.name, response)
            raise self._error_for(response)

        return await self._call(operation)

    def _error_for(self, response: httpx.Response) -> WorkbenchError:
        return status_error(self.name, response)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        await super().aclose()
