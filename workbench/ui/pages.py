"""The dashboards: their notebook names, titles and who may open them (DESIGN §8).

The one list the server (access checks, the home page) and the header (navigation)
read. Light on purpose: the server imports it without loading any widget code.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.ui.i18n import N_


@dataclass(frozen=True)
class Page:
    name: str  # the notebook: notebooks/<name>.ipynb, served at /voila/render/<name>.ipynb
    title: str  # English source text of the title in the header
    component: str  # "module:Class" of the page's component, imported when built
    admin_only: bool
    ready: str  # CSS selector of the control that makes the page usable, once on screen

    @property
    def path(self) -> str:
        return f"/voila/render/{self.name}.ipynb"

    def allows(self, is_admin: bool) -> bool:
        return is_admin or not self.admin_only


PAGES: dict[str, Page] = {
    page.name: page
    for page in (
        Page(
            "index",
            N_("Home"),
            "workbench.ui.home:HomePage",
            admin_only=True,
            ready=".wb-home-kpis",
        ),
        Page(
            "users",
            N_("Users"),
            "workbench.ui.users:UsersPage",
            admin_only=True,
            ready=".wb-users-table",
        ),
        Page(
            "tiers",
            N_("Tiers & pricing"),
            "workbench.ui.tiers:TiersPage",
            admin_only=True,
            ready=".wb-tiers-table",
        ),
        Page(
            "settings",
            N_("Settings"),
            "workbench.ui.settings:SettingsPage",
            admin_only=True,
            ready=".wb-settings-providers",
        ),
        Page(
            "translate",
            N_("Translate"),
            "workbench.ui.translate:TranslatePage",
            admin_only=False,
            ready=".wb-translate-run",
        ),
        Page(
            "glossaries",
            N_("Glossaries"),
            "workbench.ui.glossaries:GlossariesPage",
            admin_only=False,
            ready=".wb-glossaries-table",
        ),
        Page(
            "account",
            N_("Account"),
            "workbench.ui.account:AccountPage",
            admin_only=False,
            ready=".wb-account-key-create",
        ),
    )
}


def home_page(is_admin: bool) -> Page:
    """Where ``/`` leads after sign-in."""
    return PAGES["index"] if is_admin else PAGES["translate"]


def visible_pages(is_admin: bool) -> list[Page]:
    return [page for page in PAGES.values() if page.allows(is_admin)]
