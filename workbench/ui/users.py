"""The Users dashboard (admins): find accounts, create them, change their tier, role and
state, manage their API keys, and see what they used in the last 30 days.

Searching, filtering and paging happen in the database (:func:`users.search_users`), so
the page stays fast with many accounts. Every change goes through the account services,
which check the admin and write the audit entry; the page then reads everything again.
"""

from __future__ import annotations

import html
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import ipywidgets as widgets
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts import api_keys, users
from workbench.accounts.api_keys import ApiScope, KeyStatus
from workbench.accounts.quotas import day_resets_at, quota_day
from workbench.accounts.subscriptions import effective_tier, subscription_expired
from workbench.accounts.tiers import list_tiers
from workbench.accounts.usage import DayUsage, daily_usage
from workbench.db.base import utcnow
from workbench.db.models import ApiKey, Role, Tier, User
from workbench.errors import InvalidInput, NotFound
from workbench.ui.charts import chart_widget, draw_usage
from workbench.ui.component import Component, confirm_row, yes_button
from workbench.ui.context import Context
from workbench.ui.i18n import N_
from workbench.ui.keys import shown_once
from workbench.ui.tables import Head, html_table, tag

PAGE_SIZE = 25
USAGE_DAYS = 30
ROLE_NAMES = {Role.ADMIN: N_("Admin"), Role.TRANSLATOR: N_("Translator")}
KEY_STATUS_NAMES = {
    KeyStatus.ACTIVE: N_("Active"),
    KeyStatus.EXPIRED: N_("Expired"),
    KeyStatus.REVOKED: N_("Revoked"),
}
SCOPE_NAMES = {
    ApiScope.TRANSLATE: N_("Translate"),
    ApiScope.GLOSSARIES: N_("Glossaries"),
    ApiScope.USAGE: N_("Usage"),
}
WIDE = {"description_width": "initial"}


@dataclass(frozen=True)
class _Details:
    """What the page shows about the selected user, read in one session."""

    user: User
    keys: list[ApiKey]
    usage: list[DayUsage]


