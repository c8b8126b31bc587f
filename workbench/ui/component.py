"""The base of every dashboard component.

A component builds its widgets, lays them out, wires their events, then defines the
handlers (STYLE.md); it never calls ``display()``, so a test can build one against a
real database, set ``.value``, ``.click()`` and ``await component.tasks.idle()``.
Data is read in :meth:`load`, after construction, because it is async.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
from typing import Any, ClassVar

import ipywidgets as widgets

from workbench.ui.context import Context
from workbench.ui.session import under_voila
from workbench.ui.tasks import Status, Tasks

# The longest a dashboard waits for its first paint before doing the work it held back.
FIRST_PAINT_WAIT = 5.0


class Component:
    widget: widgets.Widget
    css_class: ClassVar[str] = "wb-page"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.t = ctx.texts
        self.status = Status()
        self.tasks = Tasks(self.status, ctx.texts, authorize=ctx.authorize)

    async def load(self) -> None:
        """Read what the component shows; called once after construction."""


async def first_paint(widget: widgets.DOMWidget) -> None:
    """Under Voilà, return once the browser shows ``widget``; elsewhere at once.

    Work that would slow a dashboard's first paint waits for it: a heavy import in the
    kernel, or a widget whose script the browser must fetch before it shows anything.
    ipywidgets counts a widget's views once its ``_view_count`` is a number.
    """
    if not under_voila() or widget._view_count:  # shown already
        return
    seen = asyncio.Event()

    def counted(change: dict[str, Any]) -> None:
        if change["new"]:
            seen.set()

    widget.observe(counted, names="_view_count")
    if widget._view_count is None:  # views are counted from now on
        widget._view_count = 0
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(seen.wait(), FIRST_PAINT_WAIT)
    widget.unobserve(counted, names="_view_count")


def ask(row: widgets.HBox, question: str, *, show: bool = True) -> None:
    """Put ``question`` (plain text) in a :func:`confirm_row` and show the row."""
    label = row.children[0]
    label.value = f"<b>{html.escape(question)}</b>"
    if show:
        row.layout.display = "flex"


def yes_button(description: str, css_class: str = "") -> widgets.Button:
    """The red button of a :func:`confirm_row` that does the destructive action."""
    button = widgets.Button(description=description, button_style="danger")
    button.add_class("wb-confirm-yes")
    if css_class:
        button.add_class(css_class)
    return button


def confirm_row(
    component: Component, question: str, on_yes: widgets.Button
) -> tuple[widgets.HBox, widgets.Button]:
    """A hidden "are you sure?" row for destructive actions: show it (:func:`ask`), then
    ``on_yes`` acts.

    Returns the row and its "cancel" button, both already wired to hide the row.
    """
    cancel = widgets.Button(description=component.t._("Cancel"))
    row = widgets.HBox([widgets.HTML(), on_yes, cancel], layout=widgets.Layout(display="none"))
    row.add_class("wb-confirm")
    ask(row, question, show=False)

    def hide(_button: widgets.Button) -> None:
        row.layout.display = "none"

    cancel.on_click(hide)
    on_yes.on_click(hide)
    return row, cancel
