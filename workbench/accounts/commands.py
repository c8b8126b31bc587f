"""The ``workbench users``, ``keys`` and ``tiers`` commands, and ``init --admin-email``.

Each command is one transaction against the configured database, acting as the machine's
operator (audited as ``cli:<login name>``). Our errors reach :func:`workbench.cli.main`,
which prints them as one line with the exit code of DESIGN §3.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

import click
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts import api_keys, passwords, tiers, users
from workbench.accounts.audit import Actor
from workbench.accounts.quotas import get_allowance
from workbench.accounts.subscriptions import effective_tier
from workbench.accounts.tiers import TierChanges, format_limit, format_price
from workbench.cli_support import in_transaction, run
from workbench.config import get_settings
from workbench.db.base import utcnow
from workbench.db.models import Role, User
from workbench.errors import AlreadyExists, InvalidInput
from workbench.providers.registry import provider_names

T = TypeVar("T")
GENERATED_PASSWORD_BYTES = 15  # 20 URL-safe characters


# --- passwords from the operator --------------------------------------------------------


def read_password_stdin() -> str:
    """The first line of standard input, without its line ending."""
    text = sys.stdin.read()
    return text.splitlines()[0] if text else ""


def prompt_password(email: str) -> str:
    def checked(value: str) -> str:
        try:
            passwords.check_password(value, email=email)
        except InvalidInput as error:
            raise click.UsageError(str(error)) from error
        return value

    value: str = click.prompt(
        f"Password for {email}",
        hide_input=True,
        confirmation_prompt=True,
        value_proc=checked,
    )
    return value


def choose_password(email: str, *, from_stdin: bool, preset: str | None = None) -> tuple[str, bool]:
    """The password to set and whether it was generated (and must be shown once).

    In order: standard input when asked, a preset (``WORKBENCH_ADMIN_PASSWORD``), a prompt
    when a person is at the terminal, else a generated one.
    """
    if from_stdin:
        return read_password_stdin(), False
    if preset is not None:
        return preset, False
    if sys.stdin.isatty():
        return prompt_password(email), False
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES), True


def show_generated(email: str, password: str) -> None:
    click.echo(f"Generated password for {email} (shown once, store it now): {password}")


# --- parsing ------------------------------------------------------------------------------


def parse_instant(text: str, option: str) -> datetime:
    """``2027-01-31`` (midnight UTC) or an ISO date-time (UTC unless it names an offset)."""
    value = text.strip()
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(0), tzinfo=UTC)
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{option} must be a date such as 2027-01-31 or an ISO date-time, not {text!r}"
        ) from None
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


def _when(instant: datetime | None, empty: str = "-") -> str:
    return empty if instant is None else instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [len(header) for header in headers]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    lines = [headers, ["-" * width for width in widths], *rows]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


# --- workbench init --admin-email --------------------------------------------------------


def ensure_admin(email: str) -> None:
    """Make ``email`` an active admin, creating the account if needed; safe to repeat."""
    address = users.validate_email(email)
    actor = Actor.cli()

    async def existing(session: AsyncSession) -> User | None:
        return await session.scalar(select(User).where(User.email == address))

    user = run(in_transaction(existing))
    if user is not None:
        if user.role is Role.ADMIN and user.is_active:
            click.echo(f"Admin {address} already exists; its password is unchanged.")
            return

        async def promote(session: AsyncSession) -> None:
            await users.set_role(session, address, Role.ADMIN, actor=actor)
            await users.set_active(session, address, True, actor=actor)

        run(in_transaction(promote))
        click.echo(f"{address} is now an active admin; its password is unchanged.")
        return

    preset = get_settings().admin_password
    password, generated = choose_password(
        address,
        from_stdin=False,
        preset=preset.get_secret_value() if preset is not None else None,
    )

    async def create(session: AsyncSession) -> User:
        return await users.add_user(session, address, password, actor=actor, role=Role.ADMIN)

    try:
        run(in_transaction(create))
    except AlreadyExists:  # created by a concurrent `init`: the same outcome
        click.echo(f"Admin {address} already exists; its password is unchanged.")
        return
    click.echo(f"Created admin {address}.")
    if generated:
        show_generated(address, password)


# --- workbench users ----------------------------------------------------------------------


@click.group(name="users")
def users_group() -> None:
    """Add, list and change user accounts."""


@users_group.command(name="add")
@click.argument("email")
@click.option("--tier", default=None, help="Tier name (default: free).")
@click.option("--admin", is_flag=True, help="Make the user an admin.")
@click.option("--expires", default=None, help="Subscription end, e.g. 2027-01-31 (UTC).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_add(
    email: str, tier: str | None, admin: bool, expires: str | None, password_stdin: bool
) -> None:
    """Add a user. Without --password-stdin: prompted on a terminal, else generated."""
    address = users.validate_email(email)
    expires_at = parse_instant(expires, "--expires") if expires is not None else None

    async def check(session: AsyncSession) -> None:
        # Before asking for a password: refuse an unknown tier or a taken email at once.
        if tier is not None:
            await tiers.get_tier(session, tier)
        if await session.scalar(select(User.id).where(User.email == address)) is not None:
            raise AlreadyExists(f"a user with the email {address} already exists")

    run(in_transaction(check))
    password, generated = choose_password(address, from_stdin=password_stdin)
    role = Role.ADMIN if admin else Role.TRANSLATOR

    async def add(session: AsyncSession) -> User:
        return await users.add_user(
            session,
            address,
            password,
            actor=Actor.cli(),
            tier=tier,
            role=role,
            expires_at=expires_at,
        )

    user = run(in_transaction(add))
    click.echo(f"Added {user.email} ({user.role.value}, tier {user.tier}).")
    if generated:
        show_generated(user.email, password)


@users_group.command(name="list")
@click.option("--search", default=None, help="Part of the email address.")
@click.option("--tier", default=None, help="Only users on this tier.")
@click.option("--role", type=click.Choice([role.value for role in Role]), default=None)
@click.option("--active/--inactive", "active", default=None, help="Only (in)active users.")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option(
    "--page-size", type=click.IntRange(1, users.MAX_PAGE_SIZE), default=50, show_default=True
)
def users_list(
    search: str | None,
    tier: str | None,
    role: str | None,
    active: bool | None,
    page: int,
    page_size: int,
) -> None:
    """List users, filtered and paginated in the database."""

    async def work(session: AsyncSession) -> users.UserPage:
        if tier is not None:
            await tiers.get_tier(session, tier)
        return await users.search_users(
            session,
            email_contains=search,
            tier=tier,
            role=Role(role) if role else None,
            active=active,
            page=page,
            page_size=page_size,
        )

    result = run(in_transaction(work))
    now = utcnow()
    rows = [
        [
            user.email,
            user.role.value,
            _tier_cell(user, now),
            "yes" if user.is_active else "no",
            _when(user.last_login_at, "never"),
        ]
        for user in result.users
    ]
    if rows:
        click.echo(table(["EMAIL", "ROLE", "TIER", "ACTIVE", "LAST LOGIN"], rows))
    click.echo(
        f"{result.total} user(s); page {result.page} of {result.pages}"
        if result.total
        else "No users match."
    )


def _tier_cell(user: User, now: datetime) -> str:
    applies = effective_tier(user, now)
    if applies != user.tier:
        return f"{applies} ({user.tier} expired {_when(user.subscription_expires_at)})"
    if user.subscription_expires_at is not None:
        return f"{user.tier} (until {_when(user.subscription_expires_at)})"
    return user.tier


@users_group.command(name="show")
@click.argument("email")
def users_show(email: str) -> None:
    """Show one user: tier, subscription, today's and this month's usage, keys."""

    async def work(session: AsyncSession) -> tuple[User, Any, list[Any]]:
        user = await users.get_user(session, email)
        allowance = await get_allowance(session, user.id)
        return user, allowance, await api_keys.list_api_keys(session, user.id)

    user, allowance, keys = run(in_transaction(work))
    lines = [
        ("email", user.email),
        ("role", user.role.value),
        ("active", "yes" if user.is_active else "no"),
        ("tier", _tier_cell(user, utcnow())),
        (
            "translations today",
            f"{allowance.translations_used:,} of {format_limit(allowance.translation_limit)}",
        ),
        (
            "characters this month",
            f"{allowance.characters_used:,} of {format_limit(allowance.character_limit)}",
        ),
        ("API keys", str(len(keys))),
        ("last login", _when(user.last_login_at, "never")),
        ("created", _when(user.created_at)),
    ]
    for label, value in lines:
        click.echo(f"{label + ':':<23}{value}")


@users_group.command(name="set-tier")
@click.argument("email")
@click.argument("tier")
@click.option("--expires", default=None, help="Subscription end, e.g. 2027-01-31 (UTC).")
def users_set_tier(email: str, tier: str, expires: str | None) -> None:
    """Put a user on a tier (optionally until a date, then back to free)."""
    expires_at = parse_instant(expires, "--expires") if expires is not None else None

    async def work(session: AsyncSession) -> User:
        return await users.set_tier(session, email, tier, actor=Actor.cli(), expires_at=expires_at)

    user = run(in_transaction(work))
    until = f" until {_when(user.subscription_expires_at)} UTC" if expires_at else ""
    click.echo(f"{user.email} is now on the {user.tier} tier{until}.")


@users_group.command(name="set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([role.value for role in Role]))
def users_set_role(email: str, role: str) -> None:
    """Make a user an admin or a translator."""

    async def work(session: AsyncSession) -> User:
        return await users.set_role(session, email, Role(role), actor=Actor.cli())

    user = run(in_transaction(work))
    click.echo(f"{user.email} is now {user.role.value}.")


@users_group.command(name="set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_set_password(email: str, password_stdin: bool) -> None:
    """Set a user's password. Without --password-stdin: prompted on a terminal, else generated."""

    async def find(session: AsyncSession) -> User:
        return await users.get_user(session, email)

    address = run(in_transaction(find)).email
    password, generated = choose_password(address, from_stdin=password_stdin)

    async def work(session: AsyncSession) -> User:
        return await users.set_password(session, address, password, actor=Actor.cli())

    run(in_transaction(work))
    click.echo(f"Password of {address} changed.")
    if generated:
        show_generated(address, password)


