"""Dashboard kernels belong to the user they were started for, and each user holds a few.

- :class:`OwnedKernelManager` is Voilà's kernel manager. A kernel starts only inside
  :func:`starting_for` (the render handler, once it knows who signed in), and is recorded
  as that user's. A user holds at most ``kernels_per_user`` kernels: for one more page their
  least recently active idle kernel (no page connected, not busy) is shut down first, and
  when none is idle the page is refused with :class:`~workbench.errors.KernelLimitReached`.
- :class:`OwnerOnly` goes in front of every handler whose path names a kernel: anyone but
  its owner (admins too: another user's widget state is nobody else's business) gets 404,
  as for a kernel that does not exist. A kernel without a recorded owner is nobody's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any, cast

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.services.kernels.handlers import KernelHandler
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Integer
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler

from workbench.errors import KernelLimitReached
from workbench.server.identity import SignedInUser

log = logging.getLogger(__name__)

# The user a kernel started in this task is for: set by the render handler around Voilà's
# rendering, which starts the page's kernel from inside it.
_starting_for: ContextVar[str | None] = ContextVar("kernel_owner", default=None)


@contextmanager
def starting_for(user_id: str) -> Iterator[None]:
    """Kernels started inside this block (in this task) belong to ``user_id``."""
    token = _starting_for.set(user_id)
    try:
        yield
    finally:
        _starting_for.reset(token)


class OwnedKernelManager(AsyncMappingKernelManager):
    """Voilà's kernels, each recorded with its owner, at most ``kernels_per_user`` each."""

    kernels_per_user = Integer(
        6, config=True, help="Kernels (open dashboard pages) one user may hold at once."
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        self._owners: dict[str, str] = {}
        # One start at a time per user, so two pages opened at once cannot both pass the
        # count; other users' pages start in parallel.
        self._starting: dict[str, asyncio.Lock] = {}

    def owner_of(self, kernel_id: str) -> str | None:
        return self._owners.get(kernel_id) if kernel_id in self else None

    def kernels_of(self, user_id: str) -> list[str]:
        return [kid for kid, owner in self._owners.items() if owner == user_id and kid in self]

    async def start_kernel(self, **kwargs: Any) -> str:  # type: ignore[override]  # async here too
        owner = _starting_for.get()
        if owner is None:  # every kernel is somebody's: only a signed-in page starts one
            raise RuntimeError("a dashboard kernel starts only for a signed-in user")
        async with self._starting.setdefault(owner, asyncio.Lock()):
            await self._make_room(owner)
            kernel_id: str = await super().start_kernel(**kwargs)
            self._owners[kernel_id] = owner
        return kernel_id

    def remove_kernel(self, kernel_id: str) -> Any:
        self._owners.pop(kernel_id, None)
        return super().remove_kernel(kernel_id)

    async def _make_room(self, owner: str) -> None:
        held = self.kernels_of(owner)
        while len(held) >= self.kernels_per_user:
            idle = [kid for kid in held if self._is_idle(kid)]
            if not idle:
                raise KernelLimitReached(self.kernels_per_user)
            oldest = min(idle, key=self._last_activity)
            log.info(
                "Kernel %s shut down: its user opened another page past the limit of %d",
                oldest,
                self.kernels_per_user,
            )
            await self.shutdown_kernel(oldest)  # type: ignore[no-untyped-call]
            held.remove(oldest)

    def _is_idle(self, kernel_id: str) -> bool:
        """No page is connected to it and it runs nothing: shutting it down loses nothing
        anyone is looking at."""
        model = self._model(kernel_id)
        return bool(model["connections"] == 0 and model["execution_state"] != "busy")

    def _last_activity(self, kernel_id: str) -> datetime:
        return datetime.fromisoformat(self._model(kernel_id)["last_activity"])

    def _model(self, kernel_id: str) -> dict[str, Any]:
        """jupyter_server's public view of a kernel: its connections, state, last activity."""
        return cast(dict[str, Any], self.kernel_model(kernel_id))  # type: ignore[no-untyped-call]


class OwnerOnly:
    """404 from every handler whose path names a kernel (``kernel_id``, else its first
    argument), unless the signed-in user owns that kernel. Mixed in before the handler
    class it guards."""

    async def prepare(self, *args: Any, **kwargs: Any) -> None:
        await super().prepare(*args, **kwargs)  # type: ignore[misc]  # signs the user in
        handler = cast(JupyterHandler, self)
        user = handler.current_user
        kernel_id = handler.path_kwargs.get("kernel_id") or "".join(handler.path_args[:1])
        manager = cast(OwnedKernelManager, handler.kernel_manager)
        owner = manager.owner_of(kernel_id)
        if owner is None or not isinstance(user, SignedInUser) or owner != user.user_id:
            raise web.HTTPError(404, "Kernel does not exist: %s", kernel_id)


class OwnedKernelHandler(OwnerOnly, KernelHandler):
    """``GET``/``DELETE /api/kernels/<id>``, for the kernel's owner only."""


class OwnedShutdownHandler(OwnerOnly, VoilaShutdownKernelHandler):  # type: ignore[misc]
    """``POST /voila/api/shutdown/<id>`` (a page closing), for the kernel's owner only."""
