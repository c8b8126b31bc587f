"""API keys: ``wb_<prefix>_<secret>``, shown once, stored only as an HMAC.

The prefix is public (lists, logs, revocation) and finds the row; the secret is 256 bits
from :func:`secrets.token_urlsafe`. The row keeps HMAC-SHA256 of the whole key under the
server secret (``WORKBENCH_SECRET_KEY``), so a copy of the database alone cannot be used
to find or forge a key, and the comparison is constant-time. Keys are revoked, never
deleted, so the audit trail and ``last_used_at`` stay readable.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts._transactions import begin_if_idle
from workbench.accounts.audit import Actor, AuditAction, TargetType, record, snapshot
from workbench.accounts.quotas import check_provider_allowed
from workbench.accounts.subscriptions import current_subscription
from workbench.accounts.users import UserRef, get_user
from workbench.config import get_settings, secret_key
from workbench.db import begin_write
from workbench.db.base import utcnow
from workbench.db.models import MODEL_LENGTH, ApiKey, User
from workbench.errors import AuthenticationFailed, InvalidInput, NotFound, PermissionDenied
from workbench.providers.registry import provider_names

KEY_START = "wb_"
PREFIX_HEX_LENGTH = 12  # 48 random bits: unique by construction in practice
PREFIX_LENGTH = len(KEY_START) + PREFIX_HEX_LENGTH
SECRET_BYTES = 32
NAME_LENGTH = 100
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
INVALID_KEY = "invalid API key"
PREFIX_PATTERN = re.compile(rf"{KEY_START}[0-9a-f]{{{PREFIX_HEX_LENGTH}}}\Z")
KEY_FIELDS = (
    "prefix",
    "name",
    "scopes",
    "provider",
    "model",
    "requests_per_minute",
    "expires_at",
    "revoked_at",
)
# A key's own requests-per-minute limit: a whole number in this range, or none.
MIN_KEY_RATE = 1
MAX_KEY_RATE = 100_000


class ApiScope(StrEnum):
    TRANSLATE = "translate"
    GLOSSARIES = "glossaries"
    USAGE = "usage"


DEFAULT_SCOPES: tuple[ApiScope, ...] = (ApiScope.TRANSLATE,)


class KeyStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class CreatedKey:
    """The stored row and the full key, which exists only here: show it once."""

    key: str
    record: ApiKey


def key_status(key: ApiKey, now: datetime | None = None) -> KeyStatus:
    if key.revoked_at is not None:
        return KeyStatus.REVOKED
    if key.expires_at is not None and (now or utcnow()) >= key.expires_at:
        return KeyStatus.EXPIRED
    return KeyStatus.ACTIVE


def parse_scopes(scopes: Iterable[str]) -> list[str]:
    """Known scopes, without duplicates, in a stable order."""
    wanted = {scope.strip().lower() for scope in scopes}
    known = {scope.value for scope in ApiScope}
    unknown = sorted(wanted - known)
    if unknown:
        raise InvalidInput(
            f"unknown scope(s) {', '.join(map(repr, unknown))}; "
            f"the scopes are: {', '.join(scope.value for scope in ApiScope)}"
        )
    if not wanted:
        raise InvalidInput("an API key needs at least one scope")
    return [scope.value for scope in ApiScope if scope.value in wanted]


def check_pin(provider: str | None, model: str | None) -> tuple[str | None, str | None]:
    """The provider and model a key is pinned to, trimmed (empty means none); the provider
    is checked against the owner's tier later, in the transaction that creates the key."""
    name = provider.strip().lower() if provider is not None else ""
    chosen = model.strip() if model is not None else ""
    if name and name not in provider_names():
        raise InvalidInput(
            f"unknown provider {provider!r:.40}; the providers are: {', '.join(provider_names())}"
        )
    if chosen and not name:
        raise InvalidInput("a key's model needs its provider: give the provider too")
    if len(chosen) > MODEL_LENGTH or not chosen.isprintable():
        raise InvalidInput(f"the model name must be at most {MODEL_LENGTH} printable characters")
    return name or None, chosen or None


