"""Voilà, set up for the workbench: sign-in, per-page access, the signed-in user's kernel.

- Sign-in through :class:`~workbench.server.identity.WorkbenchIdentityProvider`; the cookie
  secret is derived from ``WORKBENCH_SECRET_KEY``, so sessions survive a restart and a key
  rotation signs everyone out.
- ``/`` leads to the user's home dashboard. Voilà's file tree and contents API are not
  served; notebooks are served only as rendered dashboards (sources hidden), and only
  the dashboards of :data:`workbench.ui.pages.PAGES`.
- Before a dashboard's kernel starts, :func:`prelaunch` checks the user may open it
  (403 otherwise) and puts the sign-in cell first, so the kernel acts as that user.
- Each kernel belongs to the user it was started for: its routes answer 404 to anyone
  else, and a user holds a few at most (:mod:`workbench.server.kernels`). Its websocket
  speaks only the v1 protocol and reads every frame within bounds
  (:mod:`workbench.server.kernel_socket`).
- Voilà's kernels accept only widget messages from the browser (no code execution).
- The HTTP API (:mod:`workbench.api`) is served on the same port, under ``/v2/``.
- Every request passes the :mod:`~workbench.server.edge`: the client's address behind a
  proxy, no framing, Secure cookies under HTTPS.
"""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import re
import signal
import uuid
from pathlib import Path
from typing import Any

import nbformat
import tornado.ioloop
from jupyter_server.services.contents.largefilemanager import LargeFileManager
from jupyter_server.services.kernels.handlers import KernelHandler
from tornado import web
from traitlets import Bool, default
from voila.app import Voila
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.tornado.contentshandler import VoilaContentsHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler
from voila.treehandler import VoilaTreeHandler

from workbench.api.app import api_handlers
from workbench.api.service import ApiServices
from workbench.batch import uploads
from workbench.config import derived_key, get_settings
from workbench.errors import KernelLimitReached
from workbench.server import edge, kernels
from workbench.server.downloads import DownloadHandler
from workbench.server.identity import SignedInUser, WorkbenchIdentityProvider, database
from workbench.server.kernel_socket import MAX_MESSAGE_BYTES, KernelWebsocket
from workbench.ui.i18n import Texts
from workbench.ui.pages import PAGES, home_page
from workbench.ui.session import kernel_token
from workbench.ui.style import CSS

_PACKAGE = Path(__file__).resolve().parent.parent
_RENDER_PATH = re.compile(r"^/voila/render/(?P<name>[a-z_]+)\.ipynb$")


def notebooks_dir() -> Path:
    """The dashboard notebooks: in the source tree, or packaged into the wheel."""
    for candidate in (_PACKAGE.parent / "notebooks", _PACKAGE / "_notebooks"):
        if (candidate / "index.ipynb").is_file():
            return candidate
    raise RuntimeError("the dashboard notebooks are missing from this installation")


def prelaunch(handler: web.RequestHandler, notebook: nbformat.NotebookNode, cwd: str) -> Any:
    """Authorise the page and sign its kernel in as the requesting user."""
    user = handler.current_user
    if not isinstance(user, SignedInUser):  # the render handler requires sign-in first
        raise web.HTTPError(403)
    match = _RENDER_PATH.match(handler.request.path)
    page = PAGES.get(match["name"]) if match else None
    if page is None:  # RenderHandler refused it already; this guards the kernel too
        raise web.HTTPError(404)
    if not page.allows(user.is_admin):
        raise web.HTTPError(403, "%s may not open %s", user.username, page.name)
    token = kernel_token(get_settings(), uuid.UUID(user.user_id), user.generation)
    source = f"from workbench.ui.session import sign_in\nsign_in({token!r})"
    notebook.cells.insert(0, nbformat.v4.new_code_cell(source))  # type: ignore[no-untyped-call]
    return notebook


class RenderHandler(TornadoVoilaHandler):  # type: ignore[misc]
    """Voilà's dashboard renderer, refusing pages the user may not open with a clear page;
    the kernel it starts is the signed-in user's."""

    async def get(self, path: str | None = None) -> None:
        user = self.current_user
        if not isinstance(user, SignedInUser):
            await super().get(path)  # sends the visitor to sign in; starts no kernel
            return
        page = PAGES.get(_page_name(path or ""))
        if page is None:
            raise web.HTTPError(404)
        if not page.allows(user.is_admin):
            raise web.HTTPError(403)
        try:
            with kernels.starting_for(user.user_id):
                await super().get(path)
        except KernelLimitReached as refused:
            raise web.HTTPError(429, "%s: %s", user.username, refused) from None

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        user = self.current_user
        signed_in = isinstance(user, SignedInUser)
        texts = Texts(user.language if signed_in else "en")
        message = (
            texts._("You are not allowed to open this page.")
            if status_code == 403
            else texts._("Page not found.")
            if status_code == 404
            else texts._(
                "You have too many pages open at once. Close one of them, then reload this page."
            )
            if status_code == 429
            else texts._("Something went wrong and the action was not completed.")
        )
        home = home_page(user.is_admin).path if signed_in else "/login"
        brand, back = texts._("Translation Workbench"), texts._("Back to your home page")
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(
            f'<!doctype html><html lang="{texts.lang}"><head><meta charset="utf-8">'
            f"<title>{status_code} · {brand}</title>{CSS}</head>"
            f'<body><div class="wb-error-page"><h1>{status_code}</h1>'
            f'<p class="wb-status wb-status-error" role="alert">{html.escape(message)}</p>'
            f'<p><a href="{home}">{back}</a></p></div></body></html>'
        )


