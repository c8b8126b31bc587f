"""The dashboards' components (ipywidgets) and their English and French catalogs.

A dashboard notebook is three cells: ``from workbench.ui import dashboard``,
``app = await dashboard("users")``, ``app``. Everything else lives here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.ui.shell import App, ErrorApp

__all__ = ["dashboard"]


async def dashboard(name: str) -> App | ErrorApp:
    """Build dashboard ``name`` (see :data:`workbench.ui.pages.PAGES`) for the signed-in user."""
    from workbench.ui.shell import open_app

    return await open_app(name)
