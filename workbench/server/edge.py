"""What every request and response of the dashboards' server gets, whatever handles it.

:class:`Edge` sits between tornado's HTTP server and the application, where tornado's own
``xheaders`` option would sit, and does three things for every request:

- **The client's address and scheme.** Behind ``--behind-proxy`` the address is the
  rightmost ``X-Forwarded-For`` entry, the one our proxy appended (entries to its left
  are whatever the client sent), and the scheme is the last ``X-Forwarded-Proto`` value.
  No other header is read: tornado's ``xheaders`` let ``X-Real-IP`` override the address
  (and ``X-Scheme`` the scheme), so a client could pick its own sign-in throttle key.
  Without the flag no header is trusted: the address is the connection's.
- **No framing.** Every response says ``X-Frame-Options: DENY`` and
  ``Content-Security-Policy: frame-ancestors 'none'``: the sign-in form, the dashboards,
  downloads and error pages alike, so no other site can frame them to steal clicks.
- **Secure cookies under HTTPS.** Every ``Set-Cookie`` of an HTTPS request gets ``Secure``:
  the session, tornado's ``_xsrf`` and any other a library sets. Tornado adds cookies to the
  headers last, so this is done as the headers are written, not in a handler.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from tornado import httputil, netutil
from tornado.concurrent import Future
from tornado.httpserver import HTTPServer

NO_FRAMING = "frame-ancestors 'none'"


def client_address(headers: httputil.HTTPHeaders, peer: str | None) -> str | None:
    """The rightmost ``X-Forwarded-For`` entry (the proxy's own), else the peer's address."""
    hops = [hop.strip() for line in headers.get_list("X-Forwarded-For") for hop in line.split(",")]
    if hops and netutil.is_valid_ip(hops[-1]):
        return hops[-1]
    return peer


def client_scheme(headers: httputil.HTTPHeaders, scheme: str) -> str:
    """The last ``X-Forwarded-Proto`` value when it is http or https, else ``scheme``."""
    values = [value.strip().lower() for value in headers.get("X-Forwarded-Proto", "").split(",")]
    return values[-1] if values[-1] in ("http", "https") else scheme


def without_framing(policy: str | None) -> str:
    """``policy`` (a Content-Security-Policy) with framing forbidden, its other rules kept."""
    rules = [rule.strip() for rule in (policy or "").split(";")]
    kept = [rule for rule in rules if rule and not rule.lower().startswith("frame-ancestors")]
    return "; ".join([*kept, NO_FRAMING])


def listen(
    application: httputil.HTTPServerConnectionDelegate,
    port: int,
    address: str | None = None,
    *,
    behind_proxy: bool,
) -> HTTPServer:
    """``Application.listen``, with the :class:`Edge` in front of the application."""
    server = HTTPServer(Edge(application, behind_proxy=behind_proxy))
    server.listen(port, address=address)
    return server


class Edge(httputil.HTTPServerConnectionDelegate):
    def __init__(
        self, application: httputil.HTTPServerConnectionDelegate, *, behind_proxy: bool
    ) -> None:
        self.application = application
        self.behind_proxy = behind_proxy

    def start_request(
        self, server_conn: object, request_conn: httputil.HTTPConnection
    ) -> httputil.HTTPMessageDelegate:
        connection = _Connection(request_conn)
        message = self.application.start_request(server_conn, connection)
        return _Message(message, connection, self.behind_proxy)

    def on_close(self, server_conn: object) -> None:
        self.application.on_close(server_conn)


class _Context:
    """The request's address and scheme; the rest is the connection's own context."""

    def __init__(self, context: Any, remote_ip: str | None, protocol: str) -> None:
        self._context = context
        self.remote_ip = remote_ip
        self.protocol = protocol

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


class _Connection(httputil.HTTPConnection):
    """One request's connection: the response headers pass through :meth:`write_headers`."""

    def __init__(self, connection: httputil.HTTPConnection) -> None:
        self._connection = connection
        original = getattr(connection, "context", None)
        self.context = _Context(
            original,
            getattr(original, "remote_ip", None),
            getattr(original, "protocol", "http"),
        )

    def write_headers(
        self,
        start_line: httputil.RequestStartLine | httputil.ResponseStartLine,
        headers: httputil.HTTPHeaders,
        chunk: bytes | None = None,
    ) -> Future[None]:
        headers["X-Frame-Options"] = "DENY"
        headers["Content-Security-Policy"] = without_framing(headers.get("Content-Security-Policy"))
        if self.context.protocol == "https" and "Set-Cookie" in headers:
            cookies = headers.get_list("Set-Cookie")
            del headers["Set-Cookie"]
            for cookie in cookies:
                flags = {part.strip().lower() for part in cookie.split(";")[1:]}
                headers.add("Set-Cookie", cookie if "secure" in flags else f"{cookie}; Secure")
        return self._connection.write_headers(start_line, headers, chunk)

    def write(self, chunk: bytes) -> Future[None]:
        return self._connection.write(chunk)

    def finish(self) -> None:
        self._connection.finish()

    def __getattr__(self, name: str) -> Any:  # detach (websockets), close callbacks, …
        return getattr(self._connection, name)


class _Message(httputil.HTTPMessageDelegate):
    def __init__(
        self, delegate: httputil.HTTPMessageDelegate, connection: _Connection, behind_proxy: bool
    ) -> None:
        self._delegate = delegate
        self._connection = connection
        self._behind_proxy = behind_proxy

    def headers_received(
        self,
        start_line: httputil.RequestStartLine | httputil.ResponseStartLine,
        headers: httputil.HTTPHeaders,
    ) -> Awaitable[None] | None:
        if self._behind_proxy:  # before the application reads them into its request
            context = self._connection.context
            context.remote_ip = client_address(headers, context.remote_ip)
            context.protocol = client_scheme(headers, context.protocol)
        return self._delegate.headers_received(start_line, headers)

    def data_received(self, chunk: bytes) -> Awaitable[None] | None:
        return self._delegate.data_received(chunk)

    def finish(self) -> None:
        self._delegate.finish()

    def on_connection_close(self) -> None:
        self._delegate.on_connection_close()
