"""Users: create, look up, search, and the admin changes to an account.

Services take the caller's ``AsyncSession`` and never commit: the caller does, so a
change and its audit entry land together. Services that read before they write open the
transaction as a writer (``BEGIN IMMEDIATE`` on SQLite) when the caller has none open.
Slow work (password hashing) happens before any transaction starts.

A user is named by a :data:`UserRef`: their id, or their email in any case.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from workbench.accounts._transactions import begin_if_idle
from workbench.accounts.audit import Actor, AuditAction, TargetType, record, snapshot
from workbench.accounts.passwords import MAX_LENGTH, check_password, hash_password, verify_password
from workbench.accounts.tiers import DEFAULT_TIER, get_tier
from workbench.db.base import utcnow
from workbench.db.integrity import violates_unique
from workbench.db.models import Language, Role, User, normalise_email
from workbench.errors import AlreadyExists, AuthenticationFailed, InvalidInput, NotFound

UserRef = uuid.UUID | str
MAX_EMAIL_LENGTH = 254  # the longest address SMTP can carry (RFC 5321)
MAX_PAGE_SIZE = 500
USER_FIELDS = ("email", "tier", "role", "is_active", "subscription_expires_at")
WRONG_CURRENT_PASSWORD = "the current password is wrong; nothing was changed"  # noqa: S105

_LOCAL_PART = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")
_DOMAIN_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\Z")


def validate_email(email: str) -> str:
    """The address normalised (trimmed, lower-case, punycode domain), or :class:`InvalidInput`."""
    value = normalise_email(email) if isinstance(email, str) else ""
    local, at, domain = value.rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        domain = ""
    labels = domain.split(".")
    valid = (
        bool(at)
        and 0 < len(local) <= 64
        and _LOCAL_PART.match(local) is not None
        and len(labels) >= 2
        and all(_DOMAIN_LABEL.match(label) for label in labels)
        and not labels[-1].isdigit()
        and len(local) + 1 + len(domain) <= MAX_EMAIL_LENGTH
    )
    if not valid:
        shown = email if isinstance(email, str) and len(email) <= 80 else "this value"
        raise InvalidInput(f"{shown!r} is not a valid email address; expected name@example.org")
    return f"{local}@{domain}"


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    hashed_password: str,
    tier: str | None = None,
    role: Role = Role.TRANSLATOR,
) -> User:
    """Insert an account from an existing argon2 hash (imports, seeds); no audit entry.

    People-facing code uses :func:`add_user`, which checks the password policy, hashes it
    and records who added the account. The email is unique case-insensitively.
    """
    user = User(email=validate_email(email), hashed_password=hashed_password, role=role)
    if tier is not None:
        user.tier = tier
    try:
        async with session.begin_nested():
            session.add(user)
    except IntegrityError as error:
        if violates_unique(error, User, "uq_users_email"):
            raise AlreadyExists(f"a user with the email {user.email} already exists") from error
        raise
    return user


async def add_user(
    session: AsyncSession,
    email: str,
    password: str,
    *,
    actor: Actor,
    tier: str | None = None,
    role: Role = Role.TRANSLATOR,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> User:
    """Create an account with a password that meets the policy; audited."""
    role = parse_role(role)
    address = validate_email(email)
    hashed = await hash_password(password, email=address)
    now = now or utcnow()
    tier_name = DEFAULT_TIER if tier is None else tier
    _check_expiry(tier_name, expires_at, now)
    await begin_if_idle(session)
    actor = await actor.authorize(session, admin=True)
    tier_row = await get_tier(session, tier_name)
    user = await create_user(
        session, email=address, hashed_password=hashed, tier=tier_row.name, role=role
    )
    if tier_row.name != DEFAULT_TIER:
        user.subscription_started_at = now
        user.subscription_expires_at = expires_at
        await session.flush()
    await record(
        session,
        actor=actor,
        action=AuditAction.USER_CREATE,
        target_type=TargetType.USER,
        target_id=user.email,
        after=snapshot(user, USER_FIELDS),
        now=now,
    )
    return user


async def get_user(session: AsyncSession, ref: UserRef) -> User:
    """The user with this id, or with this email in any case; :class:`NotFound` otherwise."""
    if isinstance(ref, uuid.UUID):
        user = await session.get(User, ref)
        if user is None:
            raise NotFound(f"no user with the id {ref}")
        return user
    return await get_user_by_email(session, ref)


async def get_user_by_email(session: AsyncSession, email: str) -> User:
    address = normalise_email(email)
    # Stored emails are printable ASCII: anything else names no one (and a NUL would not
    # even reach PostgreSQL).
    user = None
    if _could_be_stored(address):
        user = await session.scalar(select(User).where(User.email == address))
    if user is None:
        shown = address if len(address) <= 80 and address.isprintable() else "given"
        raise NotFound(f"no user with the email {shown}")
    return user


@dataclass(frozen=True)
class UserPage:
    users: list[User]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


async def search_users(
    session: AsyncSession,
    *,
    email_contains: str | None = None,
    tier: str | None = None,
    role: Role | None = None,
    active: bool | None = None,
    page: int = 1,
    page_size: int = 50,
) -> UserPage:
    """One page of users ordered by email, filtered in the database, with the total count."""
    if page < 1:
        raise InvalidInput(f"page must be 1 or more, not {page}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"page size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}")
    conditions: list[ColumnElement[bool]] = []
    needle = normalise_email(email_contains or "")
    tier_name = tier.strip().lower() if tier is not None else None
    if not _could_be_stored(needle) or (tier_name is not None and not _could_be_stored(tier_name)):
        return UserPage(users=[], total=0, page=page, page_size=page_size)
    if needle:
        conditions.append(_email_contains(session, needle))
    if tier_name is not None:
        conditions.append(User.tier == tier_name)
    if role is not None:
        conditions.append(User.role == role)
    if active is not None:
        conditions.append(User.is_active == active)
    # One pass over narrow rows (the index on tier, is_active, email, id covers them) finds
    # the page's ids and counts every match; then only the page's users are loaded.
    window = (
        select(User.id, func.count().over().label("total"))
        .where(*conditions)
        .order_by(User.email)
        .limit(page_size)
        .offset((page - 1) * page_size)
        .subquery()
    )
    rows = (
        await session.execute(
            select(User, window.c.total).join(window, User.id == window.c.id).order_by(User.email)
        )
    ).all()
    if rows:
        total = rows[0].total
    elif page > 1:  # past the last page: no row carries the count
        total = await session.scalar(select(func.count()).select_from(User).where(*conditions))
    else:
        total = 0
    return UserPage(
        users=[row.User for row in rows], total=total or 0, page=page, page_size=page_size
    )


async def set_tier(
    session: AsyncSession,
    ref: UserRef,
    tier: str,
    *,
    actor: Actor,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> User:
    """Put the user on ``tier`` from now, until ``expires_at`` if given; audited."""
    now = now or utcnow()
    await begin_if_idle(session)
    actor = await actor.authorize(session, admin=True)
    tier_row = await get_tier(session, tier)
    _check_expiry(tier_row.name, expires_at, now)
    user = await get_user(session, ref)
    fields = ("tier", "subscription_started_at", "subscription_expires_at")
    before = snapshot(user, fields)
    user.tier = tier_row.name
    user.subscription_started_at = None if tier_row.name == DEFAULT_TIER else now
    user.subscription_expires_at = expires_at
    await session.flush()
    await _audit_user(session, actor, AuditAction.USER_SET_TIER, user, before, fields, now)
    return user


async def set_role(session: AsyncSession, ref: UserRef, role: Role, *, actor: Actor) -> User:
    """Make the user an admin or a translator; a change signs them out everywhere."""
    role = parse_role(role)
    await begin_if_idle(session)
    actor = await actor.authorize(session, admin=True)
    user = await get_user(session, ref)
    before = snapshot(user, ("role",))
    if user.role is Role.ADMIN and role is not Role.ADMIN:
        await _keep_an_admin(session, user)
    if user.role is not role:
        user.role = role
        await _end_sessions(session, user.id)
    await session.flush()
    await _audit_user(session, actor, AuditAction.USER_SET_ROLE, user, before, ("role",))
    return user


async def set_active(session: AsyncSession, ref: UserRef, active: bool, *, actor: Actor) -> User:
    """Activate or deactivate; a deactivated user cannot sign in or use API keys, and is
    signed out everywhere."""
    await begin_if_idle(session)
    actor = await actor.authorize(session, admin=True)
    user = await get_user(session, ref)
    before = snapshot(user, ("is_active",))
    if user.is_active and not active and user.role is Role.ADMIN:
        await _keep_an_admin(session, user)
    if user.is_active != active:
        user.is_active = active
        await _end_sessions(session, user.id)
    await session.flush()
    action = AuditAction.USER_ACTIVATE if active else AuditAction.USER_DEACTIVATE
    await _audit_user(session, actor, action, user, before, ("is_active",))
    return user


async def reset_daily_count(session: AsyncSession, ref: UserRef, *, actor: Actor) -> User:
    """Give the user today's translations back (an admin's goodwill gesture); audited."""
    await begin_if_idle(session)
    actor = await actor.authorize(session, admin=True)
    user = await get_user(session, ref)
    fields = ("daily_translation_count",)
    before = snapshot(user, fields)
    user.daily_translation_count = 0
    await session.flush()
    await _audit_user(session, actor, AuditAction.USER_RESET_DAILY_COUNT, user, before, fields)
    return user


async def set_language(
    session: AsyncSession, ref: UserRef, language: Language | str, *, actor: Actor
) -> User:
    """The interface language a user chose (their own preference: not audited)."""
    try:
        chosen = Language(language)
    except ValueError:
        choices = ", ".join(item.value for item in Language)
        raise InvalidInput(f"unknown language {language!r}; choose one of {choices}") from None
    await begin_if_idle(session)
    actor = await actor.authorize(session)
    user = await get_user(session, ref)
    if user.id != actor.id:  # admins for anyone
        await actor.authorize(session, admin=True)
    user.preferred_language = chosen
    await session.flush()
    return user


async def set_password(session: AsyncSession, ref: UserRef, password: str, *, actor: Actor) -> User:
    """Replace the password (admins for anyone, users for themselves); audited, hash never.

    The user is signed out everywhere: whoever knew the old password loses their session.
    """
    started_here = not session.in_transaction() and not (
        session.new or session.dirty or session.deleted
    )
    actor = await actor.authorize(session)  # at once: before the slow hashing
    user = await get_user(session, ref)
    address, user_id = user.email, user.id
    check_password(password, email=address)
    if started_here:
        # End our read so the slow hashing below holds no database lock.
        await session.rollback()
    hashed = await hash_password(password, email=address)
    await begin_if_idle(session)
    # Again in the transaction that writes: the actor may have lost their rights meanwhile.
    actor = await actor.authorize(session, admin=actor.id != user_id)
    changed = await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(hashed_password=hashed, session_generation=User.session_generation + 1)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound(f"no user with the email {address}")
    await record(
        session,
        actor=actor,
        action=AuditAction.USER_SET_PASSWORD,
        target_type=TargetType.USER,
        target_id=address,
        after={"password": "replaced"},
    )
    return await session.get_one(User, user_id, populate_existing=True)


async def change_password(
    session: AsyncSession, current_password: str, new_password: str, *, actor: Actor
) -> User:
    """A signed-in user replaces their own password, proving they know the current one;
    audited, hash never.

    Like :func:`set_password`, every session of the user ends, the one that asked included:
    whoever knew the old password loses their way in, and the user signs in again.
    """
    if actor.id is None:
        raise InvalidInput("only a signed-in user changes their own password; use set_password")
    started_here = not session.in_transaction() and not (
        session.new or session.dirty or session.deleted
    )
    actor = await actor.authorize(session)  # at once: before the slow hashing
    row = (
        await session.execute(select(User.email, User.hashed_password).where(User.id == actor.id))
    ).one()
    address, stored_hash = row
    check_password(new_password, email=address)
    if new_password == current_password:
        raise InvalidInput("the new password must differ from the current one")
    if started_here:
        # End our read so the slow verifying and hashing below hold no database lock.
        await session.rollback()
    if len(current_password) > MAX_LENGTH or not await verify_password(
        stored_hash, current_password
    ):
        raise AuthenticationFailed(WRONG_CURRENT_PASSWORD)
    hashed = await hash_password(new_password, email=address)
    await begin_if_idle(session)
    # Again in the transaction that writes: the user may have lost their rights meanwhile.
    actor = await actor.authorize(session)
    # The guard on the old hash: a password changed meanwhile (elsewhere) wins over this one.
    changed = await session.execute(
        update(User)
        .where(User.id == actor.id, User.hashed_password == stored_hash)
        .values(hashed_password=hashed, session_generation=User.session_generation + 1)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise AuthenticationFailed(WRONG_CURRENT_PASSWORD)
    await record(
        session,
        actor=actor,
        action=AuditAction.USER_SET_PASSWORD,
        target_type=TargetType.USER,
        target_id=address,
        after={"password": "changed by its owner"},
    )
    return await session.get_one(User, actor.id, populate_existing=True)


async def delete_user(session: AsyncSession, ref: UserRef, *, actor: Actor) -> None:
    """Delete the account and its API keys; usage history stays, no longer linked to them."""
    await begin_if_idle(session)
    actor = await actor.authorize(session, admin=True)
    user = await get_user(session, ref)
    if user.role is Role.ADMIN and user.is_active:
        await _keep_an_admin(session, user)
    before = snapshot(user, USER_FIELDS)
    # A bulk delete lets the database apply ON DELETE (keys go, usage and audit stay).
    await session.execute(delete(User).where(User.id == user.id))
    session.expunge(user)
    await record(
        session,
        actor=actor,
        action=AuditAction.USER_DELETE,
        target_type=TargetType.USER,
        target_id=before["email"],
        before=before,
    )


async def end_sessions(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Sign the user out of every browser and every open page at once (signing out)."""
    await begin_if_idle(session)
    await _end_sessions(session, user_id)


