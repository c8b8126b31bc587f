"""Users: validated emails, server-side search and pagination, admin changes, deletion."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.accounts.support import OPERATOR, add_user, load_user
from workbench.accounts import api_keys, quotas, users
from workbench.accounts.audit import Actor
from workbench.accounts.users import search_users, validate_email
from workbench.db import Database
from workbench.db.models import ApiKey, AuditEntry, Role, UsageEvent, User
from workbench.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("Ada@Example.org", "ada@example.org"),
        ("  first.last+tag@sub.example.co.uk ", "first.last+tag@sub.example.co.uk"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("ada@bücher.de", "ada@xn--bcher-kva.de"),
    ],
)
def test_emails_are_normalised(given: str, stored: str) -> None:
    assert validate_email(given) == stored


@pytest.mark.parametrize(
    "given",
    [
        "",
        "ada",
        "ada@",
        "@example.org",
        "ada@example",
        "ada@@example.org",
        "a da@example.org",
        "ada@exa mple.org",
        ".ada@example.org",
        "ada..lovelace@example.org",
        "ada@-example.org",
        "ada@example.123",
        "ada@exam\nple.org",
        "x" * 65 + "@example.org",
        "ada@" + "a" * 250 + ".org",
    ],
)
def test_invalid_emails_are_refused_clearly(given: str) -> None:
    with pytest.raises(InvalidInput, match="is not a valid email address; expected name@"):
        validate_email(given)


async def test_add_user_refuses_a_duplicate_in_any_case_and_keeps_the_transaction(
    db: Database,
) -> None:
    await add_user(db, "dup@example.org")
    async with db.session() as session:
        await users.add_user(session, "first@example.org", "first password", actor=OPERATOR)
        with pytest.raises(AlreadyExists, match=r"dup@example\.org already exists"):
            await users.add_user(session, "DUP@example.ORG", "other password", actor=OPERATOR)
        await session.commit()  # the failed insert did not spoil the rest
    async with db.session() as session:
        count = await session.scalar(select(func.count()).select_from(User))
    assert count == 2


async def test_add_user_with_an_unknown_tier_is_not_found(db: Database) -> None:
    async with db.session() as session:
        with pytest.raises(NotFound, match="no tier named 'gold'; the tiers are: free, pro"):
            await users.add_user(
                session, "gold@example.org", "gold password", actor=OPERATOR, tier="gold"
            )


async def test_non_admins_cannot_change_accounts(db: Database) -> None:
    translator_id = await add_user(db, "plain@example.org")
    async with db.session() as session:
        actor = Actor.of(await users.get_user(session, translator_id))
        with pytest.raises(PermissionDenied, match="not an admin"):
            await users.add_user(session, "new@example.org", "a fine password", actor=actor)
        with pytest.raises(PermissionDenied):
            await users.set_tier(session, translator_id, "pro", actor=actor)
        with pytest.raises(PermissionDenied):
            await users.set_role(session, translator_id, Role.ADMIN, actor=actor)
        # but anyone may change their own password
        await users.set_password(session, translator_id, "my own new secret", actor=actor)


async def seed_directory(db: Database) -> None:
    async with db.session() as session:
        for number in range(30):
            await users.create_user(
                session,
                email=f"user{number:02d}@{'acme.test' if number % 3 == 0 else 'other.test'}",
                hashed_password="$argon2id$not-used",
                tier="pro" if number % 2 == 0 else "free",
                role=Role.ADMIN if number == 0 else Role.TRANSLATOR,
            )
        await users.create_user(session, email="odd_one%@acme.test", hashed_password="h")
        await session.commit()
    async with db.session() as session:
        for email in ("user06@acme.test", "user12@acme.test"):
            await users.set_active(session, email, False, actor=OPERATOR)
        await session.commit()


async def test_search_filters_in_the_database_and_counts_the_total(db: Database) -> None:
    await seed_directory(db)
    async with db.session() as session:
        page = await search_users(
            session, email_contains="ACME", tier="pro", active=True, page_size=2
        )
        second = await search_users(
            session, email_contains="acme", tier="pro", active=True, page=2, page_size=2
        )
        beyond = await search_users(session, email_contains="acme", page=99, page_size=10)
        admins = await search_users(session, role=Role.ADMIN)
        everyone = await search_users(session)

    # acme: 00 03 06 09 12 15 18 21 24 27 (+ odd_one%); pro: even; active: not 06, 12
    assert page.total == 3
    assert [u.email for u in page.users] == ["user00@acme.test", "user18@acme.test"]
    assert [u.email for u in second.users] == ["user24@acme.test"]
    assert (page.pages, second.page) == (2, 2)
    assert beyond.users == []
    assert beyond.total == 11
    assert [u.email for u in admins.users] == ["user00@acme.test"]
    assert everyone.total == 31
    assert [u.email for u in everyone.users] == sorted(u.email for u in everyone.users)


async def test_search_treats_wildcards_literally_and_validates_pages(db: Database) -> None:
    await seed_directory(db)
    async with db.session() as session:
        for needle, expected in [("%", 1), ("_", 1), ("e_1", 0), ("r1", 10), ("\x00", 0)]:
            assert (await search_users(session, email_contains=needle)).total == expected
        assert (await search_users(session, tier="no such\x00tier")).total == 0
        for page, size in [(0, 10), (1, 0), (1, 501)]:
            with pytest.raises(InvalidInput):
                await search_users(session, page=page, page_size=size)


async def test_the_last_active_admin_stays(db: Database) -> None:
    admin_id = await add_user(db, "boss@example.org", role=Role.ADMIN)
    async with db.session() as session:
        for change in (
            users.set_role(session, admin_id, Role.TRANSLATOR, actor=OPERATOR),
            users.set_active(session, admin_id, False, actor=OPERATOR),
            users.delete_user(session, admin_id, actor=OPERATOR),
        ):
            with pytest.raises(InvalidInput, match="last active admin"):
                await change
    await add_user(db, "deputy@example.org", role=Role.ADMIN)
    async with db.session() as session:
        await users.set_role(session, admin_id, Role.TRANSLATOR, actor=OPERATOR)
        await session.commit()
    assert (await load_user(db, admin_id)).role is Role.TRANSLATOR


async def test_deleting_a_user_keeps_their_usage_anonymised(db: Database) -> None:
    user_id = await add_user(db, "leaver@example.org")
    at = datetime(2026, 2, 2, tzinfo=UTC)
    async with db.session() as session:
        await quotas.consume(session, user_id, provider="pseudo", translations=2, now=at)
        await api_keys.create_api_key(session, user_id, actor=OPERATOR)
        await session.commit()

    async with db.session() as session:
        await users.delete_user(session, "LEAVER@example.org", actor=OPERATOR)
        await session.commit()

    async with db.session() as session:
        assert await session.get(User, user_id) is None
        events = (await session.scalars(select(UsageEvent))).all()
        keys = await session.scalar(select(func.count()).select_from(ApiKey))
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "user.delete"))
    assert [(e.user_id, e.translations) for e in events] == [(None, 2)]
    assert keys == 0
    assert entry is not None
    assert entry.target_id == "leaver@example.org"
    assert entry.before is not None
    assert entry.before["email"] == "leaver@example.org"


async def test_unknown_users_are_not_found(db: Database) -> None:
    async with db.session() as session:
        with pytest.raises(NotFound, match=r"no user with the email ghost@example\.org"):
            await users.set_tier(session, "Ghost@example.org", "pro", actor=OPERATOR)
        with pytest.raises(InvalidInput, match="'boss' is not a role"):
            await users.set_role(session, "ghost@example.org", "boss", actor=OPERATOR)  # type: ignore[arg-type]
