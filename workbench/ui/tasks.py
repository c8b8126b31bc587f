"""The status area every component shows, and the guard around every callback.

Voilà hides tracebacks, so a callback that fails must say so where the user looks: our
errors (one clear line) go to the status area as they are; anything else is logged and
shown as a short apology. Slow work runs as an asyncio task so the page never freezes;
tests await :meth:`Tasks.idle` after a ``.click()``.

Authority is checked per action, not per page: before each task the signed-in user's
row is read again (``authorize``), so a user deactivated, demoted or signed out since the
page opened is refused at their next click, with the reason in the status area.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any

import ipywidgets as widgets

from workbench.errors import AccessRevoked, Revocation, WorkbenchError
from workbench.ui.i18n import N_, Texts

log = logging.getLogger(__name__)

REVOKED = {
    Revocation.INACTIVE: N_("Your account is not active any more; ask an admin."),
    Revocation.NOT_ADMIN: N_("Only admins can do this, and you are not an admin any more."),
    Revocation.SIGNED_OUT: N_(
        "You were signed out (or your password or role changed) since this page opened. "
        "Reload the page to sign in again."
    ),
}

_STYLES = {
    "info": "wb-status wb-status-info",
    "ok": "wb-status wb-status-ok",
    "error": "wb-status wb-status-error",
}


class Status:
    """One line telling the user what just happened."""

    def __init__(self) -> None:
        self.widget = widgets.HTML(value="")
        self.kind = ""
        self.message = ""

    def show(self, message: str, kind: str = "info") -> None:
        self.kind, self.message = kind, message
        role = "alert" if kind == "error" else "status"
        self.widget.value = (
            f'<div class="{_STYLES[kind]}" role="{role}">{html.escape(message)}</div>'
        )

    def ok(self, message: str) -> None:
        self.show(message, "ok")

    def error(self, message: str) -> None:
        self.show(message, "error")

    def clear(self) -> None:
        self.kind, self.message = "", ""
        self.widget.value = ""


class Tasks:
    """Runs a component's callbacks as guarded tasks, each after ``authorize``."""

    def __init__(
        self,
        status: Status,
        texts: Texts,
        *,
        authorize: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.status = status
        self.texts = texts
        self.authorize = authorize
        # Told when an action is refused because the user lost their rights: the page
        # around the component (the shell) then closes, since nothing on it works any more.
        self.revoked: Callable[[str], None] | None = None
        self._pending: set[asyncio.Task[Any]] = set()

    def run(
        self,
        work: Coroutine[Any, Any, Any],
        *,
        busy: Iterable[widgets.DOMWidget] = (),
        status: Status | None = None,
    ) -> asyncio.Task[Any]:
        """Start ``work``; while it runs, the ``busy`` widgets are disabled.

        A failure shows in ``status`` (the status line next to the button that started the
        work) or else in the component's status area.
        """
        controls = [control for control in busy if not getattr(control, "disabled", True)]
        for control in controls:
            control.disabled = True
        task = asyncio.ensure_future(self._guarded(work, controls, status or self.status))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        return task

    def on_click(
        self, handler: Callable[[], Coroutine[Any, Any, Any]], *, status: Status | None = None
    ) -> Callable[[widgets.Button], None]:
        """A button callback that runs ``handler`` as a guarded task, the button disabled;
        a failure shows in ``status`` when given (see :meth:`run`)."""

        def clicked(button: widgets.Button) -> None:
            if status is not None:
                status.clear()  # the last message was about the last click
            self.run(handler(), busy=[button], status=status)

        return clicked

    def on_change(
        self, handler: Callable[[Any], Coroutine[Any, Any, Any]]
    ) -> Callable[[dict[str, Any]], None]:
        """An ``observe`` callback that runs ``handler(new_value)`` as a guarded task."""

        def changed(change: dict[str, Any]) -> None:
            self.run(handler(change["new"]))

        return changed

    async def idle(self) -> None:
        """Wait until every task started so far (and any they started) has finished."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def _guarded(
        self, work: Coroutine[Any, Any, Any], controls: list[widgets.DOMWidget], status: Status
    ) -> Any:
        try:
            if self.authorize is not None:
                await self.authorize()
            return await work
        except AccessRevoked as exc:
            message = self.texts._(REVOKED[exc.reason])
            status.error(message)
            if self.revoked is not None:
                self.revoked(message)
        except WorkbenchError as exc:
            status.error(str(exc))
        except Exception:
            log.exception("a dashboard action failed")
            status.error(
                self.texts._("Something went wrong and the action was not completed.")
                + " "
                + self.texts._("The error was logged for the administrator.")
            )
        finally:
            work.close()  # a refused action never starts (and warns of nothing)
            for control in controls:
                control.disabled = False
        return None