def _page_name(path: str) -> str:
    """``users.ipynb`` → ``users``; anything else (folders, other files) names no page."""
    name, dot, suffix = path.partition(".")
    return name if dot and suffix == "ipynb" and "/" not in name else ""


class HomeHandler(web.RequestHandler):
    """``/`` (and Voilà's tree): the signed-in user's home dashboard, or the sign-in form."""

    async def prepare(self) -> None:
        provider = self.settings["identity_provider"]
        self.current_user = await provider.get_user(self)

    def get(self, *_args: str) -> None:
        user = self.current_user
        if not isinstance(user, SignedInUser):
            self.redirect("/login")
            return
        self.redirect(home_page(user.is_admin).path)


class DashboardContents(LargeFileManager):
    """Reads the dashboards for Voilà. They are the workbench's own notebooks, shipped with
    the package, and the only ones served: their cells are trusted as they are (no per-view
    "not trusted" warning; Voilà runs them either way and they hold no stored outputs)."""

    def mark_trusted_cells(self, nb: nbformat.NotebookNode, path: str = "") -> None:
        self.notary.mark_cells(nb, True)  # type: ignore[no-untyped-call]


# Voilà's handlers that render a page or name a kernel, and ours in their place.
_OURS: dict[type, type] = {
    TornadoVoilaHandler: RenderHandler,
    KernelHandler: kernels.OwnedKernelHandler,
    VoilaKernelWebsocketHandler: KernelWebsocket,
    VoilaShutdownKernelHandler: kernels.OwnedShutdownHandler,
}


class WorkbenchVoila(Voila):  # type: ignore[misc]
    name = "workbench-dashboards"

    behind_proxy = Bool(
        False,
        config=True,
        help="Trust a reverse proxy's X-Forwarded-For (its rightmost entry) and "
        "X-Forwarded-Proto: sign-in limits count the client's address, and cookies get the "
        "Secure flag under HTTPS.",
    )

    @default("identity_provider_class")
    def _default_identity_provider_class(self) -> type:
        return WorkbenchIdentityProvider

    @default("cookie_secret")
    def _default_cookie_secret(self) -> bytes:
        return derived_key(get_settings(), "session-cookie")

    def setup_template_dirs(self) -> None:
        # Voilà's lab template, overridden by the workbench's own page (no third-party hosts).
        super().setup_template_dirs()
        self.template_paths.insert(0, str(_PACKAGE / "server" / "template"))

    def init_settings(self) -> dict[str, Any]:
        self.voila_configuration.prelaunch_hook = prelaunch
        self.voila_configuration.show_tracebacks = False
        self.voila_configuration.preheat_kernel = False
        self.voila_configuration.multi_kernel_manager_class = kernels.OwnedKernelManager
        settings: dict[str, Any] = super().init_settings()
        settings["websocket_max_message_size"] = MAX_MESSAGE_BYTES
        self.contents_manager = settings["contents_manager"] = DashboardContents(parent=self)
        self.log.info(
            "Dashboard kernels run on this machine and reach the server over local "
            "sockets in %s (not TCP).",
            self.connection_dir,
        )
        return settings

    def init_handlers(self) -> list[Any]:
        # Voilà's listen() takes no options: the edge goes in front of the app as it listens.
        self.app.listen = functools.partial(edge.listen, self.app, behind_proxy=self.behind_proxy)
        hidden = (VoilaTreeHandler, VoilaContentsHandler)
        handlers = [
            handler
            for handler in super().init_handlers()
            if not (isinstance(handler[1], type) and issubclass(handler[1], hidden))
        ]
        handlers = [(route, _OURS.get(target, target), *rest) for route, target, *rest in handlers]
        for route, target, *_rest in handlers:
            if "kernel_id" in route and target not in _OURS.values():
                raise RuntimeError(f"no owner check guards {route} ({target.__name__})")
        return [
            *api_handlers(ApiServices(database)),  # the HTTP API: its key, no cookie
            (r"/", HomeHandler),
            (r"/voila/tree(.*)", HomeHandler),
            (r"/workbench/download/(job|glossary)/(.+)", DownloadHandler),
            *handlers,
        ]

    def start(self) -> None:
        # SIGTERM (a container stopping, a test) stops as cleanly as Ctrl-C.
        loop = tornado.ioloop.IOLoop.current()
        asyncio_loop: asyncio.AbstractEventLoop = loop.asyncio_loop  # type: ignore[attr-defined]
        asyncio_loop.add_signal_handler(signal.SIGTERM, loop.stop)
        # Expired uploads go now and every hour after (the page saves them on this machine).
        loop.add_callback(_sweep_uploads)
        tornado.ioloop.PeriodicCallback(_sweep_uploads, uploads.SWEEP_SECONDS * 1000).start()
        super().start()


async def _sweep_uploads() -> None:
    try:
        await uploads.sweep(database(), get_settings())
    except Exception:  # the server goes on; the next sweep tries again
        logging.getLogger(__name__).exception("the sweep of expired uploads failed")