class UsersPage(Component):
    css_class = "wb-users"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        t = self.t
        self.tiers: list[Tier] = []
        self.page_number = 1
        self.result: users.UserPage | None = None
        self.selected_id: uuid.UUID | None = None
        self.details: _Details | None = None
        self._syncing = False
        self._charted: tuple[tuple[date, int, int], ...] = ()

        # build: the list
        self.search = widgets.Text(
            description=t._("Email"), placeholder=t._("Part of an email address")
        )
        self.search.add_class("wb-users-search")
        self.tier_filter = widgets.Dropdown(
            description=t._("Tier"), options=[(t._("All tiers"), "")], value=""
        )
        self.role_filter = widgets.Dropdown(
            description=t._("Role"),
            options=[(t._("All roles"), "")] + [(t._(ROLE_NAMES[r]), r.value) for r in Role],
            value="",
        )
        self.active_filter = widgets.Dropdown(
            description=t._("State"),
            options=[(t._("All"), ""), (t._("Active"), "active"), (t._("Inactive"), "inactive")],
            value="",
        )
        for control in (self.tier_filter, self.role_filter, self.active_filter):
            control.layout.width = "14em"
        self.search_button = widgets.Button(description=t._("Search"), icon="search")
        self.search_button.add_class("wb-users-search-button")
        self.table = widgets.HTML()
        self.table.add_class("wb-users-table")
        self.previous_button = widgets.Button(description=t._("Previous"))
        self.previous_button.add_class("wb-users-previous")
        self.next_button = widgets.Button(description=t._("Next"))
        self.next_button.add_class("wb-users-next")
        self.pager = widgets.HTML()
        self.pager.add_class("wb-users-pager")
        self.user_select = widgets.Select(
            description=t._("Selected user"), options=[], rows=8, style=WIDE
        )
        self.user_select.layout.width = "32em"
        self.user_select.add_class("wb-users-select")

        # build: the selected user
        self.no_selection = _note(t._("Select a user in the list to see and change their account."))
        self.summary = widgets.HTML()
        self.summary.add_class("wb-users-summary")
        self.tier_choice = widgets.Dropdown(description=t._("Tier"))
        self.tier_choice.add_class("wb-users-tier")
        self.tier_expiry = widgets.DatePicker(
            description=t._("Subscription until (optional)"), style=WIDE
        )
        self.tier_expiry.add_class("wb-users-tier-expiry")
        self.apply_tier_button = widgets.Button(description=t._("Change tier"))
        self.apply_tier_button.add_class("wb-users-apply-tier")
        self.role_choice = widgets.Dropdown(
            description=t._("Role"), options=[(t._(ROLE_NAMES[r]), r.value) for r in Role]
        )
        self.role_choice.add_class("wb-users-role")
        self.apply_role_button = widgets.Button(description=t._("Change role"))
        self.apply_role_button.add_class("wb-users-apply-role")
        self.role_yes = yes_button(t._("Yes, change the role"), "wb-users-role-yes")
        self.role_confirm, _ = confirm_row(
            self, t._("Take the admin role away from this user?"), self.role_yes
        )
        self.deactivate_button = widgets.Button(
            description=t._("Deactivate"), button_style="warning"
        )
        self.deactivate_button.add_class("wb-users-deactivate")
        self.deactivate_yes = yes_button(t._("Yes, deactivate"), "wb-users-deactivate-yes")
        self.deactivate_confirm, _ = confirm_row(
            self,
            t._("Deactivate this user? They will no longer sign in or use their API keys."),
            self.deactivate_yes,
        )
        self.activate_button = widgets.Button(description=t._("Activate"))
        self.activate_button.add_class("wb-users-activate")
        self.reset_button = widgets.Button(description=t._("Reset today's count"))
        self.reset_button.add_class("wb-users-reset-count")

        # build: API keys of the selected user
        self.key_name = widgets.Text(
            description=t._("Key name"), placeholder=t._("e.g. build server"), style=WIDE
        )
        self.key_name.add_class("wb-users-key-name")
        self.key_scopes = widgets.SelectMultiple(
            description=t._("Scopes"),
            options=[(t._(SCOPE_NAMES[s]), s.value) for s in ApiScope],
            value=tuple(s.value for s in api_keys.DEFAULT_SCOPES),
            rows=len(ApiScope),
        )
        self.key_scopes.add_class("wb-users-key-scopes")
        self.key_expiry = widgets.DatePicker(description=t._("Valid until (optional)"), style=WIDE)
        self.key_expiry.add_class("wb-users-key-expiry")
        self.key_create_button = widgets.Button(description=t._("Create key"))
        self.key_create_button.add_class("wb-users-key-create")
        self.key_secret = widgets.HTML()
        self.key_secret.add_class("wb-users-key-secret")
        self.keys_table = widgets.HTML()
        self.keys_table.add_class("wb-users-keys-table")
        self.key_select = widgets.Dropdown(description=t._("Key"), options=[])
        self.key_select.layout.width = "28em"
        self.key_select.add_class("wb-users-key-select")
        self.revoke_button = widgets.Button(description=t._("Revoke key"), button_style="danger")
        self.revoke_button.add_class("wb-users-key-revoke")
        self.revoke_yes = yes_button(t._("Yes, revoke"), "wb-users-key-revoke-yes")
        self.revoke_confirm, _ = confirm_row(
            self,
            t._("Revoke this key? Programs that use it will stop working."),
            self.revoke_yes,
        )

        # build: usage of the selected user
        self.translations_chart = chart_widget(b"")
        self.characters_chart = chart_widget(b"")

        # build: a new user
        self.new_email = widgets.Text(description=t._("Email"), placeholder="name@example.org")
        self.new_email.add_class("wb-users-new-email")
        self.new_password = widgets.Password(description=t._("Password"))
        self.new_password.add_class("wb-users-new-password")
        self.new_tier = widgets.Dropdown(description=t._("Tier"))
        self.new_tier.add_class("wb-users-new-tier")
        self.new_role = widgets.Dropdown(
            description=t._("Role"),
            options=[(t._(ROLE_NAMES[r]), r.value) for r in Role],
            value=Role.TRANSLATOR.value,
        )
        self.new_role.add_class("wb-users-new-role")
        self.create_button = widgets.Button(
            description=t._("Create user"), button_style="primary", icon="user-plus"
        )
        self.create_button.add_class("wb-users-create")

        # layout
        list_section = widgets.VBox(
            [
                widgets.HTML(tag("h3", t._("Users"))),
                _row(
                    [
                        self.search,
                        self.tier_filter,
                        self.role_filter,
                        self.active_filter,
                        self.search_button,
                    ]
                ),
                self.table,
                widgets.HBox(
                    [self.previous_button, self.pager, self.next_button],
                    layout=widgets.Layout(align_items="center"),
                ),
                self.user_select,
            ]
        )
        account_box = widgets.VBox(
            [
                self.summary,
                _row([self.tier_choice, self.tier_expiry, self.apply_tier_button]),
                _row([self.role_choice, self.apply_role_button]),
                self.role_confirm,
                _row([self.deactivate_button, self.activate_button, self.reset_button]),
                self.deactivate_confirm,
            ]
        )
        keys_box = widgets.VBox(
            [
                widgets.HTML(tag("h4", t._("API keys"))),
                _row([self.key_name, self.key_scopes, self.key_expiry, self.key_create_button]),
                self.key_secret,
                self.keys_table,
                _row([self.key_select, self.revoke_button]),
                self.revoke_confirm,
            ]
        )
        usage_box = widgets.VBox(
            [
                widgets.HTML(tag("h4", t._("Usage in the last 30 days"))),
                _row([self.translations_chart, self.characters_chart]),
            ]
        )
        self.details_box = widgets.VBox([account_box, keys_box, usage_box])
        self.details_box.layout.display = "none"
        details_section = widgets.VBox(
            [widgets.HTML(tag("h3", t._("Selected user"))), self.no_selection, self.details_box]
        )
        create_section = widgets.VBox(
            [
                widgets.HTML(tag("h3", t._("Create a user"))),
                _row([self.new_email, self.new_password]),
                _row([self.new_tier, self.new_role, self.create_button]),
            ]
        )
        self.body = widgets.VBox([list_section, details_section, create_section])
        self.widget = widgets.VBox([self.status.widget, self.body])
        self.widget.add_class(self.css_class)

        # wire
        self.search_button.on_click(self.tasks.on_click(self._search))
        for control in (self.tier_filter, self.role_filter, self.active_filter):
            control.observe(self._filter_changed, names="value")
        self.previous_button.on_click(self.tasks.on_click(self._previous_page))
        self.next_button.on_click(self.tasks.on_click(self._next_page))
        self.user_select.observe(self._user_chosen, names="value")
        self.apply_tier_button.on_click(self.tasks.on_click(self._apply_tier))
        self.apply_role_button.on_click(self.tasks.on_click(self._apply_role))
        self.role_yes.on_click(self.tasks.on_click(self._change_role))
        self.deactivate_button.on_click(self._ask_deactivate)
        self.deactivate_yes.on_click(self.tasks.on_click(self._deactivate))
        self.activate_button.on_click(self.tasks.on_click(self._activate))
        self.reset_button.on_click(self.tasks.on_click(self._reset_count))
        self.key_create_button.on_click(self.tasks.on_click(self._create_key))
        self.revoke_button.on_click(self._ask_revoke)
        self.revoke_yes.on_click(self.tasks.on_click(self._revoke_key))
        self.create_button.on_click(self.tasks.on_click(self._create_user))

    async def load(self) -> None:
        if not self.ctx.is_admin:
            self.body.layout.display = "none"
            self.status.error(self.t._("This page is for admins only."))
            return
        await self._refresh()

    # handlers: the list

    async def _search(self) -> None:
        self.page_number = 1
        await self._refresh()

    def _filter_changed(self, _change: dict[str, object]) -> None:
        if not self._syncing:
            self.tasks.run(self._search())

    async def _previous_page(self) -> None:
        self.page_number = max(1, self.page_number - 1)
        await self._refresh()

    async def _next_page(self) -> None:
        if self.result is not None and self.page_number < self.result.pages:
            self.page_number += 1
        await self._refresh()

    def _user_chosen(self, change: dict[str, object]) -> None:
        chosen = change["new"]
        if not self._syncing and isinstance(chosen, uuid.UUID) and chosen != self.selected_id:
            self.tasks.run(self._select(chosen))

    async def _select(self, user_id: uuid.UUID) -> None:
        self.selected_id = user_id
        self.key_secret.value = ""  # a new key is shown to whoever created it, once
        self.key_name.value = ""
        for row in (self.role_confirm, self.deactivate_confirm, self.revoke_confirm):
            row.layout.display = "none"
        await self._refresh()

    async def _refresh(self) -> None:
        """Read the current page of the list and the selected user again, and show them."""
        async with self.ctx.db.session() as session:
            tiers = await list_tiers(session)
            result = await self._search_page(session)
            if not result.users and result.total and self.page_number > result.pages:
                self.page_number = result.pages  # the list got shorter than the page shown
                result = await self._search_page(session)
            details = None
            if self.selected_id is not None:
                details = await self._read_details(session, self.selected_id)
        self.result = result
        self._set_tiers(tiers)
        self._show_table()
        await self._show_details(details)

    async def _search_page(self, session: AsyncSession) -> users.UserPage:
        return await users.search_users(
            session,
            email_contains=self.search.value.strip() or None,
            tier=self.tier_filter.value or None,
            role=Role(self.role_filter.value) if self.role_filter.value else None,
            active={"active": True, "inactive": False}.get(self.active_filter.value),
            page=self.page_number,
            page_size=PAGE_SIZE,
        )

    async def _read_details(self, session: AsyncSession, user_id: uuid.UUID) -> _Details | None:
        try:
            user = await users.get_user(session, user_id)
        except NotFound:  # deleted meanwhile (e.g. from the command line)
            self.selected_id = None
            return None
        keys = await api_keys.list_api_keys(session, user.id)
        usage = await daily_usage(session, days=USAGE_DAYS, user_id=user.id)
        return _Details(user=user, keys=keys, usage=usage)

    # handlers: the selected user

    async def _apply_tier(self) -> None:
        user = self._selected_user()
        tier = self.tier_choice.value
        async with self.ctx.db.session() as session:
            changed = await users.set_tier(
                session,
                user.id,
                tier,
                actor=self.ctx.actor,
                expires_at=self._end_of(self.tier_expiry.value),
            )
            await session.commit()
        await self._refresh()
        self.status.ok(
            self.t._(
                "Tier of {email} changed to {tier}.",
                email=changed.email,
                tier=self._tier_label(changed.tier),
            )
        )

    async def _apply_role(self) -> None:
        user = self._selected_user()
        role = Role(self.role_choice.value)
        if role is user.role:
            self.status.show(
                self.t._(
                    "{email} already has the role {role}.",
                    email=user.email,
                    role=self.t._(ROLE_NAMES[role]),
                )
            )
            return
        if user.role is Role.ADMIN:
            self.role_confirm.layout.display = "flex"
            return
        await self._change_role()

    async def _change_role(self) -> None:
        user = self._selected_user()
        async with self.ctx.db.session() as session:
            changed = await users.set_role(
                session, user.id, Role(self.role_choice.value), actor=self.ctx.actor
            )
            await session.commit()
        await self._refresh()
        self.status.ok(
            self.t._(
                "Role of {email} changed to {role}.",
                email=changed.email,
                role=self.t._(ROLE_NAMES[changed.role]),
            )
        )

    def _ask_deactivate(self, _button: widgets.Button) -> None:
        self.deactivate_confirm.layout.display = "flex"

    async def _deactivate(self) -> None:
        changed = await self._set_active(False)
        self.status.ok(self.t._("{email} is deactivated.", email=changed.email))

    async def _activate(self) -> None:
        changed = await self._set_active(True)
        self.status.ok(self.t._("{email} is active again.", email=changed.email))

    async def _set_active(self, active: bool) -> User:
        user = self._selected_user()
        async with self.ctx.db.session() as session:
            changed = await users.set_active(session, user.id, active, actor=self.ctx.actor)
            await session.commit()
        await self._refresh()
        return changed

    async def _reset_count(self) -> None:
        user = self._selected_user()
        async with self.ctx.db.session() as session:
            changed = await users.reset_daily_count(session, user.id, actor=self.ctx.actor)
            await session.commit()
        await self._refresh()
        self.status.ok(
            self.t._("Today's translation count of {email} is back to 0.", email=changed.email)
        )

    # handlers: API keys

    async def _create_key(self) -> None:
        user = self._selected_user()
        async with self.ctx.db.session() as session:
            created = await api_keys.create_api_key(
                session,
                user.id,
                actor=self.ctx.actor,
                name=self.key_name.value,
                scopes=list(self.key_scopes.value),
                expires_at=self._end_of(self.key_expiry.value),
            )
            prefix = created.record.prefix
            await session.commit()
        await self._refresh()
        self.key_name.value = ""
        self.key_expiry.value = None
        self.key_secret.value = shown_once(self.t, created.key)
        self.status.ok(
            self.t._(
                "API key {prefix} created for {email}. Copy it now: it will not be shown again.",
                prefix=prefix,
                email=user.email,
            )
        )

    def _ask_revoke(self, _button: widgets.Button) -> None:
        if self.key_select.value:
            self.revoke_confirm.layout.display = "flex"
        else:
            self.status.error(self.t._("Choose the key to revoke first."))

    async def _revoke_key(self) -> None:
        prefix = self.key_select.value
        if not prefix:
            raise InvalidInput(self.t._("Choose the key to revoke first."))
        async with self.ctx.db.session() as session:
            revoked = await api_keys.revoke_api_key(session, prefix, actor=self.ctx.actor)
            await session.commit()
        await self._refresh()
        self.status.ok(self.t._("API key {prefix} revoked.", prefix=revoked.prefix))

    # handlers: a new user

    async def _create_user(self) -> None:
        async with self.ctx.db.session() as session:
            created = await users.add_user(
                session,
                self.new_email.value,
                self.new_password.value,
                actor=self.ctx.actor,
                tier=self.new_tier.value,
                role=Role(self.new_role.value),
            )
            await session.commit()
        self.new_email.value = ""
        self.new_password.value = ""
        await self._select(created.id)
        self.status.ok(self.t._("User {email} created.", email=created.email))

    # showing

    def _set_tiers(self, tiers: list[Tier]) -> None:
        """Offer the tiers as they are now (admins may add some while the page is open)."""
        self.tiers = tiers
        options = [(self._tier_label(tier.name), tier.name) for tier in tiers]
        everything = [(self.t._("All tiers"), ""), *options]
        self._syncing = True  # filling the options is not the admin choosing a filter
        try:
            for dropdown, wanted in (
                (self.tier_filter, everything),
                (self.tier_choice, options),
                (self.new_tier, options),
            ):
                if list(dropdown.options) == wanted:
                    continue
                kept = dropdown.value
                dropdown.options = wanted
                names = [name for _label, name in wanted]
                dropdown.value = kept if kept in names else (names[0] if names else None)
        finally:
            self._syncing = False

    def _show_table(self) -> None:
        result = self.result
        if result is None:
            return
        t = self.t
        now = utcnow()
        headers = (
            t._("Email"),
            t._("Tier"),
            t._("Role"),
            t._("State"),
            t._("Translations today"),
            t._("Last sign-in"),
            t._("Created"),
        )
        rows = [
            (
                user.email,
                self._tier_text(user, now),
                t._(ROLE_NAMES[user.role]),
                t._("Active") if user.is_active else t._("Inactive"),
                t.number(self._translations_today(user, now)),
                t.when(user.last_login_at),
                t.when(user.created_at),
            )
            for user in result.users
        ]
        selected = {"class": "wb-selected", "style": "background:#eef4fb"}
        self.table.value = html_table(
            headers,
            rows,
            row_attributes=[
                selected if user.id == self.selected_id else None for user in result.users
            ],
            empty=t._("No user matches these filters."),
        )
        self.pager.value = html.escape(
            t._("Page {page} of {pages}", page=result.page, pages=result.pages)
            + " · "
            + t._("Users found: {count}", count=t.number(result.total))
        )
        self.previous_button.layout.visibility = "visible" if result.page > 1 else "hidden"
        self.next_button.layout.visibility = "visible" if result.page < result.pages else "hidden"
        ids = {user.id for user in result.users}
        self._syncing = True
        try:
            self.user_select.options = [(user.email, user.id) for user in result.users]
            self.user_select.value = self.selected_id if self.selected_id in ids else None
        finally:
            self._syncing = False

    async def _show_details(self, details: _Details | None) -> None:
        self.details = details
        if details is None:
            self.details_box.layout.display = "none"
            self.no_selection.layout.display = ""
            return
        t = self.t
        user = details.user
        now = utcnow()
        facts = (
            (t._("Email"), user.email),
            (t._("Tier"), self._tier_text(user, now)),
            (t._("Role"), t._(ROLE_NAMES[user.role])),
            (t._("State"), t._("Active") if user.is_active else t._("Inactive")),
            (t._("Translations today"), t.number(self._translations_today(user, now))),
            (t._("Last sign-in"), t.when(user.last_login_at)),
            (t._("Created"), t.when(user.created_at)),
        )
        self.summary.value = html_table((), [(Head(name), value) for name, value in facts])
        self.tier_choice.value = user.tier
        expires = user.subscription_expires_at
        self.tier_expiry.value = (
            self._last_day(expires) if expires and not subscription_expired(user, now) else None
        )
        self.role_choice.value = user.role.value
        self.deactivate_button.layout.display = "" if user.is_active else "none"
        self.activate_button.layout.display = "none" if user.is_active else ""
        if user.is_active:
            self.deactivate_confirm.layout.display = "none"
        self._show_keys(details.keys, now)
        await self._show_usage(details.usage)
        self.no_selection.layout.display = "none"
        self.details_box.layout.display = ""

    def _show_keys(self, keys: list[ApiKey], now: datetime) -> None:
        t = self.t
        if not keys:
            self.keys_table.value = _italic(t._("This user has no API key."))
        else:
            headers = (
                t._("Name"),
                t._("Prefix"),
                t._("Scopes"),
                t._("Created"),
                t._("Last used"),
                t._("Expires"),
                t._("Status"),
            )
            rows = []
            for key in keys:
                scopes = ", ".join(
                    t._(SCOPE_NAMES[ApiScope(scope)]) if scope in set(ApiScope) else scope
                    for scope in key.scopes
                )
                rows.append(
                    (
                        key.name,
                        key.prefix,
                        scopes,
                        t.when(key.created_at),
                        t.when(key.last_used_at),
                        t.when(key.expires_at),
                        t._(KEY_STATUS_NAMES[api_keys.key_status(key, now)]),
                    )
                )
            self.keys_table.value = html_table(headers, rows)
        revocable = [key for key in keys if key.revoked_at is None]
        self.key_select.options = [(f"{key.name} · {key.prefix}", key.prefix) for key in revocable]
        self.key_select.value = revocable[0].prefix if revocable else None
        self.revoke_button.disabled = not revocable
        if not revocable:
            self.revoke_confirm.layout.display = "none"

    async def _show_usage(self, usage: list[DayUsage]) -> None:
        drawn = tuple((day.day, day.translations, day.characters) for day in usage)
        if drawn == self._charted:
            return  # the same bars as on screen: most changes here do not touch usage
        self._charted = drawn
        await draw_usage(self.translations_chart, self.characters_chart, self.t, usage)

    # helpers

    def _selected_user(self) -> User:
        if self.details is None:
            raise InvalidInput(self.t._("Select a user first."))
        return self.details.user

    def _tier_label(self, name: str) -> str:
        for tier in self.tiers:
            if tier.name == name:
                return tier.label_fr if self.t.lang == "fr" else tier.label_en
        return name

    def _tier_text(self, user: User, now: datetime) -> str:
        label = self._tier_label(user.tier)
        expires = user.subscription_expires_at
        if expires is None:
            return label
        last_day = self.t.date(self._last_day(expires))
        if subscription_expired(user, now):
            return self.t._(
                "{tier} (ended {date}; now {current})",
                tier=label,
                date=last_day,
                current=self._tier_label(effective_tier(user, now)),
            )
        return self.t._("{tier} until {date}", tier=label, date=last_day)

    def _translations_today(self, user: User, now: datetime) -> int:
        today = quota_day(now, self.ctx.settings.quota_zone)
        # As the quota counts it: a count dated later (a worker's clock ahead) is today's.
        counted = user.daily_count_date is not None and user.daily_count_date >= today
        return user.daily_translation_count if counted else 0

    def _end_of(self, day: date | None) -> datetime | None:
        """The instant a period chosen "until ``day``" ends: the next local midnight."""
        return None if day is None else day_resets_at(day, self.ctx.settings.quota_zone)

    def _last_day(self, expires: datetime) -> date:
        """The last local day a period ending at ``expires`` covers (inverse of _end_of)."""
        zone = self.ctx.settings.quota_zone
        return (expires.astimezone(zone) - timedelta(microseconds=1)).date()


def _row(children: list[widgets.Widget]) -> widgets.HBox:
    return widgets.HBox(children, layout=widgets.Layout(flex_flow="row wrap", align_items="center"))


def _note(text: str) -> widgets.HTML:
    return widgets.HTML(_italic(text))


def _italic(text: str) -> str:
    return f"<i>{html.escape(text)}</i>"
