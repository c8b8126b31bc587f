"""Passwords: argon2id, a policy with clear messages, sign-in that reveals nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import argon2
import pytest

from tests.accounts.support import (
    OPERATOR,
    PASSWORD,
    add_user,
    audit_count,
    audit_entries,
    load_user,
)
from workbench.accounts import passwords, users
from workbench.accounts.audit import Actor, AuditAction
from workbench.accounts.passwords import SIGN_IN_FAILED, authenticate
from workbench.db import Database
from workbench.errors import AccessRevoked, AuthenticationFailed, InvalidInput


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


async def own_actor(db: Database, email: str) -> Actor:
    async with db.session() as session:
        return Actor.of(await users.get_user(session, email))


async def test_a_user_changes_their_own_password_with_the_current_one(db: Database) -> None:
    user_id = await add_user(db, "self@example.org")
    before = await load_user(db, user_id)
    actor = await own_actor(db, "self@example.org")
    async with db.session() as session:
        await users.change_password(session, PASSWORD, "my very own secret", actor=actor)
        await session.commit()
    after = await load_user(db, user_id)
    assert after.hashed_password != before.hashed_password
    # every session ends, so whoever knew the old password loses their way in
    assert after.session_generation == before.session_generation + 1
    assert await sign_in(db, "self@example.org", PASSWORD) == SIGN_IN_FAILED
    async with db.session() as session:
        await authenticate(session, "self@example.org", "my very own secret")
    [entry] = await audit_entries(db, AuditAction.USER_SET_PASSWORD)
    assert (entry.actor_email, entry.target_id) == ("self@example.org", "self@example.org")
    assert entry.after == {"password": "changed by its owner"}
    assert "my very own secret" not in str(entry.after) + str(entry.before)


async def test_a_wrong_current_password_changes_nothing(db: Database) -> None:
    user_id = await add_user(db, "self@example.org")
    before = await load_user(db, user_id)
    actor = await own_actor(db, "self@example.org")
    entries = await audit_count(db)
    for wrong in ("not my password", "", "x" * 5000, "bad \ud800 surrogate"):
        async with db.session() as session:
            with pytest.raises(AuthenticationFailed, match=r"^the current password is wrong"):
                await users.change_password(session, wrong, "my very own secret", actor=actor)
            await session.commit()
    after = await load_user(db, user_id)
    assert after.hashed_password == before.hashed_password
    assert after.session_generation == before.session_generation
    assert await audit_count(db) == entries  # nothing changed, nothing recorded
    async with db.session() as session:
        await authenticate(session, "self@example.org", PASSWORD)


async def test_changing_a_password_keeps_the_policy_and_the_signed_in_actor(db: Database) -> None:
    await add_user(db, "self@example.org")
    actor = await own_actor(db, "self@example.org")
    async with db.session() as session:
        with pytest.raises(InvalidInput, match="at least 10 characters"):
            await users.change_password(session, PASSWORD, "short", actor=actor)
        with pytest.raises(InvalidInput, match="must differ from the current one"):
            await users.change_password(session, PASSWORD, PASSWORD, actor=actor)
        with pytest.raises(InvalidInput, match="only a signed-in user"):
            await users.change_password(session, PASSWORD, "my very own secret", actor=OPERATOR)
    async with db.session() as session:
        await users.set_active(session, "self@example.org", False, actor=OPERATOR)
        await session.commit()
    async with db.session() as session:
        with pytest.raises(AccessRevoked):
            await users.change_password(session, PASSWORD, "my very own secret", actor=actor)
