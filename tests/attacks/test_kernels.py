"""Attacks on the dashboards' kernels, replayed over real HTTP and websockets.

Signed in as ordinary users, as an attacker would be, against a real ``workbench serve``:
freeze the server through a kernel websocket, reach another user's kernel, pile up
kernels, send a file larger than tornado's default message. During and after each
attack the server still answers ``/login`` (within :data:`~tests.attacks.serving.LOGIN_TIMEOUT`).
"""

from __future__ import annotations

import asyncio
import json
import struct
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from jupyter_server.services.kernels.connection.base import serialize_binary_message
from tornado.httpclient import HTTPClientError
from tornado.websocket import WebSocketClientConnection

from tests.attacks.serving import (
    ADMIN,
    FRENCH_TRANSLATOR,
    OTHER_TRANSLATOR,
    TRANSLATOR,
    Served,
    connected,
    message,
    open_dashboard,
    read,
    start,
    stop,
    widget_message,
)
from workbench.ui.translate import MAX_UPLOAD_BYTES

REPLY_TIMEOUT = 120  # seconds for a kernel to answer on a loaded machine; never reached
MALFORMED = 1007
MiB = 1024 * 1024
IMAGE = {
    "_model_name": "ImageModel",
    "_model_module": "@jupyter-widgets/controls",
    "_model_module_version": "2.0.0",
    "_view_name": "ImageView",
    "_view_module": "@jupyter-widgets/controls",
    "_view_module_version": "2.0.0",
}


def legacy(msg_type: str, content: dict[str, Any]) -> str:
    """A message of the legacy protocol: JSON text naming its channel."""
    header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": "", "version": "5.3"}
    return json.dumps(
        {
            "channel": "shell",
            "header": header,
            "parent_header": {},
            "metadata": {"version": "2.1.0"},
            "content": content,
            "buffers": [],
        }
    )


async def receive(socket: WebSocketClientConnection) -> dict[str, Any] | None:
    """The kernel's next message, or None once the server closed the socket."""
    frame = await asyncio.wait_for(socket.read_message(), REPLY_TIMEOUT)
    if frame is None:
        return None
    assert isinstance(frame, bytes), frame  # v1: binary frames only
    return read(frame)


async def reply_to(socket: WebSocketClientConnection, msg_type: str) -> dict[str, Any]:
    """Read until a message of ``msg_type`` arrives (the socket must stay open)."""
    while True:
        received = await receive(socket)
        assert received is not None, f"socket closed by the server: {socket.close_reason}"
        if received["msg_type"] == msg_type:
            return received


async def works(socket: WebSocketClientConnection) -> None:
    """The kernel behind the socket answers it."""
    await socket.write_message(message("kernel_info_request", {}), binary=True)
    reply = await reply_to(socket, "kernel_info_reply")
    assert reply["content"]["status"] == "ok"