def check_rate(requests_per_minute: int | None) -> int | None:
    """A key's own requests-per-minute limit: None, or a whole number in range."""
    if requests_per_minute is None:
        return None
    if isinstance(requests_per_minute, bool) or not isinstance(requests_per_minute, int):
        raise InvalidInput("the key's rate must be a whole number of requests per minute")
    if not MIN_KEY_RATE <= requests_per_minute <= MAX_KEY_RATE:
        raise InvalidInput(
            f"the key's rate must be {MIN_KEY_RATE} to {MAX_KEY_RATE:,} requests per minute"
        )
    return requests_per_minute


async def create_api_key(
    session: AsyncSession,
    owner: UserRef,
    *,
    actor: Actor,
    name: str = "default",
    scopes: Iterable[str] = DEFAULT_SCOPES,
    expires_at: datetime | None = None,
    provider: str | None = None,
    model: str | None = None,
    requests_per_minute: int | None = None,
    now: datetime | None = None,
    server_secret: bytes | None = None,
) -> CreatedKey:
    """Make a key for ``owner`` (admins for anyone, users for themselves); audited.

    ``provider`` (and ``model``) pin what serves the key's API requests; the provider must
    be one the owner's tier allows. ``requests_per_minute`` is the key's own limit, beside
    the tier's.
    """
    now = now or utcnow()
    label = name.strip()
    if not label or len(label) > NAME_LENGTH or not label.isprintable():
        raise InvalidInput(f"the key name must be 1 to {NAME_LENGTH} printable characters")
    scope_list = parse_scopes(scopes)
    pinned_provider, pinned_model = check_pin(provider, model)
    rate = check_rate(requests_per_minute)
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now):
        raise InvalidInput("the key expiry must be a time-zone-aware instant in the future")
    pepper = server_secret if server_secret is not None else secret_key(get_settings())
    await begin_if_idle(session)
    actor = await actor.authorize(session)
    user = await get_user(session, owner)
    if user.id != actor.id:  # admins for anyone
        actor = await actor.authorize(session, admin=True)
    if pinned_provider is not None:
        check_provider_allowed(
            (await current_subscription(session, user.id, now)).tier, pinned_provider
        )
    prefix = KEY_START + secrets.token_hex(PREFIX_HEX_LENGTH // 2)
    key = f"{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    row = ApiKey(
        user_id=user.id,
        name=label,
        prefix=prefix,
        secret_hmac=_digest(pepper, key),
        scopes=scope_list,
        provider=pinned_provider,
        model=pinned_model,
        requests_per_minute=rate,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    await session.flush()
    await record(
        session,
        actor=actor,
        action=AuditAction.API_KEY_CREATE,
        target_type=TargetType.API_KEY,
        target_id=prefix,
        after={"owner": user.email, **snapshot(row, KEY_FIELDS)},
        now=now,
    )
    return CreatedKey(key=key, record=row)


async def list_api_keys(session: AsyncSession, owner: UserRef) -> list[ApiKey]:
    """The owner's keys, revoked ones included, newest first."""
    user = await get_user(session, owner)
    rows = await session.scalars(
        select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.created_at.desc())
    )
    return list(rows.all())


async def get_api_key(session: AsyncSession, prefix: str) -> ApiKey:
    """The key whose prefix is given (a full key works too: only its prefix is read)."""
    visible = prefix.strip()[:PREFIX_LENGTH]
    row = None
    if PREFIX_PATTERN.match(visible):
        row = await session.scalar(select(ApiKey).where(ApiKey.prefix == visible))
    if row is None:
        raise NotFound(f"no API key with the prefix {prefix.strip()[:40]!r}")
    return row


