"""Passwords: argon2id, a policy with clear messages, sign-in that reveals nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import argon2
import pytest

from tests.accounts.support import OPERATOR, PASSWORD, add_user, load_user
from workbench.accounts import passwords, users
from workbench.accounts.passwords import SIGN_IN_FAILED, authenticate
from workbench.db import Database
from workbench.errors import AuthenticationFailed, InvalidInput


async def sign_in(db: Database, email: str, password: str) -> str:
    """The error message of a failed sign-in (the test fails if it succeeds)."""
    async with db.session() as session:
        with pytest.raises(AuthenticationFailed) as raised:
            await authenticate(session, email, password)
    return str(raised.value)


async def test_the_stored_hash_is_argon2id_and_never_the_password(db: Database) -> None:
    user_id = await add_user(db, "hash@example.org")
    stored = (await load_user(db, user_id)).hashed_password
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


async def test_sign_in_with_the_right_password_records_the_login(db: Database) -> None:
    await add_user(db, "Right@Example.org")
    at = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
    async with db.session() as session:
        user = await authenticate(session, "  RIGHT@example.ORG ", PASSWORD, now=at)
        await session.commit()
    assert user.email == "right@example.org"
    assert user.last_login_at == at
    assert (await load_user(db, user.id)).last_login_at == at


async def test_wrong_password_inactive_user_and_unknown_email_fail_alike(db: Database) -> None:
    await add_user(db, "known@example.org")
    inactive_id = await add_user(db, "inactive@example.org")
    async with db.session() as session:
        await users.set_active(session, inactive_id, False, actor=OPERATOR)
        await session.commit()

    messages = {
        await sign_in(db, "known@example.org", "not the password"),
        await sign_in(db, "inactive@example.org", PASSWORD),
        await sign_in(db, "nobody@example.org", PASSWORD),
        await sign_in(db, "not an email at all", PASSWORD),
        await sign_in(db, "known@example.org", "x" * 5_000),
    }

    assert messages == {SIGN_IN_FAILED}
    assert (await load_user(db, inactive_id)).last_login_at is None


async def test_sign_in_rehashes_when_the_parameters_changed(db: Database) -> None:
    user_id = await add_user(db, "old@example.org")
    old_hash = (await load_user(db, user_id)).hashed_password
    stronger = argon2.Parameters(
        type=argon2.Type.ID,
        version=19,
        salt_len=16,
        hash_len=16,
        time_cost=2,
        memory_cost=64,
        parallelism=1,
    )
    passwords.use_parameters(stronger)

    async with db.session() as session:
        await authenticate(session, "old@example.org", PASSWORD)
        await session.commit()

    new_hash = (await load_user(db, user_id)).hashed_password
    assert new_hash != old_hash
    assert argon2.extract_parameters(new_hash) == stronger
    assert not passwords.needs_rehash(new_hash)
    async with db.session() as session:  # and the new hash still signs in
        await authenticate(session, "old@example.org", PASSWORD)


async def test_set_password_replaces_the_old_one(db: Database) -> None:
    user_id = await add_user(db, "reset@example.org")
    old_hash = (await load_user(db, user_id)).hashed_password
    async with db.session() as session:
        await users.set_password(session, "reset@example.org", "a brand new secret", actor=OPERATOR)
        await session.commit()
    assert (await load_user(db, user_id)).hashed_password != old_hash
    assert await sign_in(db, "reset@example.org", PASSWORD) == SIGN_IN_FAILED
    async with db.session() as session:
        await authenticate(session, "reset@example.org", "a brand new secret")


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "at least 10 characters"),
        ("a" * 12, "not be one character repeated"),
        (" \t " * 4, "not be only spaces"),
        ("Policy@Example.org", "not be the email address"),
        ("policy@example.org", "not be the email address"),
        ("x" * 1025 + "y", "at most 1024 characters"),
        ("bad \ud800 surrogate", "not valid Unicode"),
    ],
)
def test_the_password_policy_names_the_problem(password: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=f"^password refused: .*{problem}"):
        passwords.check_password(password, email="policy@example.org")


async def test_accounts_get_only_passwords_that_meet_the_policy(db: Database) -> None:
    async with db.session() as session:
        with pytest.raises(InvalidInput, match="at least 10 characters"):
            await users.add_user(session, "policy@example.org", "short", actor=OPERATOR)
        await users.add_user(session, "policy@example.org", "long enough now", actor=OPERATOR)
        with pytest.raises(InvalidInput, match="not be the email address"):
            await users.set_password(
                session, "policy@example.org", "POLICY@example.org", actor=OPERATOR
            )


def test_hashing_is_argon2id_only() -> None:
    with pytest.raises(ValueError, match="argon2id"):
        passwords.use_parameters(
            argon2.Parameters(
                type=argon2.Type.I,
                version=19,
                salt_len=8,
                hash_len=8,
                time_cost=1,
                memory_cost=8,
                parallelism=1,
            )
        )


async def test_verify_password_tolerates_garbage_hashes() -> None:
    assert not await passwords.verify_password("not a hash", "whatever password")
    assert not await passwords.verify_password("$argon2id$v=19$m=8,t=1,p=1$xx$yy", "pw")
    assert passwords.needs_rehash("not a hash")
