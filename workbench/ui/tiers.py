"""The Tiers & pricing dashboard: every tier in a table, a form to create, edit or delete
one, and a live preview of the public pricing page.

The form is checked field by field with the tier service's own parsers and validators,
so a bad value is explained under its field and nothing is written; saving and deleting
go through the service, which authorises and audits them. The preview shows the edited
values in place of the saved tier as the admin types, and keeps the last valid preview
while a field is wrong.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ipywidgets as widgets

from workbench.accounts import tiers
from workbench.accounts.tiers import TierChanges
from workbench.db.models import Tier
from workbench.errors import InvalidInput
from workbench.providers.registry import DEFAULT_PROVIDER, provider_names
from workbench.ui.component import Component, ask, confirm_row, yes_button
from workbench.ui.context import Context
from workbench.ui.tables import html_table, tag

NEW = ""  # the dropdown's value for "New tier": no tier name is empty
FIELD_STYLE = {"description_width": "14em"}
FIELD_LAYOUT = {"width": "32em"}
ERROR_STYLE = "color:#8a1c12;font-size:.85em;margin-left:14.5em"


@dataclass(frozen=True)
class TierRow:
    """One tier's values, detached from the database session."""

    name: str
    label_en: str
    label_fr: str
    monthly_price_cents: int
    currency: str
    daily_translation_limit: int | None
    monthly_character_limit: int | None
    requests_per_minute: int | None
    allowed_providers: tuple[str, ...]
    sort_order: int
    is_public: bool

    @classmethod
    def of(cls, tier: Tier) -> TierRow:
        return cls(
            name=tier.name,
            label_en=tier.label_en,
            label_fr=tier.label_fr,
            monthly_price_cents=tier.monthly_price_cents,
            currency=tier.currency,
            daily_translation_limit=tier.daily_translation_limit,
            monthly_character_limit=tier.monthly_character_limit,
            requests_per_minute=tier.requests_per_minute,
            allowed_providers=tuple(tier.allowed_providers),
            sort_order=tier.sort_order,
            is_public=tier.is_public,
        )


