"""Every admin change writes one audit entry, with actor and before/after, in its transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.accounts.support import OPERATOR, PASSWORD, add_user, audit_count
from workbench import preferences
from workbench.accounts import api_keys, tiers, users
from workbench.accounts.audit import Actor, AuditAction, recent_entries, record
from workbench.db import Database
from workbench.db.models import AuditEntry, Role

Change = Callable[[AsyncSession], Awaitable[Any]]
TARGET = "target@example.org"


async def create_key(session: AsyncSession) -> None:
    await api_keys.create_api_key(session, TARGET, actor=OPERATOR, name="ci")


async def revoke_key(session: AsyncSession) -> None:
    created = await api_keys.create_api_key(session, TARGET, actor=OPERATOR, name="old")
    await session.commit()
    await api_keys.revoke_api_key(session, created.record.prefix, actor=OPERATOR)


async def reactivate(session: AsyncSession) -> None:
    await users.set_active(session, TARGET, False, actor=OPERATOR)
    await users.set_active(session, TARGET, True, actor=OPERATOR)


async def delete_tier(session: AsyncSession) -> None:
    await tiers.create_tier(session, "short-lived", actor=OPERATOR)
    await tiers.delete_tier(session, "short-lived", actor=OPERATOR)


CHANGES: list[tuple[str, Change, str, dict[str, Any] | None, dict[str, Any] | None]] = [
    (
        "user.set_tier",
        lambda s: users.set_tier(s, TARGET, "pro", actor=OPERATOR),
        TARGET,
        {"tier": "free", "subscription_started_at": None, "subscription_expires_at": None},
        None,  # the start is "now": checked separately below
    ),
    (
        "user.set_role",
        lambda s: users.set_role(s, TARGET, Role.ADMIN, actor=OPERATOR),
        TARGET,
        {"role": "translator"},
        {"role": "admin"},
    ),
    (
        "user.deactivate",
        lambda s: users.set_active(s, TARGET, False, actor=OPERATOR),
        TARGET,
        {"is_active": True},
        {"is_active": False},
    ),
    (
        "user.reset_daily_count",
        lambda s: users.reset_daily_count(s, TARGET, actor=OPERATOR),
        TARGET,
        {"daily_translation_count": 0},
        {"daily_translation_count": 0},
    ),
    (
        "user.set_password",
        lambda s: users.set_password(s, TARGET, "another fine secret", actor=OPERATOR),
        TARGET,
        None,
        {"password": "replaced"},
    ),
    ("user.delete", lambda s: users.delete_user(s, TARGET, actor=OPERATOR), TARGET, None, None),
    (
        "user.create",
        lambda s: users.add_user(s, "fresh@example.org", PASSWORD, actor=OPERATOR),
        "fresh@example.org",
        None,
        None,
    ),
    ("api_key.create", create_key, "", None, None),
    ("api_key.revoke", revoke_key, "", {"revoked_at": None}, None),
    (
        "tier.update",
        lambda s: tiers.update_tier(s, "pro", actor=OPERATOR, monthly_price_cents=2500),
        "pro",
        {"monthly_price_cents": 1900},
        {"monthly_price_cents": 2500},
    ),
    ("tier.create", lambda s: tiers.create_tier(s, "team", actor=OPERATOR), "team", None, None),
    ("tier.delete", delete_tier, "short-lived", None, None),
    ("user.activate", reactivate, TARGET, {"is_active": False}, {"is_active": True}),
    (
        "settings.update",
        lambda s: preferences.save(s, {"currency": "USD"}, actor=OPERATOR),
        "preferences",
        {"currency": "EUR"},
        {"currency": "USD"},
    ),
]


@pytest.mark.parametrize(
    ("action", "change", "target", "before", "after"),
    CHANGES,
    ids=[change[0] for change in CHANGES],
)
async def test_each_admin_change_writes_one_entry(
    db: Database,
    action: str,
    change: Change,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    await add_user(db, TARGET)
    async with db.session() as session:
        before_count = len(await recent_entries(session, action=AuditAction(action)))
        await change(session)
        await session.commit()

    async with db.session() as session:
        entries = await recent_entries(session, action=AuditAction(action))
    assert len(entries) == before_count + 1
    entry = entries[0]
    assert entry.actor_id is None
    assert entry.actor_email == OPERATOR.email
    assert entry.actor_email.startswith("cli:")
    if target:
        assert entry.target_id == target
    else:
        assert entry.target_id.startswith("wb_")
    if before is not None:
        assert entry.before == before
    if after is not None:
        assert entry.after == after
    assert entry.before is not None or entry.after is not None


async def test_set_tier_records_the_new_period(db: Database) -> None:
    await add_user(db, TARGET)
    async with db.session() as session:
        await users.set_tier(session, TARGET, "pro", actor=OPERATOR)
        await session.commit()
        entry = (await recent_entries(session, action=AuditAction.USER_SET_TIER))[0]
    assert entry.after is not None
    assert entry.after["tier"] == "pro"
    assert entry.after["subscription_started_at"] is not None


async def test_a_rolled_back_change_leaves_no_entry(db: Database) -> None:
    await add_user(db, TARGET)
    count = await audit_count(db)
    async with db.session() as session:
        await users.set_tier(session, TARGET, "pro", actor=OPERATOR)
        await session.rollback()
    assert await audit_count(db) == count
    async with db.session() as session:
        assert (await users.get_user(session, TARGET)).tier == "free"


async def test_a_signed_in_admin_is_recorded_by_id_and_email(db: Database) -> None:
    admin_id = await add_user(db, "chief@example.org", role=Role.ADMIN)
    await add_user(db, TARGET)
    async with db.session() as session:
        chief = Actor.of(await users.get_user(session, admin_id))
        await users.set_tier(session, TARGET, "pro", actor=chief)
        await session.commit()
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == AuditAction.USER_SET_TIER.value)
        )
    assert entry is not None
    assert (entry.actor_id, entry.actor_email) == (admin_id, "chief@example.org")


async def test_unchanged_tier_edits_write_nothing(db: Database) -> None:
    count = await audit_count(db)
    async with db.session() as session:
        await tiers.update_tier(session, "pro", actor=OPERATOR, monthly_price_cents=1900)
        await session.commit()
    assert await audit_count(db) == count


def test_every_audited_action_is_exercised_above() -> None:
    assert {change[0] for change in CHANGES} == {action.value for action in AuditAction}


class OtherAction(StrEnum):
    IMPORT = "glossary.import"


class OtherTarget(StrEnum):
    GLOSSARY = "glossary"


async def test_other_packages_record_their_own_actions(db: Database) -> None:
    async with db.session() as session:
        await record(
            session,
            actor=OPERATOR,
            action=OtherAction.IMPORT,
            target_type=OtherTarget.GLOSSARY,
            target_id="legal-terms",
            after={"entries": 12},
        )
        await session.commit()
        entries = await recent_entries(session, action=OtherAction.IMPORT)
    assert [(e.target_type, e.target_id, e.after) for e in entries] == [
        ("glossary", "legal-terms", {"entries": 12})
    ]


async def test_recent_entries_filter_by_target_type_actor_and_time(db: Database) -> None:
    await add_user(db, TARGET)
    async with db.session() as session:
        await tiers.update_tier(session, "pro", actor=OPERATOR, daily_translation_limit=321)
        await session.commit()
        first = (await recent_entries(session))[-1].created_at
        assert [e.action for e in await recent_entries(session, target_type="tier")] == [
            "tier.update"
        ]
        operator = OPERATOR.email.upper()[:6]
        assert len(await recent_entries(session, actor_contains=operator)) == 2
        assert await recent_entries(session, actor_contains="%") == []
        assert await recent_entries(session, until=first) == []
        assert len(await recent_entries(session, since=first)) == 2
        assert len(await recent_entries(session, limit=1, offset=1)) == 1
