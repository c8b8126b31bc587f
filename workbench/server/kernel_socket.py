"""The dashboards' kernel websocket: the v1 protocol only, every frame checked before use.

Voilà's handler, and jupyter_server's under it, read the first 8 bytes of a binary frame
as a count of offsets and loop that many times before checking anything. A frame of the
legacy protocol (4-byte big-endian counts) read that way, or any frame made up to match,
gives a count near 2**60: the server stops answering everyone and its memory grows until
it is killed. So :class:`KernelWebsocket`, registered in their place:

- refuses a socket that does not offer the ``v1.kernel.websocket.jupyter.org``
  subprotocol (the dashboards' own pages always offer it);
- reads each frame's offset table with :func:`read_frame`, bounded by the frame itself,
  and closes that one socket on a frame it cannot read, whichever direction it goes;
- drops the kernel's ``execute_input`` messages, as Voilà does: the browser never sees
  the code a dashboard runs;
- answers only the kernel's owner (:class:`~workbench.server.kernels.OwnerOnly`).
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from jupyter_server.services.kernels.websocket import KernelWebsocketHandler
from tornado import web

from workbench.server.kernels import OwnerOnly

PROTOCOL = "v1.kernel.websocket.jupyter.org"
# The channel, header, parent header, metadata and content, then binary buffers: a file
# picker sends one buffer per file. Far more is no dashboard's message.
MAX_BUFFERS = 1000
MAX_OFFSETS = 2 + 4 + MAX_BUFFERS
MAX_HEADER_BYTES = 64 * 1024  # a header is a few hundred bytes of JSON
# A file picked on a page travels to its kernel in one message. Tornado's default (10 MiB)
# reset the socket under any larger file, so the page never said why; this lets a file of
# up to twice the largest upload limit (the translate page's 50 MB) reach the page, which
# refuses it with its own message (tests/server/test_kernel_socket.py ties the two).
MAX_MESSAGE_BYTES = 100 * 1024 * 1024
MALFORMED = 1007  # websocket close code: the payload is not what the protocol says


class MalformedFrame(ValueError):
    """A frame that does not follow the v1 kernel protocol."""


@dataclass(frozen=True)
class Frame:
    channel: str
    header: dict[str, Any]


def read_frame(frame: bytes) -> Frame:
    """The channel and header of a v1 frame, after checking its offset table fits it.

    Layout: an 8-byte little-endian count n, n 8-byte little-endian offsets, then the
    channel and each message part, part i running from offset i to offset i + 1. Only the
    channel and the header are decoded; the parts are left for jupyter_server to slice,
    which it then does within the bounds checked here.
    """
    if len(frame) < 8:
        raise MalformedFrame("shorter than its offset count")
    count = int.from_bytes(frame[:8], "little")
    table_end = 8 * (count + 1)
    if not 6 <= count <= MAX_OFFSETS or table_end > len(frame):
        raise MalformedFrame(f"an offset count of {count} does not fit a frame of {len(frame)}")
    offsets = struct.unpack_from(f"<{count}Q", frame, 8)
    if offsets[0] < table_end or offsets[-1] > len(frame):
        raise MalformedFrame("offsets outside the frame")
    if any(end < start for start, end in pairwise(offsets)):
        raise MalformedFrame("offsets out of order")
    if offsets[2] - offsets[1] > MAX_HEADER_BYTES:
        raise MalformedFrame("a header larger than any kernel message has")
    try:
        channel = frame[offsets[0] : offsets[1]].decode("utf-8")
        header = json.loads(frame[offsets[1] : offsets[2]])
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedFrame(f"unreadable channel or header: {exc}") from None
    if not isinstance(header, dict) or not isinstance(header.get("msg_type"), str):
        raise MalformedFrame("a header without a message type")
    return Frame(channel, header)


class KernelWebsocket(OwnerOnly, KernelWebsocketHandler):
    """``/api/kernels/<id>/channels``, in place of Voilà's handler (see the module doc)."""

    async def get(self, kernel_id: str) -> None:
        offered = self.request.headers.get("Sec-WebSocket-Protocol", "")
        if PROTOCOL not in (name.strip() for name in offered.split(",")):
            raise web.HTTPError(400, "kernel websocket without the %s subprotocol", PROTOCOL)
        await super().get(kernel_id)  # type: ignore[no-untyped-call]

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # A refused handshake: a line of text (jupyter_server's HTML error page needs
        # settings Voilà does not have).
        self.set_header("Content-Type", "text/plain; charset=UTF-8")
        self.finish(f"{status_code} {self._reason}\n")

    def select_subprotocol(self, subprotocols: list[str]) -> str:
        return PROTOCOL  # get() made sure it is offered

    def on_message(self, message: str | bytes) -> None:
        if self.ws_connection is None:  # closed below; frames already in flight are dropped
            return
        try:
            if not isinstance(message, bytes):
                raise MalformedFrame("a text frame")
            read_frame(message)
        except MalformedFrame as problem:
            self._refuse(f"from the browser: {problem}")
            return
        super().on_message(message)  # type: ignore[no-untyped-call]

    def write_message(self, message: Any, binary: bool = False) -> Any:
        if self.ws_connection is None:  # closed: the kernel's late messages go nowhere
            return None
        if isinstance(message, bytes):
            try:
                header = read_frame(message).header
            except MalformedFrame as problem:
                self._refuse(f"from the kernel: {problem}")
                return None
            if header["msg_type"] == "execute_input":
                return None
        return super().write_message(message, binary)

    def _refuse(self, problem: str) -> None:
        self.log.warning("Kernel socket %s closed: a malformed frame %s", self.kernel_id, problem)
        self.close(MALFORMED, "malformed kernel message")
