"""The Account dashboard (everyone): my usage and quota, my API keys, my password.

Three small parts, each with its own status line right under its buttons, so what a click
did shows where the user looks: the usage (today and this month against the tier, and the
last 30 days as charts), the API keys (create one, shown once beside the button; revoke
one) and the change of password. Every action goes through the account services as the
signed-in user, who may see and revoke only their own keys; admins manage everyone's keys
on the Users page.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

import ipywidgets as widgets

from workbench.accounts import api_keys, users
from workbench.accounts.api_keys import MAX_KEY_RATE, MIN_KEY_RATE, NAME_LENGTH, ApiScope
from workbench.accounts.passwords import MAX_LENGTH, MIN_LENGTH, password_problems
from workbench.accounts.quotas import Allowance, get_allowance
from workbench.accounts.subscriptions import current_subscription
from workbench.accounts.usage import DayUsage, daily_usage
from workbench.db.base import utcnow
from workbench.db.models import ApiKey, Tier
from workbench.errors import AuthenticationFailed, InvalidInput, ProviderNotAllowed
from workbench.ui.charts import chart_widget, draw_usage
from workbench.ui.component import Component, ask, confirm_row, first_paint, yes_button
from workbench.ui.context import Context
from workbench.ui.i18n import N_
from workbench.ui.keys import shown_once
from workbench.ui.labels import provider_label
from workbench.ui.tables import html_table, tag
from workbench.ui.tasks import Status
from workbench.ui.users import KEY_STATUS_NAMES, SCOPE_NAMES

USAGE_DAYS = 30
CHART_HEIGHT = "280px"  # a bar chart's picture (charts.bar_chart) at 96 dpi
SIGN_IN_PATH = "/login"
WIDE = {"description_width": "13em"}
# The password policy's problems (workbench.accounts.passwords), as the user reads them.
POLICY_PROBLEMS = {
    f"it must have at least {MIN_LENGTH} characters": (
        N_("It must have at least {count} characters."),
        MIN_LENGTH,
    ),
    f"it must have at most {MAX_LENGTH} characters": (
        N_("It must have at most {count} characters."),
        MAX_LENGTH,
    ),
    "it must not be one character repeated": (N_("It must not be one character repeated."), 0),
    "it must not be only spaces": (N_("It must not be only spaces."), 0),
    "it must not be the email address": (N_("It must not be your email address."), 0),
    "it contains characters that are not valid Unicode text": (
        N_("It contains characters that are not valid text."),
        0,
    ),
}


@dataclass(frozen=True)
class _Standing:
    """What the page shows about the user, read in one session."""

    tier: Tier
    allowance: Allowance
    usage: list[DayUsage]
    keys: list[ApiKey]


class AccountPage(Component):
    css_class = "wb-account"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        t = self.t
        self.standing: _Standing | None = None
        self._charted: tuple[tuple[object, int, int], ...] = ()

        # build: usage
        self.kpis = widgets.HTML(tag("p", t._("Loading…")))
        self.kpis.add_class("wb-account-kpis")
        self.translations_chart = chart_widget()
        self.translations_chart.add_class("wb-account-chart")
        self.characters_chart = chart_widget()
        self.characters_chart.add_class("wb-account-chart")

        # The charts' room is kept while they are drawn: nothing below jumps when they come.
        self.charts = _row([self.translations_chart, self.characters_chart])
        self.charts.layout.min_height = CHART_HEIGHT

        # build: API keys
        self.keys_table = widgets.HTML()
        self.keys_table.add_class("wb-account-keys-table")
        self.key_name = widgets.Text(
            description=t._("Key name"), placeholder=t._("e.g. build server"), style=WIDE
        )
        self.key_name.add_class("wb-account-key-name")
        self.key_scopes = widgets.SelectMultiple(
            description=t._("Scopes"),
            options=[(t._(SCOPE_NAMES[s]), s.value) for s in ApiScope],
            value=tuple(s.value for s in api_keys.DEFAULT_SCOPES),
            rows=len(ApiScope),
            style=WIDE,
        )
        self.key_scopes.add_class("wb-account-key-scopes")
        self.key_provider = widgets.Dropdown(description=t._("Provider"), style=WIDE)
        self.key_provider.add_class("wb-account-key-provider")
        self.key_model = widgets.Text(
            description=t._("Model"),
            placeholder=t._("The provider's default"),
            style=WIDE,
            disabled=True,
        )
        self.key_model.add_class("wb-account-key-model")
        self.key_rate = widgets.Text(
            description=t._("Requests per minute"),
            placeholder=t._("Your tier's limit"),
            style=WIDE,
        )
        self.key_rate.add_class("wb-account-key-rate")
        self.key_create = widgets.Button(
            description=t._("Create key"), button_style="primary", icon="key"
        )
        self.key_create.add_class("wb-account-key-create")
        self.key_create_status = Status()
        self.key_create_status.widget.add_class("wb-account-key-create-status")
        self.key_secret = widgets.HTML()
        self.key_secret.add_class("wb-account-key-secret")
        self.key_select = widgets.Dropdown(description=t._("Key"), options=[], style=WIDE)
        self.key_select.layout.width = "30em"
        self.key_select.add_class("wb-account-key-select")
        self.key_revoke = widgets.Button(description=t._("Revoke key"), button_style="danger")
        self.key_revoke.add_class("wb-account-key-revoke")
        self.key_revoke_yes = yes_button(t._("Yes, revoke"), "wb-account-key-revoke-yes")
        self.key_revoke_confirm, _ = confirm_row(
            self,
            t._("Revoke this key? Programs that use it will stop working."),
            self.key_revoke_yes,
        )
        self.key_revoke_status = Status()
        self.key_revoke_status.widget.add_class("wb-account-key-revoke-status")

        # build: password
        self.current_password = widgets.Password(description=t._("Current password"), style=WIDE)
        self.current_password.add_class("wb-account-current-password")
        self.new_password = widgets.Password(description=t._("New password"), style=WIDE)
        self.new_password.add_class("wb-account-new-password")
        self.repeat_password = widgets.Password(description=t._("New password again"), style=WIDE)
        self.repeat_password.add_class("wb-account-repeat-password")
        self.password_change = widgets.Button(description=t._("Change password"), icon="lock")
        self.password_change.add_class("wb-account-password-change")
        self.password_status = Status()
        self.password_status.widget.add_class("wb-account-password-status")
        self.sign_in_again = widgets.HTML()
        self.sign_in_again.add_class("wb-account-sign-in-again")

        # layout
        for field in (self.key_name, self.key_model, self.key_rate):
            field.layout.width = "32em"
        self.key_provider.layout.width = "36em"  # the providers' labels are long
        for field in (self.current_password, self.new_password, self.repeat_password):
            field.layout.width = "32em"
        for button in (self.key_create, self.key_revoke, self.password_change):
            button.layout.width = "auto"  # the label in full, in either language
            button.layout.min_width = "10em"
        usage_box = widgets.VBox(
            [
                widgets.HTML(tag("h3", t._("My usage"))),
                self.kpis,
                widgets.HTML(tag("h4", t._("Last {days} days", days=USAGE_DAYS))),
                self.charts,
            ]
        )
        keys_box = widgets.VBox(
            [
                widgets.HTML(tag("h3", t._("My API keys"))),
                widgets.HTML(
                    tag(
                        "p",
                        t._(
                            "Programs use an API key to translate through the workbench's "
                            "DeepL- and LibreTranslate-compatible API, on your tier and quota."
                        ),
                    )
                ),
                self.keys_table,
                widgets.HTML(tag("h4", t._("Create a key"))),
                widgets.HBox(
                    [
                        widgets.VBox([self.key_name, self.key_scopes]),
                        widgets.VBox([self.key_provider, self.key_model, self.key_rate]),
                    ],
                    layout=widgets.Layout(flex_flow="row wrap"),
                ),
                _row([self.key_create, self.key_create_status.widget]),
                self.key_secret,
                widgets.HTML(tag("h4", t._("Revoke a key"))),
                _row([self.key_select, self.key_revoke, self.key_revoke_status.widget]),
                self.key_revoke_confirm,
            ]
        )
        password_box = widgets.VBox(
            [
                widgets.HTML(tag("h3", t._("Change my password"))),
                self.current_password,
                self.new_password,
                self.repeat_password,
                _row([self.password_change, self.password_status.widget]),
                self.sign_in_again,
            ]
        )
        self.widget = widgets.VBox([self.status.widget, usage_box, keys_box, password_box])
        self.widget.add_class(self.css_class)

        # wire
        self.key_provider.observe(self._provider_chosen, names="value")
        self.key_create.on_click(
            self.tasks.on_click(self._create_key, status=self.key_create_status)
        )
        self.key_revoke.on_click(self._ask_revoke)
        self.key_revoke_yes.on_click(
            self.tasks.on_click(self._revoke_key, status=self.key_revoke_status)
        )
        self.password_change.on_click(
            self.tasks.on_click(self._change_password, status=self.password_status)
        )

    async def load(self) -> None:
        await self._refresh()

    # handlers: API keys

    def _provider_chosen(self, change: dict[str, object]) -> None:
        pinned = bool(change["new"])
        self.key_model.disabled = not pinned
        if not pinned:
            self.key_model.value = ""

    async def _create_key(self) -> None:
        t = self.t
        self.key_secret.value = ""
        name = self.key_name.value.strip()
        if not name or len(name) > NAME_LENGTH or not name.isprintable():
            raise InvalidInput(
                t._("Give the key a name of 1 to {count} characters.", count=NAME_LENGTH)
            )
        if not self.key_scopes.value:
            raise InvalidInput(t._("Choose at least one scope."))
        rate = self._rate()
        provider = self.key_provider.value or None
        async with self.ctx.db.session() as session:
            try:
                created = await api_keys.create_api_key(
                    session,
                    self.ctx.user.id,
                    actor=self.ctx.actor,
                    name=name,
                    scopes=list(self.key_scopes.value),
                    provider=provider,
                    model=self.key_model.value if provider else None,
                    requests_per_minute=rate,
                )
            except ProviderNotAllowed:
                raise InvalidInput(
                    t._("Your tier does not include this provider any more; choose another.")
                ) from None
            prefix = created.record.prefix
            await session.commit()
        await self._refresh()
        self.key_name.value = ""
        self.key_rate.value = ""
        self.key_secret.value = shown_once(self.t, created.key)
        self.key_create_status.ok(t._("API key {prefix} created.", prefix=prefix))

    def _rate(self) -> int | None:
        text = self.key_rate.value.strip().replace(" ", "").replace(",", "")
        if not text:
            return None
        if not text.isdigit() or not MIN_KEY_RATE <= int(text) <= MAX_KEY_RATE:
            raise InvalidInput(
                self.t._(
                    "The rate must be a whole number of requests per minute from {low} to "
                    "{high}, or empty for your tier's limit.",
                    low=self.t.number(MIN_KEY_RATE),
                    high=self.t.number(MAX_KEY_RATE),
                )
            )
        return int(text)

    def _ask_revoke(self, _button: widgets.Button) -> None:
        self.key_revoke_status.clear()
        if not self.key_select.value:
            self.key_revoke_status.error(self.t._("Choose the key to revoke first."))
            return
        ask(
            self.key_revoke_confirm,
            self.t._(
                "Revoke the key {name}? Programs that use it will stop working.",
                name=self.key_select.label,
            ),
        )

    async def _revoke_key(self) -> None:
        self.key_secret.value = ""  # a key is shown once, and only until the next action
        self.key_create_status.clear()
        prefix = self.key_select.value
        async with self.ctx.db.session() as session:
            # Only a key of one's own, as read now: this page never revokes anyone else's.
            own = {key.prefix for key in await api_keys.list_api_keys(session, self.ctx.user.id)}
            if not prefix or prefix not in own:
                raise InvalidInput(self.t._("Choose the key to revoke first."))
            revoked = await api_keys.revoke_api_key(session, prefix, actor=self.ctx.actor)
            await session.commit()
        await self._refresh()
        self.key_revoke_status.ok(self.t._("API key {prefix} revoked.", prefix=revoked.prefix))

    # handlers: password

    async def _change_password(self) -> None:
        t = self.t
        self.sign_in_again.value = ""
        current, new = self.current_password.value, self.new_password.value
        if not current:
            raise InvalidInput(t._("Type your current password."))
        if new != self.repeat_password.value:
            raise InvalidInput(t._("The two new passwords differ; type the same one twice."))
        problems = password_problems(new, email=self.ctx.user.email)
        if problems:
            raise InvalidInput(
                " ".join([t._("This new password is refused."), *map(self._problem, problems)])
            )
        if new == current:
            raise InvalidInput(t._("The new password must differ from the current one."))
        async with self.ctx.db.session() as session:
            try:
                await users.change_password(session, current, new, actor=self.ctx.actor)
            except AuthenticationFailed:
                raise InvalidInput(
                    t._("The current password is wrong; nothing was changed.")
                ) from None
            await session.commit()
        for field in (self.current_password, self.new_password, self.repeat_password):
            field.value = ""
        # This page's sign-in has ended too: every action from now on would be refused.
        for control in (self.current_password, self.new_password, self.repeat_password):
            control.layout.display = "none"
        self.password_change.layout.display = "none"
        self.password_status.ok(
            t._(
                "Your password is changed. For your safety you are now signed out everywhere, "
                "this page included."
            )
        )
        again = t._("Sign in again with your new password")
        self.sign_in_again.value = (
            f'<a href="{SIGN_IN_PATH}" class="wb-account-sign-in-link" '
            f'style="color:#1f5fa8;text-decoration:underline">{html.escape(again)}</a>'
        )

    def _problem(self, problem: str) -> str:
        text, count = POLICY_PROBLEMS.get(problem, (problem, 0))
        return self.t._(text, count=self.t.number(count)) if count else self.t._(text)

    # showing

    async def _refresh(self) -> None:
        """Read the user's standing and keys again and show them."""
        user_id = self.ctx.user.id
        async with self.ctx.db.session() as session:
            standing = _Standing(
                tier=(await current_subscription(session, user_id)).tier,
                allowance=await get_allowance(session, user_id, zone=self.ctx.settings.quota_zone),
                usage=await daily_usage(
                    session, days=USAGE_DAYS, user_id=user_id, zone=self.ctx.settings.quota_zone
                ),
                keys=await api_keys.list_api_keys(session, user_id),
            )
        self.standing = standing
        self.kpis.value = self._kpis_html(standing)
        self._show_providers(standing.tier)
        self._show_keys(standing.keys, utcnow())
        # Drawing takes a moment: the figures and keys show first, the charts when drawn.
        self.tasks.run(self._show_usage(standing.usage))

    def _kpis_html(self, standing: _Standing) -> str:
        t = self.t
        allowance, tier = standing.allowance, standing.tier
        label = tier.label_fr if t.lang == "fr" else tier.label_en
        cards = [
            _kpi(label, t._("Your tier")),
            _kpi(
                self._used_of(allowance.translations_used, allowance.translation_limit),
                t._("Translations today"),
                t._("Starts again {when}", when=t.when(allowance.day_resets_at)),
            ),
            _kpi(
                self._used_of(allowance.characters_used, allowance.character_limit),
                t._("Characters this month"),
                t._("Starts again {when}", when=t.when(allowance.month_resets_at)),
            ),
            _kpi(
                t.number(tier.requests_per_minute)
                if tier.requests_per_minute is not None
                else t._("unlimited"),
                t._("API requests per minute"),
            ),
        ]
        return f'<div class="wb-kpis">{"".join(cards)}</div>'

    def _used_of(self, used: int, limit: int | None) -> str:
        t = self.t
        if limit is None:
            return t._("{used} (unlimited)", used=t.number(used))
        return t._("{used} of {limit}", used=t.number(used), limit=t.number(limit))

    def _show_providers(self, tier: Tier) -> None:
        t = self.t
        options = [(t._("Default (set by the admin)"), "")] + [
            (provider_label(t, name), name) for name in tier.allowed_providers
        ]
        if list(self.key_provider.options) != options:
            kept = self.key_provider.value
            self.key_provider.options = options
            self.key_provider.value = kept if kept in dict(options).values() else ""

    def _show_keys(self, keys: list[ApiKey], now: datetime) -> None:
        t = self.t
        headers = (
            t._("Name"),
            t._("Prefix"),
            t._("Scopes"),
            t._("Provider and model"),
            t._("Requests per minute"),
            t._("Created"),
            t._("Last used"),
            t._("Status"),
        )
        rows = []
        for key in keys:
            scopes = ", ".join(
                t._(SCOPE_NAMES[ApiScope(scope)]) if scope in set(ApiScope) else scope
                for scope in key.scopes
            )
            pinned = t._("Default")
            if key.provider:
                pinned = provider_label(t, key.provider)
                if key.model:
                    pinned += f" · {key.model}"
            rows.append(
                (
                    key.name,
                    key.prefix,
                    scopes,
                    pinned,
                    t.number(key.requests_per_minute)
                    if key.requests_per_minute is not None
                    else t._("Your tier's limit"),
                    t.when(key.created_at),
                    t.when(key.last_used_at) if key.last_used_at else t._("Never"),
                    t._(KEY_STATUS_NAMES[api_keys.key_status(key, now)]),
                )
            )
        self.keys_table.value = html_table(
            headers, rows, empty=t._("You have no API key yet: create one below.")
        )
        revocable = [key for key in keys if key.revoked_at is None]
        self.key_select.options = [(f"{key.name} · {key.prefix}", key.prefix) for key in revocable]
        self.key_select.value = revocable[0].prefix if revocable else None
        self.key_revoke.disabled = not revocable
        if not revocable:
            self.key_revoke_confirm.layout.display = "none"

    async def _show_usage(self, usage: list[DayUsage]) -> None:
        drawn = tuple((day.day, day.translations, day.characters) for day in usage)
        if drawn == self._charted:
            return  # the same bars as on screen
        self._charted = drawn
        await first_paint(self.kpis)
        await draw_usage(self.translations_chart, self.characters_chart, self.t, usage)


def _row(children: list[widgets.Widget]) -> widgets.HBox:
    return widgets.HBox(children, layout=widgets.Layout(flex_flow="row wrap", align_items="center"))


def _kpi(value: str, label: str, detail: str = "") -> str:
    extra = f'<div class="wb-kpi-label">{html.escape(detail)}</div>' if detail else ""
    return (
        f'<div class="wb-kpi"><div class="wb-kpi-value">{html.escape(value)}</div>'
        f'<div class="wb-kpi-label">{html.escape(label)}</div>{extra}</div>'
    )