def _set_active(email: str, active: bool) -> None:
    async def work(session: AsyncSession) -> User:
        return await users.set_active(session, email, active, actor=Actor.cli())

    user = run(in_transaction(work))
    click.echo(f"{user.email} is now {'active' if active else 'deactivated'}.")


@users_group.command(name="deactivate")
@click.argument("email")
def users_deactivate(email: str) -> None:
    """Stop a user from signing in and using API keys (nothing is deleted)."""
    _set_active(email, False)


@users_group.command(name="activate")
@click.argument("email")
def users_activate(email: str) -> None:
    """Let a deactivated user in again."""
    _set_active(email, True)


@users_group.command(name="reset-count")
@click.argument("email")
def users_reset_count(email: str) -> None:
    """Give a user today's translations back."""

    async def work(session: AsyncSession) -> User:
        return await users.reset_daily_count(session, email, actor=Actor.cli())

    user = run(in_transaction(work))
    click.echo(f"Today's translation count of {user.email} is back to 0.")


@users_group.command(name="delete")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def users_delete(email: str, yes: bool) -> None:
    """Delete a user and their API keys; their usage history stays, anonymised."""
    if not yes:
        click.confirm(f"Delete {email} and their API keys?", abort=True)

    async def work(session: AsyncSession) -> None:
        await users.delete_user(session, email, actor=Actor.cli())

    run(in_transaction(work))
    click.echo(f"Deleted {email.strip().lower()}.")


