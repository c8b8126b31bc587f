"""``workbench api``: serve the HTTP API alone, in one or several processes on one port.

The database is upgraded first (as ``workbench serve`` does). With ``--workers N`` the
port is bound once and N processes serve it; this process watches them, restarts one
that dies, and stops them all on SIGTERM or Ctrl-C. No job worker runs here: an API
request runs its own translation, and ``workbench worker`` (or ``workbench serve``)
resumes any that an API process left when it stopped.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import Callable

import click
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from workbench.cli_support import run
from workbench.config import describe_url, ensure_data_dir, get_settings, secret_key
from workbench.db import migrate
from workbench.logs import configure_logging, log_level_option

log = logging.getLogger("workbench.api")

MAX_WORKERS = 64
MAX_RESTARTS = 100


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8867, show_default=True, help="Port."
)
@click.option(
    "--workers",
    type=click.IntRange(1, MAX_WORKERS),
    default=1,
    show_default=True,
    help="Processes serving the port; each uses one core for its requests.",
)
@click.option(
    "--behind-proxy",
    is_flag=True,
    help="The API is reached through a reverse proxy (TLS): trust its X-Forwarded-For and "
    "X-Forwarded-Proto headers, so the links it answers with (a translated file's) are the "
    "proxy's https ones. Never use it without a proxy.",
)
@log_level_option
def api(host: str, port: int, workers: int, behind_proxy: bool, log_level: str) -> None:
    """Serve the HTTP API (DeepL v2 and LibreTranslate compatible) without the dashboards.

    DeepL clients send a workbench API key (`workbench keys create`, or the Account
    dashboard) in the header 'Authorization: DeepL-Auth-Key <key>'; LibreTranslate clients
    send it as `api_key`. `workbench serve` serves the same API on the dashboards' port;
    run this to scale the API on its own behind a proxy. The reference is at /docs.
    """
    configure_logging(log_level)
    settings = get_settings()
    url = settings.async_database_url
    ensure_data_dir(settings)
    secret_key(settings)
    run(migrate.upgrade(url))
    click.echo(f"Database {describe_url(url)} is ready.")
    sockets = bind_sockets(port, host)
    click.echo(f"Serving the API on http://{host}:{port}/v2/ with {workers} process(es).")
    if workers == 1:
        asyncio.run(_serve(sockets, behind_proxy))
        return
    _supervise(workers, lambda: asyncio.run(_serve(sockets, behind_proxy)))


async def _serve(sockets: list[socket.socket], behind_proxy: bool) -> None:
    """Serve the API on ``sockets`` until SIGTERM or SIGINT."""
    from workbench.api.app import make_app
    from workbench.api.base import HARD_CAP
    from workbench.api.service import ApiServices
    from workbench.server.edge import Edge

    services = ApiServices()
    # The dashboards' edge: the client's address and scheme (behind the proxy), no framing.
    application = Edge(make_app(services), behind_proxy=behind_proxy)
    server = HTTPServer(application, max_body_size=HARD_CAP)
    server.add_sockets(sockets)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        server.stop()
        await server.close_all_connections()
        await services.aclose()


def _supervise(workers: int, serve: Callable[[], None]) -> None:
    """Run ``serve`` in ``workers`` child processes; restart one that dies; stop on signal."""
    children: set[int] = set()
    stopping = False

    def start() -> None:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 0
            try:
                serve()
            except BaseException:
                log.exception("an API process stopped on an unexpected error")
                code = 1
            finally:
                os._exit(code)
        children.add(pid)

    def stop_all(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                children.discard(pid)

    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)
    for _ in range(workers):
        start()
    restarts = 0
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        children.discard(pid)
        if stopping:
            continue
        restarts += 1
        log.warning("API process %d ended (%s); starting another", pid, _describe(status))
        if restarts > MAX_RESTARTS:
            log.error("API processes keep dying; stopping")
            stop_all(signal.SIGTERM, None)
            continue
        start()


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
