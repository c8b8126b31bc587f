"""The base of every dashboard component.

A component builds its widgets, lays them out, wires their events, then defines the
handlers (STYLE.md); it never calls ``display()``, so a test can build one against a
real database, set ``.value``, ``.click()`` and ``await component.tasks.idle()``.
Data is read in :meth:`load`, after construction, because it is async.
"""

from __future__ import annotations

from typing import ClassVar

import ipywidgets as widgets

from workbench.ui.context import Context
from workbench.ui.tasks import Status, Tasks


class Component:
    widget: widgets.Widget
    css_class: ClassVar[str] = "wb-page"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.t = ctx.texts
        self.status = Status()
        self.tasks = Tasks(self.status, ctx.texts)

    async def load(self) -> None:
        """Read what the component shows; called once after construction."""


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
    """A hidden "are you sure?" row for destructive actions: show it, then ``on_yes`` acts.

    Returns the row and its "cancel" button, both already wired to hide the row.
    """
    label = widgets.HTML(value=f"<b>{question}</b>")
    cancel = widgets.Button(description=component.t._("Cancel"))
    row = widgets.HBox([label, on_yes, cancel], layout=widgets.Layout(display="none"))
    row.add_class("wb-confirm")

    def hide(_button: widgets.Button) -> None:
        row.layout.display = "none"

    cancel.on_click(hide)
    on_yes.on_click(hide)
    return row, cancel