@pytest.fixture
async def translator(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with served.signed_in(TRANSLATOR) as client:
        yield client


# --- 1. the freeze -------------------------------------------------------------------------


async def _freeze(served: Served, client: httpx.AsyncClient, kernel: str) -> None:
    """The report's steps: a socket without subprotocol, an ImageModel, request_state.
    The server used to accept the socket, then freeze on the kernel's binary reply."""
    async with connected(served, client, kernel, subprotocols=None) as socket:
        comm = uuid.uuid4().hex
        opened = {"comm_id": comm, "target_name": "jupyter.widget"}
        await socket.write_message(
            legacy("comm_open", {**opened, "data": {"state": IMAGE, "buffer_paths": []}})
        )
        await socket.write_message(
            legacy("comm_msg", {"comm_id": comm, "data": {"method": "request_state"}})
        )
        assert await served.answers(), "the server froze"


async def test_the_legacy_protocol_is_refused_so_the_freeze_it_allowed_is_gone(
    served: Served, translator: httpx.AsyncClient
) -> None:
    kernel = await open_dashboard(translator)
    with pytest.raises(HTTPClientError) as refused:
        await _freeze(served, translator, kernel)
    assert refused.value.code == 400
    assert await served.answers()


async def test_the_same_widget_messages_over_v1_are_answered(
    served: Served, translator: httpx.AsyncClient
) -> None:
    """Over the protocol the pages speak, the ImageModel's state (sent back as a binary
    buffer, the frame the legacy protocol mangled) reaches the client."""
    kernel = await open_dashboard(translator)
    async with connected(served, translator, kernel) as socket:
        comm = uuid.uuid4().hex
        state = {**IMAGE, "value": None}
        await socket.write_message(
            widget_message(
                "comm_open",
                {
                    "comm_id": comm,
                    "target_name": "jupyter.widget",
                    "data": {"state": state, "buffer_paths": [["value"]]},
                },
                buffers=[b"\x89PNG not really"],
            ),
            binary=True,
        )
        await socket.write_message(
            widget_message("comm_msg", {"comm_id": comm, "data": {"method": "request_state"}}),
            binary=True,
        )
        assert await served.answers()
        while True:
            update = await reply_to(socket, "comm_msg")
            if update["content"]["data"].get("method") == "update":
                break
        assert update["content"]["data"]["buffer_paths"] == [["value"]]
        assert await served.answers()


def _offsets(count: int, *offsets: int) -> bytes:
    return struct.pack(f"<Q{len(offsets)}Q", count, *offsets)


LEGACY_FRAME = serialize_binary_message(
    {
        "header": {"msg_type": "kernel_info_request"},
        "parent_header": {},
        "content": {},
        "buffers": [],
    }
)
BAD_FRAMES = {
    # 8.6e17 offsets to read: the loop that froze the server
    "huge offset count": _offsets(0xBFFF_FFFF_FFFF_FFFF, 56) + b"shell",
    # a frame of the legacy protocol (4-byte big-endian counts) sent as v1
    "legacy binary frame": LEGACY_FRAME,
    "offsets past the end": _offsets(6, 56, 61, 10**12, 10**12, 10**12, 10**12) + b"shell{}",
    "offsets out of order": _offsets(6, 56, 61, 59, 63, 65, 67) + b"shell{}{}{}{}",
    "too few offsets": _offsets(1, 16),
    "header not JSON": _offsets(6, 56, 61, 64, 66, 68, 70) + b"shell{{{{}{}{}",
    "text frame": legacy("kernel_info_request", {}),
}


@pytest.mark.parametrize("name", list(BAD_FRAMES))
async def test_a_malformed_frame_closes_that_socket_only(
    served: Served, translator: httpx.AsyncClient, name: str
) -> None:
    kernel = await open_dashboard(translator)
    async with connected(served, translator, kernel) as socket:
        frame = BAD_FRAMES[name]
        await socket.write_message(frame, binary=isinstance(frame, bytes))
        assert await served.answers()
        while await receive(socket) is not None:  # what the kernel said before it
            pass
        assert socket.close_code == MALFORMED
    assert await served.answers()
    async with connected(served, translator, kernel) as again:  # the page can reconnect
        await works(again)


# --- 2. kernels belong to their user -----------------------------------------------------


def _xsrf(client: httpx.AsyncClient) -> dict[str, str]:
    return {"X-XSRFToken": client.cookies["_xsrf"]}


async def _refused_to(
    served: Served, client: httpx.AsyncClient, kernel: str, status: int = 404
) -> None:
    """Every route that names ``kernel`` answers ``status`` to ``client``."""
    assert (await client.get(f"/api/kernels/{kernel}")).status_code == status
    assert (
        await client.delete(f"/api/kernels/{kernel}", headers=_xsrf(client))
    ).status_code == status
    shutdown = await client.post(f"/voila/api/shutdown/{kernel}", headers=_xsrf(client))
    assert shutdown.status_code == status
    with pytest.raises(HTTPClientError) as refused:
        async with connected(served, client, kernel):
            pass
    assert refused.value.code == status
    assert await served.answers()


async def test_each_kernel_answers_its_owner_only(served: Served) -> None:
    async with (
        served.signed_in(TRANSLATOR) as first,
        served.signed_in(OTHER_TRANSLATOR) as second,
        served.signed_in(ADMIN) as admin,
    ):
        kernels = {
            "first": (first, await open_dashboard(first)),
            "second": (second, await open_dashboard(second)),
            "admin": (admin, await open_dashboard(admin, "users")),
        }
        for owner, (_client, kernel) in kernels.items():
            for other, (client, _kernel) in kernels.items():
                if other != owner:  # the admin too gets 404 on a translator's kernel
                    await _refused_to(served, client, kernel)
        nobodys = str(uuid.uuid4())
        for client, _kernel in kernels.values():
            await _refused_to(served, client, nobodys)

        for client, kernel in kernels.values():  # none of that touched the owners' kernels
            model = await client.get(f"/api/kernels/{kernel}")
            assert model.status_code == 200
            assert model.json()["id"] == kernel
            async with connected(served, client, kernel) as socket:
                await works(socket)
        client, kernel = kernels["first"]
        assert (
            await client.post(f"/voila/api/shutdown/{kernel}", headers=_xsrf(client))
        ).status_code == 204
        assert (await client.get(f"/api/kernels/{kernel}")).status_code == 404
        client, kernel = kernels["second"]
        assert (
            await client.delete(f"/api/kernels/{kernel}", headers=_xsrf(client))
        ).status_code == 204
        assert kernel not in served.kernel_processes()


async def test_a_signed_out_visitor_reaches_no_kernel(
    served: Served, translator: httpx.AsyncClient
) -> None:
    """Sign-in comes first: the same 403 whether the kernel exists or not."""
    kernel = await open_dashboard(translator)
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as visitor:
        await visitor.get("/login")  # an _xsrf cookie, no session
        await _refused_to(served, visitor, kernel, 403)
        await _refused_to(served, visitor, str(uuid.uuid4()), 403)
    assert (await translator.get(f"/api/kernels/{kernel}")).status_code == 200


# --- 3. kernels per user -----------------------------------------------------------------


async def _wait_for(client: httpx.AsyncClient, kernel: str, **expected: object) -> None:
    """Until the server reports ``kernel`` as ``expected`` (its state after a page render
    or a socket closing reaches the kernel manager a moment later)."""
    deadline = time.monotonic() + REPLY_TIMEOUT
    while True:
        model = (await client.get(f"/api/kernels/{kernel}")).json()
        if all(model[key] == value for key, value in expected.items()):
            return
        assert time.monotonic() < deadline, model
        await asyncio.sleep(0.1)


async def _held(served: Served, client: httpx.AsyncClient, kernels: list[str]) -> list[str]:
    """Which of ``kernels`` the server still runs for this user, checked twice: as it
    reports them to their owner, and as its kernel processes."""
    reported = [k for k in kernels if (await client.get(f"/api/kernels/{k}")).status_code == 200]
    running = served.kernel_processes()
    assert [k for k in kernels if k in running] == reported
    return reported


LIMIT = 6  # the default of WORKBENCH_KERNELS_PER_USER


async def test_a_user_holds_a_few_kernels_and_the_oldest_idle_one_makes_room(
    served: Served,
) -> None:
    async with served.signed_in(FRENCH_TRANSLATOR) as client:
        opened: list[str] = []
        for n in range(LIMIT + 2):
            opened.append(await open_dashboard(client))
            await _wait_for(client, opened[-1], execution_state="idle")
            held = await _held(served, client, opened)
            assert held == opened[max(0, n + 1 - LIMIT) :]  # the oldest went first
            assert await served.answers()

        async with AsyncExitStack() as pages:
            sockets = [
                await pages.enter_async_context(connected(served, client, kernel))
                for kernel in held
            ]
            for kernel in held:
                await _wait_for(client, kernel, connections=1)
            refused = await client.get("/voila/render/translate.ipynb")  # every page is in use
            assert refused.status_code == 429
            assert "Vous avez trop de pages ouvertes à la fois." in refused.text
            assert await _held(served, client, opened) == held

            sockets[2].close()  # a page closes: its kernel is idle, and makes room
            await _wait_for(client, held[2], connections=0)
            newest = await open_dashboard(client)
            assert await _held(served, client, [*opened, newest]) == [*held[:2], *held[3:], newest]


async def test_kernels_without_a_page_are_shut_down_after_twenty_idle_minutes(
    served: Served, translator: httpx.AsyncClient
) -> None:
    await open_dashboard(translator)  # the culler starts with the first kernel
    assert "Culling kernels with idle durations > 1200 seconds" in served.log.read_text()


@pytest.fixture(scope="module")
def quickly_culled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = start(tmp_path_factory.mktemp("culled"), WORKBENCH_KERNEL_IDLE_MINUTES="0.05")
    yield server
    stop(server)


async def test_the_idle_time_is_a_setting_and_an_open_page_keeps_its_kernel(
    quickly_culled: Served,
) -> None:
    served = quickly_culled
    async with served.signed_in(TRANSLATOR) as client:
        kept = await open_dashboard(client)
        async with connected(served, client, kept) as socket:
            left = await open_dashboard(client)
            deadline = time.monotonic() + REPLY_TIMEOUT
            while (await client.get(f"/api/kernels/{left}")).status_code == 200:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.2)
            assert left not in served.kernel_processes()
            assert (await client.get(f"/api/kernels/{kept}")).status_code == 200
            await works(socket)


