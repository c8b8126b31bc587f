"""A dashboard as the user sees it: the common header, then the page's component.

The header has the navigation (only the pages the user may open), who is signed in, a
sign-out link and the language switch. Switching language saves the user's preference
and rebuilds the page in place in the other language.
"""

from __future__ import annotations

import html
import importlib
import logging
from dataclasses import replace
from typing import Any

import ipywidgets as widgets

from workbench.accounts import users
from workbench.config import get_settings
from workbench.db import Database
from workbench.errors import PermissionDenied, WorkbenchError
from workbench.ui.component import Component
from workbench.ui.context import Context
from workbench.ui.i18n import LANGUAGE_NAMES, LANGUAGES, Texts, language_or_default
from workbench.ui.pages import PAGES, Page, visible_pages
from workbench.ui.session import signed_in_generation, signed_in_user, under_voila
from workbench.ui.style import CSS
from workbench.ui.tasks import Status, Tasks

log = logging.getLogger(__name__)


class App:
    """One dashboard page in the header; shown by leaving it as a cell's value."""

    def __init__(self, ctx: Context, page: Page) -> None:
        self.ctx = ctx
        self.page = page
        self.component: Component | None = None
        self.status = Status()
        self.tasks = Tasks(self.status, ctx.texts, authorize=ctx.authorize)
        self.tasks.revoked = self._close
        # build
        self.nav = widgets.HTML()
        self.language = widgets.ToggleButtons(
            options=[(LANGUAGE_NAMES[lang], lang) for lang in LANGUAGES],
            value=language_or_default(ctx.texts.lang),
            style={"button_width": "6em"},
            tooltips=[LANGUAGE_NAMES[lang] for lang in LANGUAGES],
        )
        self.body = widgets.Box()
        # layout
        header = widgets.HBox([self.nav, self.language])
        header.layout.align_items = "center"
        self.widget = widgets.VBox([widgets.HTML(CSS), header, self.status.widget, self.body])
        self.widget.add_class("wb-app")
        # wire
        self.language.observe(self.tasks.on_change(self._switch_language), names="value")

    async def build(self) -> None:
        """(Re)build the header and the page in the context's language."""
        t = self.ctx.texts
        links = "".join(
            f'<a href="{page.path}" class="{"wb-current" if page is self.page else ""}">'
            f"{html.escape(t._(page.title))}</a>"
            for page in visible_pages(self.ctx.is_admin)
        )
        who = html.escape(self.ctx.user.email)
        brand, sign_out = t._("Translation Workbench"), t._("Sign out")
        self.nav.value = (
            f'<div class="wb-header"><span class="wb-brand">{brand}</span>'
            f'{links}<span class="wb-who">{who} · <a href="/logout">{sign_out}</a>'
            "</span></div>"
        )
        self.nav.layout.flex = "1"
        module_name, class_name = self.page.component.split(":")
        component_class = getattr(importlib.import_module(module_name), class_name)
        component: Component = component_class(self.ctx)
        component.tasks.revoked = self._close
        await component.load()
        self.component = component
        self.body.children = (component.widget,)

    async def _switch_language(self, lang: str) -> None:
        async with self.ctx.db.session() as session:
            user = await users.set_language(session, self.ctx.user.id, lang, actor=self.ctx.actor)
            await session.commit()
        self.ctx = replace(self.ctx, user=user, texts=Texts(lang))
        self.tasks.texts, self.tasks.authorize = self.ctx.texts, self.ctx.authorize
        self.status.clear()
        await self.build()

    def _close(self, message: str) -> None:
        """The user lost what the page needs (signed out, deactivated, demoted): nothing on
        it works any more, so it goes, and the reason shows where the page was."""
        self.body.children = ()
        self.status.error(message)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


class ErrorApp:
    """What a dashboard shows instead when it cannot be built: one clear line."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.widget = widgets.HTML(
            CSS + f'<div class="wb-error-page wb-status wb-status-error" role="alert">'
            f"{html.escape(message)}</div>"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


_database: Database | None = None


async def open_app(name: str, *, database: Database | None = None) -> App | ErrorApp:
    """Build dashboard ``name`` for whoever is signed in to this kernel.

    Under Voilà, which hides tracebacks, a page that cannot be built shows why instead;
    in JupyterLab the error is raised as usual.
    """
    global _database
    try:
        page = PAGES[name]
        settings = get_settings()
        if database is None:
            if _database is None:
                _database = Database.from_settings(settings)
                if not under_voila():  # `workbench serve` migrated before serving
                    from workbench.db import migrate

                    await migrate.require_current_schema(_database.url)
            database = _database
        async with database.session() as session:
            user = await signed_in_user(session)
        texts = Texts(language_or_default(user.preferred_language))
        ctx = Context(database, user, texts, settings, generation=signed_in_generation())
        if not page.allows(ctx.is_admin):
            raise PermissionDenied(texts._("This page is for admins only."))
        app = App(ctx, page)
        await app.build()
    except WorkbenchError as exc:
        if not under_voila():
            raise
        return ErrorApp(str(exc))
    return app
