"""The admins' settings dashboard (DESIGN §8 Settings).

Three parts: the status of every provider (checked in the background, so the page shows
at once), the service's defaults (stored by :mod:`workbench.preferences`, which
validates and audits), and the audit log with filters, newest first, page by page.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar

import ipywidgets as widgets

from workbench import preferences
from workbench.accounts.audit import AuditAction, TargetType, recent_entries
from workbench.db.models import AuditEntry
from workbench.errors import InvalidInput
from workbench.preferences import PreferenceChanges, Preferences
from workbench.providers.base import Provider
from workbench.providers.registry import PROVIDERS
from workbench.providers.status import MODELS_SHOWN, ProviderStatus, check_providers
from workbench.ui.component import Component
from workbench.ui.context import Context
from workbench.ui.i18n import LANGUAGE_NAMES, N_
from workbench.ui.labels import provider_label
from workbench.ui.tables import Raw, html_table, tag

DIFF_PARTS_SHOWN = 6
VALUE_WIDTH = 40
LABEL_STYLE = {"description_width": "13em"}

ACTION_LABELS: dict[str, str] = {
    AuditAction.USER_CREATE: N_("User created"),
    AuditAction.USER_SET_TIER: N_("User tier changed"),
    AuditAction.USER_SET_ROLE: N_("User role changed"),
    AuditAction.USER_ACTIVATE: N_("User activated"),
    AuditAction.USER_DEACTIVATE: N_("User deactivated"),
    AuditAction.USER_SET_PASSWORD: N_("User password changed"),
    AuditAction.USER_RESET_DAILY_COUNT: N_("Daily count reset"),
    AuditAction.USER_DELETE: N_("User deleted"),
    AuditAction.API_KEY_CREATE: N_("API key created"),
    AuditAction.API_KEY_REVOKE: N_("API key revoked"),
    AuditAction.TIER_CREATE: N_("Tier created"),
    AuditAction.TIER_UPDATE: N_("Tier changed"),
    AuditAction.TIER_DELETE: N_("Tier deleted"),
    AuditAction.SETTINGS_UPDATE: N_("Settings changed"),
    # The glossary package's own actions (workbench.glossary.store.GlossaryAction).
    "glossary.create": N_("Glossary created"),
    "glossary.replace": N_("Glossary replaced"),
    "glossary.merge": N_("Glossary merged"),
    "glossary.delete": N_("Glossary deleted"),
    "glossary.entry_add": N_("Glossary entry added"),
    "glossary.entry_update": N_("Glossary entry changed"),
    "glossary.entry_delete": N_("Glossary entry deleted"),
}

TARGET_LABELS: dict[str, str] = {
    TargetType.USER: N_("User"),
    TargetType.TIER: N_("Tier"),
    TargetType.API_KEY: N_("API key"),
    TargetType.GLOSSARY: N_("Glossary"),
    TargetType.SETTINGS: N_("Settings"),
}

_MISSING = object()


class SettingsPage(Component):
    css_class = "wb-settings"
    check_wait: ClassVar[float] = 5.0  # seconds each provider gets to answer
    page_size: ClassVar[int] = 25

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        t = self.t
        self.classes: dict[str, type[Provider]] = dict(PROVIDERS.items())
        self.statuses: dict[str, ProviderStatus] = {}
        self.checking = False
        self.preferences = Preferences()
        self.audit_page = 0
        self.audit_entries: list[AuditEntry] = []

        # build: provider status
        self.providers = widgets.HTML()
        self.providers.add_class("wb-settings-providers")
        self.check_again = widgets.Button(
            description=t._("Check again"),
            icon="refresh",
            tooltip=t._("Ask every provider again whether it answers"),
        )
        self.check_again.add_class("wb-settings-check")

        # build: defaults
        self.default_provider = widgets.Dropdown(
            description=t._("Default provider"),
            options=[(provider_label(self.t, name), name) for name in self.classes],
            style=LABEL_STYLE,
        )
        self.default_provider.add_class("wb-settings-provider")
        self.default_model = widgets.Combobox(
            description=t._("Default model"),
            ensure_option=False,
            style=LABEL_STYLE,
        )
        self.default_model.add_class("wb-settings-model")
        self.currency = widgets.Text(
            description=t._("Currency"),
            placeholder="EUR",
            tooltip=t._("A 3-letter currency code, such as EUR or USD"),
            style=LABEL_STYLE,
        )
        self.currency.add_class("wb-settings-currency")
        self.ui_language = widgets.Dropdown(
            description=t._("Default interface language"),
            options=[(LANGUAGE_NAMES[lang], lang) for lang in preferences.LANGUAGES],
            style=LABEL_STYLE,
        )
        self.ui_language.add_class("wb-settings-language")
        self.concurrency: dict[str, widgets.Text] = {}
        self.prices: dict[str, widgets.FloatText] = {}
        for name, cls in self.classes.items():
            label = provider_label(self.t, name)
            self.concurrency[name] = widgets.Text(
                placeholder=t._("default: {n}", n=cls.default_concurrency),
                tooltip=t._("Concurrent requests to {provider}", provider=label),
                layout=widgets.Layout(width="9em"),
            )
            self.concurrency[name].add_class(f"wb-settings-concurrency-{name}")
            self.prices[name] = widgets.FloatText(
                tooltip=t._("Price per million characters for {provider}", provider=label),
                layout=widgets.Layout(width="9em"),
            )
            self.prices[name].add_class(f"wb-settings-price-{name}")
        self.save_button = widgets.Button(
            description=t._("Save"), button_style="primary", icon="save"
        )
        self.save_button.add_class("wb-settings-save")

        # build: audit log
        self.audit_action = widgets.Dropdown(
            description=t._("Action"),
            options=[
                (t._("All actions"), ""),
                *((t._(label), code) for code, label in ACTION_LABELS.items()),
            ],
        )
        self.audit_action.add_class("wb-settings-audit-action")
        self.audit_actor = widgets.Text(
            description=t._("Actor"), placeholder=t._("Part of an email")
        )
        self.audit_actor.add_class("wb-settings-audit-actor")
        self.audit_target = widgets.Dropdown(
            description=t._("Target"),
            options=[
                (t._("All targets"), ""),
                *((t._(label), code) for code, label in TARGET_LABELS.items()),
            ],
        )
        self.audit_target.add_class("wb-settings-audit-target")
        self.audit_from = widgets.DatePicker(description=t._("From"), value=None)
        self.audit_to = widgets.DatePicker(description=t._("To"), value=None)
        self.audit_search = widgets.Button(description=t._("Search"), icon="search")
        self.audit_search.add_class("wb-settings-audit-search")
        self.audit_table = widgets.HTML()
        self.audit_table.add_class("wb-settings-audit")
        self.audit_previous = widgets.Button(description=t._("Previous"), disabled=True)
        self.audit_next = widgets.Button(description=t._("Next"), disabled=True)
        self.audit_position = widgets.HTML()

        # layout
        grid = widgets.GridBox(
            [
                widgets.HTML(tag("b", t._("Provider"))),
                widgets.HTML(tag("b", t._("Concurrent requests"))),
                widgets.HTML(tag("b", t._("Price per million characters"))),
                *(
                    widget
                    for name in self.classes
                    for widget in (
                        widgets.Label(provider_label(self.t, name)),
                        self.concurrency[name],
                        self.prices[name],
                    )
                ),
            ],
            layout=widgets.Layout(
                grid_template_columns="minmax(14em, max-content) 10em 10em",
                grid_gap="0.3em 1em",
                align_items="center",
            ),
        )
        grid.add_class("wb-settings-per-provider")
        self.sections = widgets.VBox(
            [
                widgets.HTML(tag("h3", t._("Providers"))),
                self.providers,
                self.check_again,
                widgets.HTML(tag("h3", t._("Defaults"))),
                self.default_provider,
                self.default_model,
                self.currency,
                self.ui_language,
                widgets.HTML(
                    tag(
                        "p",
                        t._("Leave concurrent requests blank to use the provider’s own default."),
                    )
                ),
                grid,
                self.save_button,
                widgets.HTML(tag("h3", t._("Audit log"))),
                widgets.HBox(
                    [self.audit_action, self.audit_target, self.audit_actor],
                    layout=widgets.Layout(flex_flow="row wrap"),
                ),
                widgets.HBox(
                    [self.audit_from, self.audit_to, self.audit_search],
                    layout=widgets.Layout(flex_flow="row wrap"),
                ),
                self.audit_table,
                widgets.HBox(
                    [self.audit_previous, self.audit_position, self.audit_next],
                    layout=widgets.Layout(align_items="center"),
                ),
            ]
        )
        self.widget = widgets.VBox(
            [widgets.HTML(tag("h2", t._("Settings"))), self.status.widget, self.sections]
        )
        self.widget.add_class(self.css_class)

        # wire
        self.check_again.on_click(lambda _button: self.start_check())
        self.default_provider.observe(self._offer_models, names="value")
        self.save_button.on_click(self.tasks.on_click(self._save))
        self.audit_search.on_click(self.tasks.on_click(self._search))
        # Not through tasks.on_click: that re-enables the button afterwards, and these
        # are enabled only when there is a page to go to.
        self.audit_previous.on_click(lambda _button: self._turn_page(-1))
        self.audit_next.on_click(lambda _button: self._turn_page(+1))

    async def load(self) -> None:
        if not self.ctx.is_admin:
            self.status.error(self.t._("This page is for admins only."))
            self.sections.layout.display = "none"
            return
        async with self.ctx.db.session() as session:
            self._show_preferences(await preferences.load(session))
        await self.show_audit()
        self.start_check()

    # --- provider status ------------------------------------------------------------

    def start_check(self) -> None:
        """Say "checking" at once; providers may take seconds to answer, so ask in a task."""
        self.checking = True
        self.providers.value = self._providers_html()
        self.tasks.run(self.check_providers(), busy=[self.check_again])

    async def check_providers(self) -> None:
        try:
            found = await check_providers(self.ctx.settings, wait=self.check_wait)
            self.statuses = {status.name: status for status in found}
        finally:
            self.checking = False
            self.providers.value = self._providers_html()
        self._offer_models()

    def _providers_html(self) -> str:
        t = self.t
        headers = (t._("Provider"), t._("Configured"), t._("Reachable"), t._("Models"))
        rows = []
        for name, cls in self.classes.items():
            status = self.statuses.get(name)
            label = provider_label(t, name)
            if self.checking or status is None:
                unknown = t._("Checking…") if self.checking else t._("Not checked")
                rows.append((label, unknown, unknown, "–"))
            else:
                rows.append(
                    (
                        label,
                        self._configured_text(status, cls),
                        self._reachable_text(status),
                        self._models_text(status),
                    )
                )
        return html_table(
            headers, rows, row_attributes=[{"data-provider": name} for name in self.classes]
        )

    def _configured_text(self, status: ProviderStatus, cls: type[Provider]) -> str:
        if status.configured:
            return self.t._("Yes")
        if cls.key_env:
            return self.t._("No: set {variable}", variable=cls.key_env)
        return self.t._("No")

    def _reachable_text(self, status: ProviderStatus) -> str:
        if status.reachable is None:
            return "–"
        if status.reachable:
            return self.t._("Yes")
        return self.t._("No: {reason}", reason=status.detail)

    def _models_text(self, status: ProviderStatus) -> str:
        if not status.models:
            return "–"
        shown = ", ".join(status.models[:MODELS_SHOWN])
        more = len(status.models) - MODELS_SHOWN
        return self.t._("{models} and {n} more", models=shown, n=more) if more > 0 else shown

    def _offer_models(self, _change: object = None) -> None:
        """The default model's suggestions: what the chosen provider offers, when known."""
        name = self.default_provider.value
        status = self.statuses.get(name)
        cls = self.classes[name]
        models = status.models if status is not None else cls.models
        self.default_model.options = tuple(models)
        self.default_model.placeholder = (
            self.t._("Default: {model}", model=cls.default_model)
            if cls.default_model
            else self.t._("None needed")
        )

    # --- defaults -------------------------------------------------------------------

    def _show_preferences(self, prefs: Preferences) -> None:
        self.preferences = prefs
        self.default_provider.value = (
            prefs.default_provider
            if prefs.default_provider in self.classes
            else Preferences.default_provider
        )
        self._offer_models()
        self.default_model.value = prefs.default_model
        self.currency.value = prefs.currency
        self.ui_language.value = prefs.ui_language
        for name in self.classes:
            chosen = prefs.concurrency.get(name)
            self.concurrency[name].value = str(chosen) if chosen is not None else ""
            self.prices[name].value = prefs.price_per_million(name)

    def _changes(self) -> PreferenceChanges:
        """What the form says, per provider only where it differs from what is stored."""
        concurrency: dict[str, int | None] = {}
        for name, field in self.concurrency.items():
            text = field.value.strip()
            try:
                wanted = int(text) if text else None
            except ValueError:
                raise InvalidInput(
                    self.t._(
                        "Concurrent requests for {provider} must be a whole number.",
                        provider=provider_label(self.t, name),
                    )
                ) from None
            if wanted != self.preferences.concurrency.get(name):
                concurrency[name] = wanted
        prices = {
            name: float(field.value)
            for name, field in self.prices.items()
            if float(field.value) != self.preferences.price_per_million(name)
        }
        return PreferenceChanges(
            default_provider=self.default_provider.value,
            default_model=self.default_model.value,
            currency=self.currency.value,
            ui_language=self.ui_language.value,
            prices=prices,
            concurrency=concurrency,
        )

    async def _save(self) -> None:
        changes = self._changes()
        async with self.ctx.db.session() as session:
            saved = await preferences.save(session, changes, actor=self.ctx.actor)
            await session.commit()
        unchanged = saved == self.preferences
        self._show_preferences(saved)
        if unchanged:
            self.status.show(self.t._("Nothing to save: no setting was changed."))
            return
        self.status.ok(self.t._("Settings saved."))
        self.audit_page = 0
        await self.show_audit()

    # --- audit log ------------------------------------------------------------------

    async def _search(self) -> None:
        self.audit_page = 0
        await self.show_audit()

    def _turn_page(self, step: int) -> None:
        self.audit_page = max(0, self.audit_page + step)
        self.tasks.run(self.show_audit())

    def _date_range(self) -> tuple[datetime | None, datetime | None]:
        first: date | None = self.audit_from.value
        last: date | None = self.audit_to.value
        if first is not None and last is not None and first > last:
            raise InvalidInput(self.t._("The start date is after the end date."))
        since = datetime.combine(first, time.min, UTC) if first is not None else None
        until = datetime.combine(last + timedelta(days=1), time.min, UTC) if last else None
        return since, until

    async def show_audit(self) -> None:
        self.audit_previous.disabled = self.audit_next.disabled = True
        more = False
        try:
            since, until = self._date_range()
            async with self.ctx.db.session() as session:
                found = await recent_entries(
                    session,
                    limit=self.page_size + 1,  # one more tells whether a next page exists
                    offset=self.audit_page * self.page_size,
                    action=self.audit_action.value or None,
                    target_type=self.audit_target.value or None,
                    actor_contains=self.audit_actor.value,
                    since=since,
                    until=until,
                )
            more = len(found) > self.page_size
            self.audit_entries = found[: self.page_size]
            self.audit_table.value = self._audit_html(self.audit_entries)
            self.audit_position.value = html.escape(
                self.t._("Page {page}", page=self.audit_page + 1)
            )
        finally:
            self.audit_previous.disabled = self.audit_page == 0
            self.audit_next.disabled = not more

    def _audit_html(self, entries: list[AuditEntry]) -> str:
        t = self.t
        if not entries:
            return tag("p", t._("No audit entries match these filters."))
        headers = (t._("When"), t._("Actor"), t._("Action"), t._("Target"), t._("Change"))
        rows = []
        for entry in entries:
            action = ACTION_LABELS.get(entry.action)
            target = TARGET_LABELS.get(entry.target_type)
            target_text = t._(target) if target else entry.target_type
            rows.append(
                (
                    t.when(entry.created_at),
                    entry.actor_email or "–",
                    t._(action) if action else entry.action,
                    f"{target_text}: {entry.target_id}",
                    Raw(
                        "<br>".join(
                            html.escape(part) for part in diff_lines(entry.before, entry.after)
                        )
                    ),
                )
            )
        return html_table(
            headers, rows, row_attributes=[{"data-action": entry.action} for entry in entries]
        )

    # --- helpers --------------------------------------------------------------------


def diff_lines(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[str]:
    """A compact before → after, one line per changed field (nested maps one level deep)."""
    before, after = before or {}, after or {}
    lines: list[str] = []
    for key in [*before, *(key for key in after if key not in before)]:
        old, new = before.get(key, _MISSING), after.get(key, _MISSING)
        if isinstance(old, dict) and isinstance(new, dict):
            for sub in [*old, *(sub for sub in new if sub not in old)]:
                if old.get(sub, _MISSING) != new.get(sub, _MISSING):
                    lines.append(
                        _change(f"{key}.{sub}", old.get(sub, _MISSING), new.get(sub, _MISSING))
                    )
        elif old != new:
            lines.append(_change(key, old, new))
    if len(lines) > DIFF_PARTS_SHOWN:
        hidden = len(lines) - DIFF_PARTS_SHOWN
        lines = [*lines[:DIFF_PARTS_SHOWN], f"… (+{hidden})"]
    return lines


def _change(key: str, old: object, new: object) -> str:
    if old is _MISSING:
        return f"{key}: {_short(new)}"
    if new is _MISSING:
        return f"{key}: {_short(old)} → –"
    return f"{key}: {_short(old)} → {_short(new)}"


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"