async def revoke_api_key(
    session: AsyncSession, prefix: str, *, actor: Actor, now: datetime | None = None
) -> ApiKey:
    """Revoke for good (the owner or an admin); revoking a revoked key changes nothing."""
    await begin_if_idle(session)
    actor = await actor.authorize(session)
    row = await get_api_key(session, prefix)
    if row.user_id != actor.id:  # admins for anyone
        actor = await actor.authorize(session, admin=True)
    if row.revoked_at is not None:
        return row
    before = snapshot(row, ("revoked_at",))
    row.revoked_at = now or utcnow()
    await session.flush()
    await record(
        session,
        actor=actor,
        action=AuditAction.API_KEY_REVOKE,
        target_type=TargetType.API_KEY,
        target_id=row.prefix,
        before=before,
        after=snapshot(row, ("revoked_at",)),
        now=row.revoked_at,
    )
    return row


async def verify_api_key(
    session: AsyncSession,
    key: str,
    *,
    scope: ApiScope | None = None,
    now: datetime | None = None,
    server_secret: bytes | None = None,
) -> User:
    """The active owner of a valid key, or :class:`AuthenticationFailed` saying why.

    Until the key is proven (HMAC match), the only answer is "invalid API key"; after,
    the reason is given (revoked, expired, owner deactivated). Updates ``last_used_at``
    at most once per :data:`LAST_USED_RESOLUTION`; the caller commits.
    """
    _, user = await prove_api_key(session, key, scope=scope, now=now, server_secret=server_secret)
    return user


async def prove_api_key(
    session: AsyncSession,
    key: str,
    *,
    scope: ApiScope | None = None,
    now: datetime | None = None,
    server_secret: bytes | None = None,
) -> tuple[ApiKey, User]:
    """:func:`verify_api_key`, also giving the key's row (read by the same query)."""
    now = now or utcnow()
    pepper = server_secret if server_secret is not None else secret_key(get_settings())
    # Only a session with nothing of the caller's in it may end its read transaction early.
    started_here = not session.in_transaction() and not (
        session.new or session.dirty or session.deleted
    )
    candidate = key.strip()
    prefix, separator, secret = candidate[:PREFIX_LENGTH], candidate[PREFIX_LENGTH:][:1], ""
    if separator == "_":
        secret = candidate[PREFIX_LENGTH + 1 :]
    if not PREFIX_PATTERN.match(prefix) or separator != "_" or not secret:
        raise AuthenticationFailed(INVALID_KEY)
    found = (
        await session.execute(
            select(ApiKey, User)
            .join(User, ApiKey.user_id == User.id)
            .where(ApiKey.prefix == prefix)
        )
    ).one_or_none()
    try:
        digest = _digest(pepper, candidate)
    except UnicodeEncodeError:
        raise AuthenticationFailed(INVALID_KEY) from None
    if found is None or not hmac.compare_digest(digest, found.ApiKey.secret_hmac):
        raise AuthenticationFailed(INVALID_KEY)
    row, user = found
    status = key_status(row, now)
    if status is KeyStatus.REVOKED:
        raise AuthenticationFailed(f"the API key {prefix} has been revoked")
    if status is KeyStatus.EXPIRED:
        raise AuthenticationFailed(f"the API key {prefix} has expired")
    if not user.is_active:
        raise AuthenticationFailed(f"the account of the API key {prefix} is deactivated")
    if scope is not None and scope.value not in row.scopes:
        raise PermissionDenied(f"the API key {prefix} does not have the {scope.value!r} scope")
    if row.last_used_at is not None and row.last_used_at > now - LAST_USED_RESOLUTION:
        return row, user
    if started_here:
        # Reads then a write: on SQLite the write must start its own (immediate) transaction.
        await session.commit()
        await begin_write(session)
    await session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == row.id,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= now - LAST_USED_RESOLUTION),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return row, user


def _digest(pepper: bytes, key: str) -> str:
    return hmac.new(pepper, key.encode("utf-8"), hashlib.sha256).hexdigest()
