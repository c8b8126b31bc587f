"""A loopback TCP forwarder that a test can cut and restore: a database outage on demand.

The shared PostgreSQL of the test machine must not be stopped, so a test points the code
under test at this proxy instead and cuts it: every open connection is closed and new
ones are refused (the listening socket is closed, as when the server goes down), until
:meth:`TcpProxy.restore` listens again on the same port. It runs its own event loop in a
thread, so it keeps forwarding while the test blocks on a subprocess or a sync call.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from concurrent.futures import Future
from typing import Any

from tests.ports import free_port


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.accepted = 0  # connections taken since start, for tests that wait on them
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._streams: set[asyncio.StreamWriter] = set()
        self._accepted = threading.Condition()

    # --- the test's side (any thread but the proxy's) ----------------------------------

    def start(self) -> TcpProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def stop(self) -> None:
        self._call(self._cut())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def cut(self) -> None:
        """Close every connection and refuse new ones (connection refused)."""
        self._call(self._cut())

    def restore(self) -> None:
        """Listen again on the same port."""
        self._call(self._listen())

    def wait_for_connections(self, count: int, timeout: float = 60) -> None:
        """Block until ``count`` connections in all have been accepted."""
        with self._accepted:
            if not self._accepted.wait_for(lambda: self.accepted >= count, timeout):
                raise TimeoutError(f"{self.accepted} connections of {count} after {timeout} s")

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # --- the proxy's loop ----------------------------------------------------------------

    def _call(self, coroutine: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(30)

    async def _listen(self) -> None:
        if self._server is None:
            # reuse_address: the port is taken again while cut connections linger.
            self._server = await asyncio.start_server(
                self._forward, "127.0.0.1", self.port, reuse_address=True
            )

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._streams):
            _reset(writer)
        self._streams.clear()

    async def _forward(
        self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        with self._accepted:
            self.accepted += 1
            self._accepted.notify_all()
        try:
            server_reader, server = await asyncio.open_connection(*self.target)
        except OSError:
            _reset(client)
            return
        pair = {client, server}
        self._streams |= pair
        try:
            await asyncio.gather(_pipe(client_reader, server), _pipe(server_reader, client))
        finally:
            for writer in pair:
                _reset(writer)
            self._streams -= pair


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(OSError):
        writer.close()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close at once, as a dead server's connection ends (RST, not a polite FIN)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
