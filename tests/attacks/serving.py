"""A real ``workbench serve`` to attack, its users signed in, their kernels at hand.

The server runs as a subprocess on a free port against a SQLite database seeded with the
demo data set plus a few accounts of our own, so every password is known. An attack that
gets through must not take the machine down with it: the server's data segment is capped,
so a runaway allocation fails in the server instead of exhausting the machine.

Everything here is async, so that the server is asked whether it still answers while an
attack's socket is open. A kernel socket speaks what the dashboards' pages speak, the
``v1.kernel.websocket.jupyter.org`` protocol, framed by jupyter_server's own functions.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import resource
import subprocess
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from jupyter_server.services.kernels.connection.base import (
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)
from sqlalchemy.engine import make_url
from tornado.httpclient import HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

from tests.accounts.conftest import cheapest_hashing
from tests.processes import alive, children, stop_group
from tests.server.test_serve import start_serve
from workbench.accounts import users
from workbench.accounts.audit import Actor
from workbench.db import Database, migrate
from workbench.db.models import Role
from workbench.server.demo import seed_demo

PROTOCOL = "v1.kernel.websocket.jupyter.org"
MEMORY_CAP = 4 * 1024**3  # bytes of data segment: a healthy server uses a tenth of it
LOGIN_TIMEOUT = 2  # seconds: the server "answers" when /login comes back within this
CLOSE_TIMEOUT = 30  # seconds for a closed socket's last frames; never reached

ADMIN = "admin@example.com"
TRANSLATOR = "translator@example.com"
OTHER_TRANSLATOR = "other.translator@example.com"
FRENCH_TRANSLATOR = "traductrice@example.com"  # her interface language is French
TESTS = Actor(id=None, email="tests", is_admin=True)


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    passwords: dict[str, str] = field(default_factory=dict)

    async def answers(self) -> bool:
        """Whether ``/login`` comes back, and fast: what every visitor needs first."""
        try:
            async with httpx.AsyncClient(timeout=LOGIN_TIMEOUT) as client:
                return (await client.get(f"{self.url}/login")).status_code == 200
        except httpx.TimeoutException:
            return False

    @asynccontextmanager
    async def signed_in(self, email: str) -> AsyncIterator[httpx.AsyncClient]:
        async with httpx.AsyncClient(base_url=self.url, timeout=120) as client:
            form = (await client.get("/login")).text
            xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form)
            assert xsrf, form
            signed = {"email": email, "password": self.passwords[email], "_xsrf": xsrf[1]}
            answer = await client.post("/login", data=signed)
            assert answer.status_code == 302, answer.text
            yield client

    def kernel_processes(self) -> set[str]:
        """The ids of the kernels running as this server's child processes."""
        found = set()
        for pid in children(self.process.pid):
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().decode()
            except FileNotFoundError:
                continue
            match = re.search(r"kernel-([0-9a-f-]{36})\.json", command)
            if match and alive(pid):
                found.add(match[1])
        return found


def start(root: Path, **settings: str) -> Served:
    """``workbench serve`` on a seeded database in ``root``, with extra ``WORKBENCH_*``."""
    data_dir = root / "data"
    data_dir.mkdir(parents=True)
    passwords_by_email = asyncio.run(_seed(data_dir / "workbench.db"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    env.update(
        WORKBENCH_DATA_DIR=str(data_dir),
        WORKBENCH_SECRET_KEY="attack-tests-secret-key-0123456789abcdef",
        NO_PROXY="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
        **settings,
    )
    process, port = start_serve(env, root, root / "serve.log")
    resource.prlimit(process.pid, resource.RLIMIT_DATA, (MEMORY_CAP, MEMORY_CAP))
    return Served(f"http://127.0.0.1:{port}", process, root / "serve.log", passwords_by_email)


def stop(served: Served) -> None:
    stop_group(served.process)


async def _seed(database_file: Path) -> dict[str, str]:
    url = make_url(f"sqlite+aiosqlite:///{database_file}")
    await migrate.upgrade(url)
    with cheapest_hashing():
        async with Database(url) as database:
            demo = await seed_demo(database, "attack admin password 1")
            assert demo is not None
            chosen = {
                ADMIN: demo.admin_password,
                TRANSLATOR: demo.translator_password,
                OTHER_TRANSLATOR: "other translator password 1",
                FRENCH_TRANSLATOR: "mot de passe de traductrice 1",
            }
            async with database.session() as session:
                for email in (OTHER_TRANSLATOR, FRENCH_TRANSLATOR):
                    await users.add_user(
                        session, email, chosen[email], actor=TESTS, role=Role.TRANSLATOR
                    )
                await users.set_language(session, FRENCH_TRANSLATOR, "fr", actor=TESTS)
                await session.commit()
    return chosen


async def open_dashboard(client: httpx.AsyncClient, name: str = "translate") -> str:
    """Open a dashboard as a browser does (its kernel runs it); the kernel's id."""
    page = await client.get(f"/voila/render/{name}.ipynb")
    assert page.status_code == 200, page.text
    match = re.search(r'"kernelId": "([0-9a-f-]{36})"', page.text)
    assert match, page.text
    return match[1]


@asynccontextmanager
async def connected(
    served: Served,
    client: httpx.AsyncClient,
    kernel_id: str,
    subprotocols: Sequence[str] | None = (PROTOCOL,),
) -> AsyncIterator[WebSocketClientConnection]:
    """A kernel socket with the client's cookies, offering ``subprotocols``."""
    cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    address = served.url.replace("http", "ws", 1)
    request = HTTPRequest(
        f"{address}/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}",
        headers={"Cookie": cookies},
    )
    socket = await websocket_connect(
        request, subprotocols=list(subprotocols) if subprotocols is not None else None
    )
    try:
        yield socket
    finally:
        ended = socket.close_code is not None  # the server closed it
        socket.close()
        # Until the server answers the close and the connection ends (None): no socket
        # may outlive the test's event loop.
        while not ended:
            ended = await asyncio.wait_for(socket.read_message(), CLOSE_TIMEOUT) is None


def message(
    msg_type: str,
    content: dict[str, Any],
    *,
    metadata: dict[str, Any] | None = None,
    buffers: Sequence[bytes] = (),
    channel: str = "shell",
) -> bytes:
    """A v1 frame carrying one kernel message, as a dashboard's page sends it."""
    header = {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "username": "",
        "session": uuid.uuid4().hex,
        "date": "",
        "version": "5.3",
    }
    parts = [json.dumps(part).encode() for part in (header, {}, metadata or {}, content)]
    frame: bytes = serialize_msg_to_ws_v1([*parts, *buffers], channel)
    return frame


def widget_message(msg_type: str, content: dict[str, Any], **kwargs: Any) -> bytes:
    """A message for the kernel's widgets (the widget protocol's version in its metadata)."""
    return message(msg_type, content, metadata={"version": "2.1.0"}, **kwargs)


def read(frame: bytes) -> dict[str, Any]:
    """A v1 frame from the kernel: its channel, message type and content."""
    channel, parts = deserialize_msg_from_ws_v1(frame)
    header, _parent, _metadata, content = (json.loads(part) for part in parts[:4])
    return {"channel": channel, "msg_type": header["msg_type"], "content": content}