async def _end_sessions(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Every session and page signed in before now is refused from now on."""
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(session_generation=User.session_generation + 1)
    )


def _email_contains(session: AsyncSession, needle: str) -> ColumnElement[bool]:
    """Emails are stored lower-case, so a case-sensitive match is a case-insensitive search.

    SQLite's ``instr`` is about twice as fast as ``LIKE`` there and needs no escaping;
    PostgreSQL gets ``LIKE``, the form its indexes and planner know.
    """
    if session.get_bind().dialect.name == "sqlite":
        return func.instr(User.email, needle) > 0
    return User.email.contains(needle, autoescape=True)


def _could_be_stored(text: str) -> bool:
    return text.isascii() and text.isprintable()


def parse_role(role: Role | str) -> Role:
    try:
        return Role(role.strip().lower() if isinstance(role, str) else role)
    except ValueError:
        choices = " or ".join(repr(member.value) for member in Role)
        raise InvalidInput(f"{role!r} is not a role; use {choices}") from None


def _check_expiry(tier: str, expires_at: datetime | None, now: datetime) -> None:
    if expires_at is None:
        return
    if expires_at.tzinfo is None:
        raise InvalidInput("the subscription expiry needs a time zone (e.g. UTC)")
    if tier == DEFAULT_TIER:
        raise InvalidInput(f"the default tier {DEFAULT_TIER!r} does not expire")
    if expires_at <= now:
        raise InvalidInput("the subscription expiry must be in the future")


async def _keep_an_admin(session: AsyncSession, leaving: User) -> None:
    others = await session.scalar(
        select(func.count()).where(User.role == Role.ADMIN, User.is_active, User.id != leaving.id)
    )
    if not others:
        raise InvalidInput(
            f"{leaving.email} is the last active admin; make someone else an admin first"
        )


async def _audit_user(
    session: AsyncSession,
    actor: Actor,
    action: AuditAction,
    user: User,
    before: dict[str, object],
    fields: tuple[str, ...],
    now: datetime | None = None,
) -> None:
    await record(
        session,
        actor=actor,
        action=action,
        target_type=TargetType.USER,
        target_id=user.email,
        before=before,
        after=snapshot(user, fields),
        now=now,
    )
