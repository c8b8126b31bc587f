"""A loopback HTTP server for fake providers, with recording and fault injection.

Runs the standard library's ``ThreadingHTTPServer`` in a thread of its own (the DeepL
SDK is synchronous and would block a server on the test's event loop), speaks
HTTP/1.1 with keep-alive so connection reuse is observable, records every request it
receives, and answers queued faults for a path before its normal behaviour.
"""

from __future__ import annotations

import abc
import json
import select
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    """One request as the fake saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    connection: tuple[str, int]  # the client's address: one per TCP connection
    at: float  # time.monotonic() on arrival

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode(), keep_blank_values=True)

    def param(self, name: str) -> str | None:
        """A parameter from the query string, else from a form body."""
        values = self.query.get(name)
        if values is None and self.body and "json" not in self.headers.get("content-type", ""):
            values = self.form().get(name)
        return values[0] if values else None


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict or list: JSON; str or bytes: sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0  # seconds to wait before answering, to provoke client timeouts

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode(), "application/json"
        if self.body is None:
            return b"", "text/plain"
        return json.dumps(self.body, ensure_ascii=False).encode(), "application/json"


class FakeServer(abc.ABC):
    """Subclasses implement :meth:`handle`; tests read :attr:`received`."""

    latency = 0.0  # seconds each normal reply takes, so concurrent requests overlap

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._faults: dict[str, deque[Reply]] = defaultdict(deque)
        self._held: tuple[str, int, threading.Event] | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------
    def start(self) -> FakeServer:
        self._httpd = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        assert self._httpd is not None
        assert self._thread is not None
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    # --- for tests ---------------------------------------------------------------------
    def fail(self, path: str, *replies: Reply) -> None:
        """Answer the next requests to ``path`` with ``replies``, in order."""
        with self._lock:
            self._faults[path].extend(replies)

    def hold(self, path: str, after: int) -> threading.Event:
        """Keep every request to ``path`` after the first ``after`` waiting until the
        returned event is set: a test acts while a request is in flight, however slow
        the machine."""
        release = threading.Event()
        with self._lock:
            self._held = (path, after, release)
        return release

    def requests(self, path: str | None = None, method: str | None = None) -> list[Received]:
        with self._lock:
            return [
                request
                for request in self.received
                if (path is None or request.path == path)
                and (method is None or request.method == method)
            ]

    def connections(self, path: str | None = None) -> set[tuple[str, int]]:
        return {request.connection for request in self.requests(path)}

    # --- for subclasses ------------------------------------------------------------------
    @abc.abstractmethod
    def handle(self, request: Received) -> Reply:
        """The provider's normal answer to ``request``."""

    # --- internals -------------------------------------------------------------------------
    def _dispatch(self, request: Received) -> Reply:
        with self._lock:
            self.received.append(request)
            queued = self._faults.get(request.path)
            fault = queued.popleft() if queued else None
            release = self._release_for(request)
        if release is not None:
            while not release.wait(0.05) and not self._stopping.is_set():
                pass
        if fault is not None:
            return fault
        if self.latency:
            self._stopping.wait(self.latency)
        return self.handle(request)

    def _release_for(self, request: Received) -> threading.Event | None:
        """Under the lock: what ``request`` must wait for, if :meth:`hold` holds it."""
        if self._held is None or request.path != self._held[0]:
            return None
        path, after, release = self._held
        return release if len(self.requests_to(path)) > after else None

    def requests_to(self, path: str) -> list[Received]:
        """Under the lock: the requests to ``path`` so far."""
        return [received for received in self.received if received.path == path]

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Many clients connect at once in benchmarks: the default backlog (5) drops their SYNs.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that gave up (timeout tests) close their end; that is expected here.
        pass


def _handler_for(fake: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # One buffered write per reply and no Nagle delay: otherwise headers and body go
        # out as two small segments and the client's delayed ACK stalls each reply 40 ms.
        wbufsize = -1
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def do_DELETE(self) -> None:
            self._serve()

        def do_PATCH(self) -> None:
            self._serve()

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            request = Received(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=body,
                connection=self.client_address[:2],
                at=time.monotonic(),
            )
            fake._enter()
            try:
                reply = fake._dispatch(request)
                if reply.hang:
                    fake._stopping.wait(reply.hang)
                payload, content_type = reply.encoded()
                self.send_response(reply.status)
                headers = {"Content-Type": content_type, **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            finally:
                fake._leave()

    return Handler


class BlackHole:
    """A port that accepts connections and never answers: a hung endpoint.

    It counts the connections it was given and the most that were open at once, so a
    test can tell requests that hung side by side from requests that hung in turn.
    """

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)
        self._open: list[socket.socket] = []
        self._closing = threading.Event()
        self.connections = 0
        self.most_open = 0
        self._thread = threading.Thread(target=self._hold, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def _hold(self) -> None:
        while not self._closing.is_set():
            readable, _, _ = select.select([self._socket, *self._open], [], [], 0.05)
            for ready in readable:
                if ready is self._socket:
                    connection, _ = self._socket.accept()
                    self._open.append(connection)
                    self.connections += 1
                    self.most_open = max(self.most_open, len(self._open))
                elif not ready.recv(65536):  # the client gave up and closed
                    self._open.remove(ready)
                    ready.close()

    def close(self) -> None:
        self._closing.set()
        self._thread.join()
        for connection in self._open:
            connection.close()
        self._socket.close()


def closed_port_url() -> str:
    """A loopback URL where nothing listens: connections are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