# --- 11. files larger than tornado's default message --------------------------------------


async def _upload_control(socket: WebSocketClientConnection) -> str:
    """The id of the translate page's file picker, from the kernel's widget states."""
    control = uuid.uuid4().hex
    opened = {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}}
    control_protocol = {"version": "1.0.0"}
    await socket.write_message(message("comm_open", opened, metadata=control_protocol), binary=True)
    await socket.write_message(
        message(
            "comm_msg",
            {"comm_id": control, "data": {"method": "request_states"}},
            metadata=control_protocol,
        ),
        binary=True,
    )
    while True:
        states = (await reply_to(socket, "comm_msg"))["content"]["data"]
        if states.get("method") == "update_states":
            break
    (picker,) = [
        model_id
        for model_id, model in states["states"].items()
        if model["model_name"] == "FileUploadModel"
    ]
    return str(picker)


async def _pick(socket: WebSocketClientConnection, picker: str, name: str, size: int) -> None:
    """What the page sends when a person picks a file: its bytes as one binary buffer."""
    chosen = {"name": name, "type": "", "size": size, "last_modified": 0}
    await socket.write_message(
        widget_message(
            "comm_msg",
            {
                "comm_id": picker,
                "data": {
                    "method": "update",
                    "state": {"value": [chosen]},
                    "buffer_paths": [["value", 0, "content"]],
                },
            },
            buffers=[b"x" * size],
        ),
        binary=True,
    )


async def _page_says(socket: WebSocketClientConnection, text: str) -> None:
    while True:
        update = await reply_to(socket, "comm_msg")
        if text in json.dumps(update["content"], ensure_ascii=False):
            return


async def test_a_file_over_ten_mib_reaches_the_page_which_answers_it(
    served: Served, translator: httpx.AsyncClient
) -> None:
    kernel = await open_dashboard(translator)
    async with connected(served, translator, kernel) as socket:
        picker = await _upload_control(socket)

        await _pick(socket, picker, "twenty.bin", 20 * MiB)  # over tornado's 10 MiB default
        assert await served.answers()
        await _page_says(socket, "twenty.bin: this type of file cannot be translated")

        await _pick(socket, picker, "large.txt", MAX_UPLOAD_BYTES + MiB)
        assert await served.answers()
        await _page_says(socket, "large.txt is too large; the limit is 50 MB.")
        await works(socket)


def test_the_attacks_left_no_traceback(served: Served) -> None:
    """Each refusal is one line in the log, never a traceback."""
    assert "Traceback" not in served.log.read_text()
