"""Passwords: argon2id hashes, the password policy, and signing in.

Hashing and verifying are deliberately slow, so they run in a worker thread and never
block the event loop. The argon2id parameters for new hashes are a module-level choice
(:func:`use_parameters`); a stored hash made with other parameters is re-hashed on the
next successful sign-in. Tests choose ``argon2.profiles.CHEAPEST`` the same way.

:func:`authenticate` gives one and the same error for an unknown email, a wrong password
and a deactivated account, and spends comparable time on each, so neither its message
nor its duration tells whether an account exists.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import argon2
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts._transactions import begin_if_idle
from workbench.db.base import utcnow
from workbench.db.models import User, normalise_email
from workbench.errors import AuthenticationFailed, InvalidInput

MIN_LENGTH = 10
# Long enough for any passphrase or manager-generated password; bounds the work per attempt.
MAX_LENGTH = 1024
DEFAULT_PARAMETERS = argon2.profiles.RFC_9106_LOW_MEMORY
SIGN_IN_FAILED = "wrong email or password"

_hasher = argon2.PasswordHasher.from_parameters(DEFAULT_PARAMETERS)
_dummy: tuple[argon2.Parameters, str] | None = None


def use_parameters(parameters: argon2.Parameters) -> None:
    """Choose the argon2id cost of new hashes (and of re-hashing old ones at sign-in)."""
    global _hasher
    if parameters.type is not argon2.Type.ID:
        raise ValueError("passwords are hashed with argon2id only")
    _hasher = argon2.PasswordHasher.from_parameters(parameters)


def current_parameters() -> argon2.Parameters:
    return argon2.Parameters(
        type=_hasher.type,
        version=argon2.low_level.ARGON2_VERSION,
        salt_len=_hasher.salt_len,
        hash_len=_hasher.hash_len,
        time_cost=_hasher.time_cost,
        memory_cost=_hasher.memory_cost,
        parallelism=_hasher.parallelism,
    )


def password_problems(password: str, *, email: str | None = None) -> list[str]:
    """Everything wrong with ``password`` under the policy; empty when it is acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"it must have at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        problems.append(f"it must have at most {MAX_LENGTH} characters")
    if password and len(set(password)) == 1:
        problems.append("it must not be one character repeated")
    elif password and not password.strip():
        problems.append("it must not be only spaces")
    if email:
        address = normalise_email(email)
        folded = password.strip().lower()
        if folded and folded in (address, address.partition("@")[0]):
            problems.append("it must not be the email address")
    if not _encodable(password):
        problems.append("it contains characters that are not valid Unicode text")
    return problems


def check_password(password: str, *, email: str | None = None) -> None:
    """Raise :class:`InvalidInput` naming every way ``password`` breaks the policy."""
    problems = password_problems(password, email=email)
    if problems:
        raise InvalidInput("password refused: " + "; ".join(problems), problems)


async def hash_password(password: str, *, email: str | None = None) -> str:
    """Check the policy, then hash with argon2id in a worker thread."""
    check_password(password, email=email)
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(hashed: str, password: str) -> bool:
    """Whether ``password`` matches ``hashed``; a malformed hash never matches."""
    if not _encodable(password):
        await asyncio.to_thread(_verify, await _dummy_hash(), "")
        return False
    return await asyncio.to_thread(_verify, hashed, password)


def needs_rehash(hashed: str) -> bool:
    try:
        return _hasher.check_needs_rehash(hashed)
    except InvalidHashError:
        return True


async def authenticate(
    session: AsyncSession, email: str, password: str, *, now: datetime | None = None
) -> User:
    """The active user with this email and password, or :class:`AuthenticationFailed`.

    Sets ``last_login_at`` and upgrades the stored hash when the parameters changed. The
    caller commits. When the session has no transaction open, the slow verification
    happens outside any transaction, so a sign-in never holds a database lock.
    """
    # Only a session with nothing of the caller's in it may end its read transaction early.
    started_here = not session.in_transaction() and not (
        session.new or session.dirty or session.deleted
    )
    address = normalise_email(email)
    row = None
    if address.isascii() and address.isprintable():  # as every stored email is
        row = (
            await session.execute(
                select(User.id, User.hashed_password, User.is_active).where(User.email == address)
            )
        ).one_or_none()
    if started_here:
        await session.rollback()
    if row is None or len(password) > MAX_LENGTH:
        await verify_password(await _dummy_hash(), password[:MAX_LENGTH])
        raise AuthenticationFailed(SIGN_IN_FAILED)
    user_id, stored_hash, is_active = row
    if not await verify_password(stored_hash, password) or not is_active:
        raise AuthenticationFailed(SIGN_IN_FAILED)

    values: dict[str, object] = {"last_login_at": now or utcnow()}
    if needs_rehash(stored_hash):
        values["hashed_password"] = await asyncio.to_thread(_hasher.hash, password)
    if started_here:
        await begin_if_idle(session)
    # The guard on the old hash makes a password changed meanwhile win over this sign-in.
    changed = await session.execute(
        update(User)
        .where(User.id == user_id, User.hashed_password == stored_hash, User.is_active)
        .values(values)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise AuthenticationFailed(SIGN_IN_FAILED)
    return await session.get_one(User, user_id, populate_existing=True)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


async def _dummy_hash() -> str:
    """A hash with the current parameters, to verify against when there is no account."""
    global _dummy
    parameters = current_parameters()
    if _dummy is None or _dummy[0] != parameters:
        hashed = await asyncio.to_thread(_hasher.hash, "no account has this password")
        _dummy = (parameters, hashed)
    return _dummy[1]


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