class TiersPage(Component):
    css_class = "wb-tiers"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        t = self.t
        self.tiers: dict[str, TierRow] = {}
        self.users: dict[str, int] = {}
        self._filling = False
        # build: the table
        self.table = widgets.HTML()
        # build: the form
        self.select = widgets.Dropdown(
            description=t._("Tier to edit"),
            options=[(t._("New tier"), NEW)],
            value=NEW,
            style=FIELD_STYLE,
            layout=FIELD_LAYOUT,
        )
        self.name = self._text(t._("Name"), t._("lower-case letters, digits, - or _"))
        self.label_en = self._text(t._("Label (English)"))
        self.label_fr = self._text(t._("Label (French)"))
        self.price = self._text(
            t._("Monthly price"), t._("e.g. {amount}", amount=self._decimal(999))
        )
        self.currency = self._text(t._("Currency"), "EUR")
        self.daily = self._text(t._("Translations per day"), t._("Unlimited"))
        self.monthly = self._text(t._("Characters per month"), t._("Unlimited"))
        self.rpm = self._text(t._("Requests per minute"), t._("Unlimited"))
        self.providers = {
            name: widgets.Checkbox(description=name, value=False, indent=False)
            for name in provider_names()
        }
        self.public = widgets.Checkbox(
            description=t._("Shown on the pricing page"), value=True, indent=False
        )
        self.sort_order = widgets.IntText(
            description=t._("Sort order"), value=0, style=FIELD_STYLE, layout=FIELD_LAYOUT
        )
        # a message under each field that is typed in (checkboxes cannot be mistyped)
        typed = [f for f in tiers.TIER_FIELDS if f not in ("allowed_providers", "is_public")]
        self.errors = {field: widgets.HTML() for field in ("name", *typed)}
        self.save = widgets.Button(description=t._("Save"), button_style="primary", icon="check")
        self.delete = widgets.Button(description=t._("Delete"), button_style="danger", icon="trash")
        self.delete_yes = yes_button(t._("Delete"))
        self.confirm, self.delete_no = confirm_row(self, "", self.delete_yes)
        self.question: widgets.HTML = self.confirm.children[0]
        # build: the preview
        self.preview = widgets.HTML()
        for control, css in (
            (self.select, "wb-tiers-select"),
            (self.name, "wb-tiers-name"),
            (self.label_en, "wb-tiers-label-en"),
            (self.label_fr, "wb-tiers-label-fr"),
            (self.price, "wb-tiers-price"),
            (self.currency, "wb-tiers-currency"),
            (self.daily, "wb-tiers-daily"),
            (self.monthly, "wb-tiers-monthly"),
            (self.rpm, "wb-tiers-rpm"),
            (self.public, "wb-tiers-public"),
            (self.sort_order, "wb-tiers-sort-order"),
            (self.save, "wb-tiers-save"),
            (self.delete, "wb-tiers-delete"),
            (self.delete_yes, "wb-tiers-delete-confirm"),
            (self.preview, "wb-tiers-preview"),
        ):
            control.add_class(css)
        for name, box in self.providers.items():
            box.add_class(f"wb-tiers-provider-{name}")
        for error in self.errors.values():
            error.add_class("wb-tiers-error")

        # layout
        def field(control: widgets.Widget, error: str) -> widgets.VBox:
            return widgets.VBox([control, self.errors[error]])

        provider_box = widgets.HBox(
            list(self.providers.values()), layout=widgets.Layout(flex_flow="row wrap")
        )
        provider_box.add_class("wb-tiers-providers")
        form = widgets.VBox(
            [
                self.select,
                field(self.name, "name"),
                field(self.label_en, "label_en"),
                field(self.label_fr, "label_fr"),
                field(self.price, "monthly_price_cents"),
                field(self.currency, "currency"),
                field(self.daily, "daily_translation_limit"),
                field(self.monthly, "monthly_character_limit"),
                field(self.rpm, "requests_per_minute"),
                widgets.HTML(tag("b", t._("Allowed providers"))),
                provider_box,
                self.public,
                field(self.sort_order, "sort_order"),
                widgets.HBox([self.save, self.delete]),
                self.confirm,
            ],
            layout=widgets.Layout(flex="1 1 34em"),
        )
        preview_box = widgets.VBox(
            [widgets.HTML(tag("h3", t._("Pricing page preview"))), self.preview],
            layout=widgets.Layout(flex="1 1 30em"),
        )
        self.widget = widgets.VBox(
            [
                widgets.HTML(tag("h3", t._("Tiers"))),
                self.table,
                widgets.HTML(tag("h3", t._("Create or edit a tier"))),
                self.status.widget,
                widgets.HBox([form, preview_box], layout=widgets.Layout(flex_flow="row wrap")),
            ]
        )
        self.widget.add_class(self.css_class)
        # wire
        self.select.observe(self._on_select, names="value")
        for control in (
            self.name,
            self.label_en,
            self.label_fr,
            self.price,
            self.currency,
            self.daily,
            self.monthly,
            self.rpm,
            self.public,
            self.sort_order,
            *self.providers.values(),
        ):
            control.observe(self._on_edit, names="value")
        self.save.on_click(self.tasks.on_click(self._save))
        self.delete.on_click(self._ask_delete)
        self.delete_yes.on_click(self.tasks.on_click(self._delete))

    async def load(self) -> None:
        if not self.ctx.is_admin:
            self.status.error(self.t._("This page is for admins only."))
            self.save.disabled = self.delete.disabled = True
            return
        await self._reload(select=None)

    # --- handlers ----------------------------------------------------------------------

    def _on_select(self, change: dict[str, Any]) -> None:
        if not self._filling:
            self.confirm.layout.display = "none"
            self._fill(change["new"])

    def _on_edit(self, _change: dict[str, Any]) -> None:
        if not self._filling:
            self._check_form()

    async def _save(self) -> None:
        name, changes, problems = self._check_form()
        if problems or changes is None:
            self.status.error(self.t._("The tier was not saved: correct the fields marked in red."))
            return
        async with self.ctx.db.session() as session:
            if self.select.value == NEW:
                await tiers.create_tier(session, name, actor=self.ctx.actor, **changes)
            else:
                await tiers.update_tier(session, name, actor=self.ctx.actor, **changes)
            await session.commit()
        await self._reload(select=name)
        self.status.ok(self.t._("The tier “{name}” was saved.", name=name))

    def _ask_delete(self, _button: widgets.Button) -> None:
        name = self.select.value
        if name == NEW:
            return
        question = self.t._("Delete the tier “{name}”? This cannot be undone.", name=name)
        ask(self.confirm, question)

    async def _delete(self) -> None:
        name = self.select.value
        if name == NEW:
            return
        async with self.ctx.db.session() as session:
            await tiers.delete_tier(session, name, actor=self.ctx.actor)
            await session.commit()
        await self._reload(select=None)
        self.status.ok(self.t._("The tier “{name}” was deleted.", name=name))

    # --- reading and showing -----------------------------------------------------------

    async def _reload(self, *, select: str | None) -> None:
        """Read the tiers again; show ``select`` in the form (else the first tier)."""
        async with self.ctx.db.session() as session:
            rows = [TierRow.of(tier) for tier in await tiers.list_tiers(session)]
            self.users = await tiers.users_per_tier(session)
        self.tiers = {row.name: row for row in rows}
        self.table.value = self._table_html(rows)
        wanted = select if select in self.tiers else rows[0].name if rows else NEW
        options = [(f"{self._label(row)} ({row.name})", row.name) for row in rows]
        self._filling = True
        try:
            self.select.options = [*options, (self.t._("New tier"), NEW)]
            self.select.value = wanted
        finally:
            self._filling = False
        self._fill(wanted)

    def _fill(self, name: str) -> None:
        """Put tier ``name`` (or a blank new tier) in the form, then check it."""
        row = self.tiers.get(name)
        self._filling = True
        try:
            self.name.disabled = row is not None
            self.delete.disabled = row is None
            if row is None:
                next_order = max((r.sort_order for r in self.tiers.values()), default=-1) + 1
                row = TierRow(
                    name="",
                    label_en="",
                    label_fr="",
                    monthly_price_cents=0,
                    currency="EUR",
                    daily_translation_limit=None,
                    monthly_character_limit=None,
                    requests_per_minute=None,
                    allowed_providers=(DEFAULT_PROVIDER,),
                    sort_order=next_order,
                    is_public=True,
                )
            self.name.value = row.name
            self.label_en.value = row.label_en
            self.label_fr.value = row.label_fr
            self.price.value = self._decimal(row.monthly_price_cents)
            self.currency.value = row.currency
            self.daily.value = _limit_text(row.daily_translation_limit)
            self.monthly.value = _limit_text(row.monthly_character_limit)
            self.rpm.value = _limit_text(row.requests_per_minute)
            for provider, box in self.providers.items():
                box.value = provider in row.allowed_providers
            self.public.value = row.is_public
            self.sort_order.value = row.sort_order
        finally:
            self._filling = False
        self.preview.value = self._preview_html()
        self._check_form(show_missing=False)

    def _check_form(
        self, *, show_missing: bool = True
    ) -> tuple[str, TierChanges | None, dict[str, str]]:
        """The form as (name, changes, problems by field); shows the problems under their
        fields, and refreshes the preview when there are none."""
        t = self.t
        problems: dict[str, str] = {}
        values: dict[str, Any] = {}
        new = self.select.value == NEW
        name = self.select.value
        if new:
            try:
                name = tiers.validate_tier_name(self.name.value)
            except InvalidInput:
                problems["name"] = t._(
                    "Enter 1 to 32 lower-case letters, digits, “-” or “_”, "
                    "starting with a letter or digit."
                )
            else:
                if name in self.tiers:
                    problems["name"] = t._("A tier with this name already exists.")

        def check(field: str, parse: Callable[[], Any], hint: str) -> None:
            try:
                value = parse()
                values.update(tiers.validate_tier_changes({field: value}))
            except InvalidInput:
                problems[field] = hint

        label_hint = t._(
            "Enter a label of at most {n} characters on one line.", n=tiers.LABEL_LENGTH
        )
        check("label_en", lambda: self.label_en.value, label_hint)
        check("label_fr", lambda: self.label_fr.value, label_hint)
        check(
            "monthly_price_cents",
            lambda: tiers.parse_price(self._decimal_text(self.price.value)),
            t._(
                "Enter an amount such as {amount}: not negative, at most two decimals.",
                amount=self._decimal(999),
            ),
        )
        check(
            "currency",
            lambda: self.currency.value,
            t._("Enter a three-letter currency code such as EUR."),
        )
        limit_hint = t._("Enter a whole number, or leave blank for unlimited.")
        check("daily_translation_limit", lambda: self._limit(self.daily.value), limit_hint)
        check("monthly_character_limit", lambda: self._limit(self.monthly.value), limit_hint)
        check(
            "requests_per_minute",
            lambda: self._limit(self.rpm.value),
            t._("Enter a whole number of at least 1, or leave blank for unlimited."),
        )
        check(
            "sort_order",
            lambda: self.sort_order.value,
            t._("Enter a whole number."),
        )
        values["allowed_providers"] = [p for p, box in self.providers.items() if box.value]
        values["is_public"] = self.public.value
        if not show_missing and new:
            # a blank new tier is not wrong yet: say nothing until the admin types or saves
            problems = {}
        for field, error in self.errors.items():
            message = problems.get(field, "")
            error.value = (
                f'<div style="{ERROR_STYLE}" role="alert">{html.escape(message)}</div>'
                if message
                else ""
            )
        if problems or (not show_missing and new):
            return name, None, problems
        changes: TierChanges = {
            "label_en": values["label_en"],
            "label_fr": values["label_fr"],
            "monthly_price_cents": values["monthly_price_cents"],
            "currency": values["currency"],
            "daily_translation_limit": values["daily_translation_limit"],
            "monthly_character_limit": values["monthly_character_limit"],
            "requests_per_minute": values["requests_per_minute"],
            "allowed_providers": values["allowed_providers"],
            "sort_order": values["sort_order"],
            "is_public": values["is_public"],
        }
        edited = TierRow(
            name=name,
            label_en=changes["label_en"],
            label_fr=changes["label_fr"],
            monthly_price_cents=changes["monthly_price_cents"],
            currency=changes["currency"],
            daily_translation_limit=changes["daily_translation_limit"],
            monthly_character_limit=changes["monthly_character_limit"],
            requests_per_minute=changes["requests_per_minute"],
            allowed_providers=tuple(changes["allowed_providers"]),
            sort_order=changes["sort_order"],
            is_public=changes["is_public"],
        )
        self.preview.value = self._preview_html(edited)
        return name, changes, problems

    def _preview_html(self, edited: TierRow | None = None) -> str:
        """The public pricing page: ``edited`` in place of the saved tier of its name."""
        rows = dict(self.tiers)
        if edited is not None:
            rows[edited.name] = edited
        public = sorted(
            (row for row in rows.values() if row.is_public), key=lambda r: (r.sort_order, r.name)
        )
        if not public:
            return (
                "<p>"
                + html.escape(self.t._("No tier is public: the pricing page is empty."))
                + "</p>"
            )
        return '<div class="wb-cards">' + "".join(self._card(row) for row in public) + "</div>"

    def _card(self, row: TierRow) -> str:
        t = self.t
        e = html.escape
        lines = [
            t._("Unlimited translations per day")
            if row.daily_translation_limit is None
            else t._("{n} translations per day", n=t.number(row.daily_translation_limit)),
            t._("Unlimited characters per month")
            if row.monthly_character_limit is None
            else t._("{n} characters per month", n=t.number(row.monthly_character_limit)),
            t._("No request limit per minute")
            if row.requests_per_minute is None
            else t._("{n} requests per minute", n=t.number(row.requests_per_minute)),
            t._("Providers: {names}", names=", ".join(row.allowed_providers))
            if row.allowed_providers
            else t._("No provider"),
        ]
        items = "".join(f"<li>{e(line)}</li>" for line in lines)
        per_month = t._("per month")
        return (
            f'<div class="wb-card" data-tier="{e(row.name)}"><h3>{e(self._label(row))}</h3>'
            f'<div><span class="wb-price">{e(self._money(row))}</span> {e(per_month)}'
            f"</div><ul>{items}</ul></div>"
        )

    def _table_html(self, rows: list[TierRow]) -> str:
        t = self.t
        headers = (
            t._("Name"),
            t._("Label (English)"),
            t._("Label (French)"),
            t._("Monthly price"),
            t._("Translations per day"),
            t._("Characters per month"),
            t._("Allowed providers"),
            t._("Requests per minute"),
            t._("Public"),
            t._("Sort order"),
            t._("Users"),
        )
        cells = [
            (
                row.name,
                row.label_en,
                row.label_fr,
                self._money(row),
                self._count(row.daily_translation_limit),
                self._count(row.monthly_character_limit),
                ", ".join(row.allowed_providers),
                self._count(row.requests_per_minute),
                t._("Yes") if row.is_public else t._("No"),
                t.number(row.sort_order),
                t.number(self.users.get(row.name, 0)),
            )
            for row in rows
        ]
        return html_table(headers, cells, css_class="wb-tiers-table")

    # --- helpers -----------------------------------------------------------------------

    def _text(self, description: str, placeholder: str = "") -> widgets.Text:
        return widgets.Text(
            description=description,
            placeholder=placeholder,
            style=FIELD_STYLE,
            layout=FIELD_LAYOUT,
            continuous_update=True,
        )

    def _label(self, row: TierRow) -> str:
        return row.label_fr if self.t.lang == "fr" else row.label_en

    def _money(self, row: TierRow) -> str:
        return self.t.money(Decimal(row.monthly_price_cents) / 100, row.currency)

    def _count(self, limit: int | None) -> str:
        return self.t._("Unlimited") if limit is None else self.t.number(limit)

    def _decimal(self, cents: int) -> str:
        """An amount as the admin types it: 9.99, or 9,99 in French."""
        text = f"{Decimal(cents) / 100:.2f}"
        return text.replace(".", ",") if self.t.lang == "fr" else text

    def _decimal_text(self, text: str) -> str:
        """What the admin typed, with the decimal comma French uses read as a point."""
        return text.replace(",", ".") if self.t.lang == "fr" else text

    def _limit(self, text: str) -> int | None:
        """A limit as typed: blank or "Unlimited" (in either language) for no limit."""
        words = text.strip().lower()
        if not words or words == self.t._("Unlimited").lower():
            return None
        return tiers.parse_limit(text)


def _limit_text(limit: int | None) -> str:
    return "" if limit is None else str(limit)