# --- workbench keys -----------------------------------------------------------------------


@click.group(name="keys")
def keys_group() -> None:
    """Create, list and revoke API keys."""


@keys_group.command(name="create")
@click.argument("email")
@click.option("--name", default="default", show_default=True, help="A label for the key.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    help=f"Repeat for several ({', '.join(s.value for s in api_keys.ApiScope)}); "
    "default: translate.",
)
@click.option(
    "--expires-days", type=click.IntRange(min=1), default=None, help="Expire after N days."
)
@click.option(
    "--provider",
    default=None,
    metavar="NAME",
    help="Pin the provider that serves this key's API requests (one the user's tier "
    f"allows: {', '.join(provider_names())}); default: the admin's default provider.",
)
@click.option(
    "--model",
    default=None,
    metavar="MODEL",
    help="Pin the provider's model too (needs --provider); default: the provider's default.",
)
@click.option(
    "--rate",
    "requests_per_minute",
    type=int,
    default=None,
    metavar="N",
    help="This key's own limit in requests per minute "
    f"({api_keys.MIN_KEY_RATE}-{api_keys.MAX_KEY_RATE}), beside the tier's; "
    "default: the tier's limit only.",
)
def keys_create(
    email: str,
    name: str,
    scopes: tuple[str, ...],
    expires_days: int | None,
    provider: str | None,
    model: str | None,
    requests_per_minute: int | None,
) -> None:
    """Create an API key for a user; the key is printed once and cannot be shown again."""
    expires_at = utcnow() + timedelta(days=expires_days) if expires_days else None

    async def work(session: AsyncSession) -> api_keys.CreatedKey:
        return await api_keys.create_api_key(
            session,
            email,
            actor=Actor.cli(),
            name=name,
            scopes=scopes or api_keys.DEFAULT_SCOPES,
            expires_at=expires_at,
            provider=provider,
            model=model,
            requests_per_minute=requests_per_minute,
        )

    created = run(in_transaction(work))
    row = created.record
    click.echo(
        f"Created API key {row.prefix} ({row.name!r}, scopes: {', '.join(row.scopes)}"
        + (f", provider {row.provider}" if row.provider else "")
        + (f", model {row.model}" if row.model else "")
        + (f", {row.requests_per_minute} requests per minute" if row.requests_per_minute else "")
        + (f", expires {_when(row.expires_at)} UTC" if row.expires_at else "")
        + "). It is shown once; store it now:"
    )
    click.echo(created.key)


