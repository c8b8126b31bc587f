"""The admins' home dashboard: the service at a glance (DESIGN §8 Home).

Key figures (users per tier, active users, translations today, characters this month per
provider, jobs under way), the last 30 days as charts, and links to the other admin
pages. Every figure is an aggregate query, so the page stays fast with many users.
"""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass

import ipywidgets as widgets
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts.tiers import list_tiers, users_per_tier
from workbench.accounts.usage import DayUsage, daily_usage, month_characters_by_provider
from workbench.batch.jobs import ACTIVE
from workbench.db.models import JobStatus, TranslationJob, User
from workbench.ui.charts import bar_chart, chart_widget
from workbench.ui.component import Component, first_paint
from workbench.ui.context import Context
from workbench.ui.i18n import N_
from workbench.ui.pages import PAGES
from workbench.ui.tables import tag

CHART_DAYS = 30

# The quick links: page name → what it is for.
LINKS = {
    "users": N_("Search users, change their tier, manage API keys."),
    "tiers": N_("Edit tiers, limits and prices."),
    "settings": N_("Provider status, defaults and the audit log."),
}


@dataclass
class Figures:
    """What the home page shows, read in one go."""

    tiers: list[tuple[str, int]]  # tier label, users
    active_users: int
    jobs: dict[JobStatus, int]
    month_characters: dict[str, int]
    days: list[DayUsage]

    @property
    def today(self) -> DayUsage:
        return self.days[-1]


async def read_figures(session: AsyncSession, lang: str) -> Figures:
    counts = await users_per_tier(session)
    labels = {
        tier.name: tier.label_fr if lang == "fr" else tier.label_en
        for tier in await list_tiers(session)
    }
    active = await session.scalar(select(func.count()).select_from(User).where(User.is_active))
    rows = await session.execute(
        select(TranslationJob.status, func.count())
        .where(TranslationJob.status.in_(ACTIVE))
        .group_by(TranslationJob.status)
    )
    jobs = {JobStatus(status): count for status, count in rows}
    return Figures(
        tiers=[(labels.get(name, name), count) for name, count in counts.items()],
        active_users=active or 0,
        jobs=jobs,
        month_characters=await month_characters_by_provider(session),
        days=await daily_usage(session, days=CHART_DAYS),
    )


class HomePage(Component):
    css_class = "wb-home"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        t = self.t
        # build
        self.title = widgets.HTML(tag("h2", t._("Home")))
        self.refresh = widgets.Button(
            description=t._("Refresh"),
            icon="refresh",
            tooltip=t._("Read the figures again"),
        )
        self.refresh.add_class("wb-home-refresh")
        self.kpis = widgets.HTML(tag("p", t._("Loading…")))
        self.kpis.add_class("wb-home-kpis")
        self.figures: Figures | None = None
        self.charts = widgets.VBox()
        self.charts.add_class("wb-home-charts")
        self.links = widgets.HTML(self._links_html())
        self.links.add_class("wb-home-links")
        # layout
        heading = widgets.HBox([self.title, self.refresh])
        heading.layout.align_items = "center"
        heading.layout.justify_content = "space-between"
        self.widget = widgets.VBox(
            [
                heading,
                self.status.widget,
                self.kpis,
                widgets.HTML(tag("h3", t._("Last {days} days", days=CHART_DAYS))),
                self.charts,
                widgets.HTML(tag("h3", t._("Manage"))),
                self.links,
            ]
        )
        self.widget.add_class(self.css_class)
        # wire
        self.refresh.on_click(self.tasks.on_click(self._refresh))

    async def load(self) -> None:
        if not self.ctx.is_admin:
            self.status.error(self.t._("This page is for admins only."))
            self.kpis.value = ""
            self.refresh.disabled = True
            return
        await self.show_figures()

    async def _refresh(self) -> None:
        await self.show_figures()
        self.status.ok(self.t._("Figures updated."))

    async def show_figures(self) -> None:
        async with self.ctx.db.session() as session:
            figures = await read_figures(session, self.t.lang)
        self.figures = figures
        self.kpis.value = self._kpis_html(figures)
        # Drawing takes a moment: the figures show first, the charts when they are drawn.
        self.tasks.run(self._show_charts(figures))

    async def _show_charts(self, figures: Figures) -> None:
        await first_paint(self.kpis)
        translations, characters = await asyncio.to_thread(self._draw, figures)
        self.charts.children = (chart_widget(translations), chart_widget(characters))

    # --- pieces ---------------------------------------------------------------------

    def _kpis_html(self, figures: Figures) -> str:
        t = self.t
        cards = [
            self._kpi(t.number(count), t._("Users on {tier}", tier=label))
            for label, count in figures.tiers
        ]
        cards.append(self._kpi(t.number(figures.active_users), t._("Active users")))
        cards.append(self._kpi(t.number(figures.today.translations), t._("Translations today")))
        month_total = sum(figures.month_characters.values())
        breakdown = " · ".join(
            f"{name} {t.number(count)}" for name, count in figures.month_characters.items()
        )
        cards.append(
            self._kpi(
                t.number(month_total),
                t._("Characters this month"),
                breakdown or t._("No use yet this month"),
            )
        )
        running = figures.jobs.get(JobStatus.RUNNING, 0)
        queued = figures.jobs.get(JobStatus.QUEUED, 0)
        cards.append(
            self._kpi(
                t.number(running + queued),
                t._("Jobs running or queued"),
                t._("{running} running, {queued} queued", running=running, queued=queued),
            )
        )
        return f'<div class="wb-kpis">{"".join(cards)}</div>'

    @staticmethod
    def _kpi(value: str, label: str, detail: str = "") -> str:
        extra = f'<div class="wb-kpi-label">{html.escape(detail)}</div>' if detail else ""
        return (
            f'<div class="wb-kpi"><div class="wb-kpi-value">{html.escape(value)}</div>'
            f'<div class="wb-kpi-label">{html.escape(label)}</div>{extra}</div>'
        )

    def _draw(self, figures: Figures) -> tuple[bytes, bytes]:
        t = self.t
        labels = [t.date(day.day, "d MMM") for day in figures.days]
        translations = bar_chart(
            labels,
            {t._("Translations"): [day.translations for day in figures.days]},
            title=t._("Translations per day"),
        )
        providers = sorted({name for day in figures.days for name in day.characters_by_provider})
        series = {
            name: [day.characters_by_provider.get(name, 0) for day in figures.days]
            for name in providers
        } or {t._("Characters"): [0] * len(figures.days)}
        characters = bar_chart(labels, series, title=t._("Characters per day, by provider"))
        return translations, characters

    def _links_html(self) -> str:
        t = self.t
        cards = "".join(
            f'<div class="wb-card"><h3><a href="{PAGES[name].path}">'
            f"{html.escape(t._(PAGES[name].title))}</a></h3>"
            f"<div>{html.escape(t._(description))}</div></div>"
            for name, description in LINKS.items()
        )
        return f'<div class="wb-cards">{cards}</div>'