@keys_group.command(name="list")
@click.argument("email")
def keys_list(email: str) -> None:
    """List a user's API keys (prefixes only; the keys themselves are never stored)."""

    async def work(session: AsyncSession) -> list[Any]:
        return await api_keys.list_api_keys(session, email)

    rows = run(in_transaction(work))
    if not rows:
        click.echo(f"{email.strip().lower()} has no API keys.")
        return
    now = utcnow()
    click.echo(
        table(
            ["PREFIX", "NAME", "SCOPES", "STATUS", "CREATED", "LAST USED", "EXPIRES"],
            [
                [
                    key.prefix,
                    key.name,
                    ",".join(key.scopes),
                    api_keys.key_status(key, now).value,
                    _when(key.created_at),
                    _when(key.last_used_at, "never"),
                    _when(key.expires_at, "never"),
                ]
                for key in rows
            ],
        )
    )


@keys_group.command(name="revoke")
@click.argument("prefix")
def keys_revoke(prefix: str) -> None:
    """Revoke an API key by its prefix (wb_…); it stops working at once, for good."""

    async def work(session: AsyncSession) -> Any:
        return await api_keys.revoke_api_key(session, prefix, actor=Actor.cli())

    row = run(in_transaction(work))
    click.echo(f"API key {row.prefix} is revoked (since {_when(row.revoked_at)} UTC).")


# --- workbench tiers ----------------------------------------------------------------------


@click.group(name="tiers")
def tiers_group() -> None:
    """List and edit tiers: prices, limits, allowed providers."""


@tiers_group.command(name="list")
def tiers_list() -> None:
    """List tiers with their price and limits."""

    async def work(session: AsyncSession) -> tuple[list[Any], dict[str, int]]:
        return await tiers.list_tiers(session), await tiers.users_per_tier(session)

    rows, counts = run(in_transaction(work))
    click.echo(
        table(
            [
                "NAME",
                "LABEL (EN / FR)",
                "PRICE",
                "DAILY",
                "MONTHLY CHARS",
                "RPM",
                "PROVIDERS",
                "USERS",
            ],
            [
                [
                    tier.name + ("" if tier.is_public else " (hidden)"),
                    f"{tier.label_en} / {tier.label_fr}",
                    format_price(tier.monthly_price_cents, tier.currency),
                    format_limit(tier.daily_translation_limit),
                    format_limit(tier.monthly_character_limit),
                    format_limit(tier.requests_per_minute),
                    ",".join(tier.allowed_providers) or "-",
                    str(counts.get(tier.name, 0)),
                ]
                for tier in rows
            ],
        )
    )


@tiers_group.command(name="set")
@click.argument("name")
@click.option("--daily-limit", default=None, help="Translations per day, or 'none'.")
@click.option("--monthly-chars", default=None, help="Characters per month, or 'none'.")
@click.option("--price", default=None, help="Monthly price, e.g. 9.99.")
@click.option("--currency", default=None, help="ISO 4217 code, e.g. EUR.")
@click.option("--providers", default=None, help="Allowed providers, comma-separated.")
@click.option("--rpm", default=None, help="Requests per minute, or 'none'.")
@click.option("--label-en", default=None, help="English label.")
@click.option("--label-fr", default=None, help="French label.")
@click.option("--public/--hidden", "public", default=None, help="Show on the pricing page.")
def tiers_set(
    name: str,
    daily_limit: str | None,
    monthly_chars: str | None,
    price: str | None,
    currency: str | None,
    providers: str | None,
    rpm: str | None,
    label_en: str | None,
    label_fr: str | None,
    public: bool | None,
) -> None:
    """Change a tier, or create it when it does not exist ('none' = unlimited)."""
    changes: TierChanges = {}
    if daily_limit is not None:
        changes["daily_translation_limit"] = tiers.parse_limit(daily_limit, "--daily-limit")
    if monthly_chars is not None:
        changes["monthly_character_limit"] = tiers.parse_limit(monthly_chars, "--monthly-chars")
    if rpm is not None:
        changes["requests_per_minute"] = tiers.parse_limit(rpm, "--rpm")
    if price is not None:
        changes["monthly_price_cents"] = tiers.parse_price(price)
    if currency is not None:
        changes["currency"] = currency
    if providers is not None:
        changes["allowed_providers"] = [p for p in providers.split(",") if p.strip()]
    if label_en is not None:
        changes["label_en"] = label_en
    if label_fr is not None:
        changes["label_fr"] = label_fr
    if public is not None:
        changes["is_public"] = public

    async def work(session: AsyncSession) -> tuple[Any, bool]:
        return await tiers.save_tier(session, name, actor=Actor.cli(), **changes)

    tier, created = run(in_transaction(work))
    click.echo(
        f"{'Created' if created else 'Updated'} tier {tier.name}: "
        f"{format_price(tier.monthly_price_cents, tier.currency)}/month, "
        f"{format_limit(tier.daily_translation_limit)} translations/day, "
        f"{format_limit(tier.monthly_character_limit)} characters/month, "
        f"{format_limit(tier.requests_per_minute)} requests/minute, "
        f"providers: {', '.join(tier.allowed_providers) or 'none'}."
    )


@tiers_group.command(name="delete")
@click.argument("name")
def tiers_delete(name: str) -> None:
    """Delete a tier that no user is on."""

    async def work(session: AsyncSession) -> None:
        await tiers.delete_tier(session, name, actor=Actor.cli())

    run(in_transaction(work))
    click.echo(f"Deleted tier {name.strip().lower()}.")
