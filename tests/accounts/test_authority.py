"""Authority is read again for every action, in the transaction that acts.

An :class:`Actor` is built when a page opens; between then and a click the user may be
demoted, deactivated, deleted or signed out. Every service that acts for a user must
then refuse (``AccessRevoked``, a ``PermissionDenied``), write nothing and audit nothing.
The machine's operator (the CLI) may always act.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tests.accounts.support import OPERATOR, PASSWORD, add_tier, add_user
from workbench import preferences
from workbench.accounts import api_keys, tiers, users
from workbench.accounts.audit import Actor
from workbench.batch import jobs
from workbench.batch.jobs import JobSpec
from workbench.db import Database
from workbench.db.models import (
    ApiKey,
    AuditEntry,
    Glossary,
    GlossaryEntry,
    JobStatus,
    Role,
    Setting,
    Tier,
    TranslationJob,
    User,
)
from workbench.errors import AccessRevoked, PermissionDenied, Revocation
from workbench.glossary import store
from workbench.glossary.store import Entry

NEW_PASSWORD = "a brand new password"


@dataclass
class World:
    """An admin (who will lose rights), another admin, a translator with their own things."""

    db: Database
    admin: Actor
    translator: Actor
    translator_id: uuid.UUID
    admin_key: str  # a key of the translator's, for the admin to revoke
    own_key: str  # another, for the translator to revoke
    shared_glossary: str
    own_glossary: str
    queued_job: uuid.UUID
    failed_job: uuid.UUID


async def actor_for(db: Database, user_id: uuid.UUID) -> Actor:
    """The actor as a dashboard builds it when the page opens (with its session)."""
    async with db.session() as session:
        user = await session.get_one(User, user_id)
        return Actor.of(user, generation=user.session_generation)


async def _key(db: Database, owner: uuid.UUID) -> str:
    async with db.session() as session:
        created = await api_keys.create_api_key(session, owner, actor=OPERATOR, server_secret=b"s")
        await session.commit()
        return created.record.prefix


async def _glossary(db: Database, name: str, owner: uuid.UUID | None) -> str:
    frame = pd.DataFrame({"source_term": ["cat"], "target_term": ["chat"]})
    async with db.session() as session:
        await store.import_frame(
            session, frame, name=name, source_lang="en", target_lang="fr", owner_id=owner
        )
        await session.commit()
    return name


async def _job(db: Database, owner: uuid.UUID, status: JobStatus) -> uuid.UUID:
    async with db.session() as session:
        job = await jobs.create_job(session, JobSpec("pseudo", "fr", user_id=owner))
        job.status = status
        await session.commit()
        return job.id


@pytest.fixture
async def world(db: Database) -> World:
    admin_id = await add_user(db, "admin@example.org", role=Role.ADMIN)
    await add_user(db, "other-admin@example.org", role=Role.ADMIN)
    translator_id = await add_user(db, "translator@example.org")
    await add_tier(db, "spare")
    return World(
        db=db,
        admin=await actor_for(db, admin_id),
        translator=await actor_for(db, translator_id),
        translator_id=translator_id,
        admin_key=await _key(db, translator_id),
        own_key=await _key(db, translator_id),
        shared_glossary=await _glossary(db, "shared", None),
        own_glossary=await _glossary(db, "mine", translator_id),
        queued_job=await _job(db, translator_id, JobStatus.QUEUED),
        failed_job=await _job(db, translator_id, JobStatus.FAILED),
    )


Action = Callable[[AsyncSession, World, Actor], Awaitable[Any]]

# What an admin does from the Users, Tiers, Settings and Glossaries pages.
ADMIN_ACTIONS: dict[str, Action] = {
    "add a user": lambda s, w, a: users.add_user(
        s, "new@example.org", PASSWORD, actor=a, role=Role.ADMIN
    ),
    "set a tier": lambda s, w, a: users.set_tier(s, w.translator_id, "pro", actor=a),
    "set a role": lambda s, w, a: users.set_role(s, w.translator_id, Role.ADMIN, actor=a),
    "deactivate": lambda s, w, a: users.set_active(s, w.translator_id, False, actor=a),
    "reset a count": lambda s, w, a: users.reset_daily_count(s, w.translator_id, actor=a),
    "set a password": lambda s, w, a: users.set_password(s, w.translator_id, NEW_PASSWORD, actor=a),
    "delete a user": lambda s, w, a: users.delete_user(s, w.translator_id, actor=a),
    "create a key": lambda s, w, a: api_keys.create_api_key(
        s, w.translator_id, actor=a, server_secret=b"s"
    ),
    "revoke a key": lambda s, w, a: api_keys.revoke_api_key(s, w.admin_key, actor=a),
    "create a tier": lambda s, w, a: tiers.create_tier(s, "gold", actor=a),
    "update a tier": lambda s, w, a: tiers.update_tier(s, "pro", actor=a, monthly_price_cents=1),
    "save a tier": lambda s, w, a: tiers.save_tier(s, "gold", actor=a),
    "delete a tier": lambda s, w, a: tiers.delete_tier(s, "spare", actor=a),
    "save settings": lambda s, w, a: preferences.save(s, {"currency": "USD"}, actor=a),
    "edit a shared glossary": lambda s, w, a: store.add_entry(
        s, w.shared_glossary, Entry("dog", "chien"), actor=a
    ),
    "delete a shared glossary": lambda s, w, a: store.delete_glossary(
        s, w.shared_glossary, actor=a
    ),
}

# Admin actions that are not admin-only: translators may edit glossaries (their own).
ANYONES_ACTIONS = {"edit a shared glossary", "delete a shared glossary"}

# What every user does for themselves: own glossaries, jobs, API keys, password, language.
OWN_ACTIONS: dict[str, Action] = {
    "set own language": lambda s, w, a: users.set_language(s, w.translator_id, "fr", actor=a),
    "set own password": lambda s, w, a: users.set_password(
        s, w.translator_id, NEW_PASSWORD, actor=a
    ),
    "create own key": lambda s, w, a: api_keys.create_api_key(
        s, w.translator_id, actor=a, server_secret=b"s"
    ),
    "revoke own key": lambda s, w, a: api_keys.revoke_api_key(s, w.own_key, actor=a),
    "import a glossary": lambda s, w, a: store.import_frame(
        s,
        pd.DataFrame({"source_term": ["owl"], "target_term": ["hibou"]}),
        name="new one",
        source_lang="en",
        target_lang="fr",
        actor=a,
    ),
    "add an own entry": lambda s, w, a: store.add_entry(
        s, w.own_glossary, Entry("dog", "chien"), actor=a
    ),
    "delete an own glossary": lambda s, w, a: store.delete_glossary(s, w.own_glossary, actor=a),
    "cancel an own job": lambda s, w, a: jobs.cancel_job(s, w.queued_job, actor=a),
    "resume an own job": lambda s, w, a: jobs.resume_job(s, w.failed_job, actor=a),
}


async def demote(db: Database, user_id: uuid.UUID) -> None:
    async with db.session() as session:
        await users.set_role(session, user_id, Role.TRANSLATOR, actor=OPERATOR)
        await session.commit()


async def deactivate(db: Database, user_id: uuid.UUID) -> None:
    async with db.session() as session:
        await users.set_active(session, user_id, False, actor=OPERATOR)
        await session.commit()


async def delete(db: Database, user_id: uuid.UUID) -> None:
    async with db.session() as session:
        await users.delete_user(session, user_id, actor=OPERATOR)
        await session.commit()


async def sign_out(db: Database, user_id: uuid.UUID) -> None:
    async with db.session() as session:
        await users.end_sessions(session, user_id)
        await session.commit()


async def demote_quietly(db: Database, user_id: uuid.UUID) -> None:
    """Take the role away without ending the session (as if it were changed in the
    database directly): the role check alone must refuse."""
    async with db.session() as session:
        await session.execute(update(User).where(User.id == user_id).values(role=Role.TRANSLATOR))
        await session.commit()


Loss = Callable[[Database, uuid.UUID], Awaitable[None]]
ADMIN_LOSSES: dict[str, tuple[Loss, Revocation]] = {
    "demoted": (demote_quietly, Revocation.NOT_ADMIN),
    "demoted and signed out": (demote, Revocation.SIGNED_OUT),  # a role change ends sessions
    "deactivated": (deactivate, Revocation.INACTIVE),
    "deleted": (delete, Revocation.INACTIVE),
    "signed out": (sign_out, Revocation.SIGNED_OUT),
}
OWN_LOSSES = {name: ADMIN_LOSSES[name] for name in ("deactivated", "deleted", "signed out")}
# Every action meets one loss of each kind of check (role, row); every loss meets a few
# actions: the check is one function, each service must call it in its transaction.
SOME_ADMIN_ACTIONS = ("add a user", "set a role", "save settings", "edit a shared glossary")
SOME_OWN_ACTIONS = ("set own language", "create own key", "cancel an own job")
ADMIN_CASES = [
    *((action, loss) for action in ADMIN_ACTIONS for loss in ("demoted", "deactivated")),
    *(
        (action, loss)
        for action in SOME_ADMIN_ACTIONS
        for loss in ADMIN_LOSSES
        if loss not in ("demoted", "deactivated")
    ),
]
OWN_CASES = [
    *((action, "deactivated") for action in OWN_ACTIONS),
    *((action, loss) for action in SOME_OWN_ACTIONS for loss in ("deleted", "signed out")),
]


async def fingerprint(db: Database) -> dict[str, Any]:
    """Everything the actions above could change, as plain values."""
    async with db.session() as s:
        return {
            "users": sorted(
                (
                    row.email,
                    row.role,
                    row.tier,
                    row.is_active,
                    row.daily_translation_count,
                    row.preferred_language,
                    row.hashed_password,
                    row.session_generation,
                )
                for row in await s.scalars(select(User))
            ),
            "tiers": sorted((t.name, t.monthly_price_cents) for t in await s.scalars(select(Tier))),
            "keys": sorted((k.prefix, k.revoked_at) for k in await s.scalars(select(ApiKey))),
            "settings": sorted(
                (row.key, str(row.value)) for row in await s.scalars(select(Setting))
            ),
            "glossaries": sorted(
                (g.name, g.checksum, g.entry_count) for g in await s.scalars(select(Glossary))
            ),
            "entries": sorted(e.source_term for e in await s.scalars(select(GlossaryEntry))),
            "jobs": sorted((str(j.id), j.status) for j in await s.scalars(select(TranslationJob))),
            "audit": sorted(str(e.id) for e in await s.scalars(select(AuditEntry))),
        }


async def act(world: World, action: Action, actor: Actor) -> None:
    async with world.db.session() as session:
        await action(session, world, actor)
        await session.commit()


@pytest.mark.parametrize(("action", "loss"), ADMIN_CASES)
async def test_an_admin_who_lost_their_rights_is_refused_and_nothing_is_written(
    world: World, action: str, loss: str
) -> None:
    take_away, reason = ADMIN_LOSSES[loss]
    assert world.admin.id is not None
    await take_away(world.db, world.admin.id)
    before = await fingerprint(world.db)
    with pytest.raises(PermissionDenied) as refused:
        await act(world, ADMIN_ACTIONS[action], world.admin)
    if action in ANYONES_ACTIONS and reason is Revocation.NOT_ADMIN:
        # Anyone may edit glossaries: the action goes on as the translator they now are,
        # whom the store refuses a shared glossary.
        assert not isinstance(refused.value, AccessRevoked)
        assert "shared glossary" in str(refused.value)
    else:
        assert isinstance(refused.value, AccessRevoked)
        assert refused.value.reason is reason
    assert await fingerprint(world.db) == before


@pytest.mark.parametrize(("action", "loss"), OWN_CASES)
async def test_a_user_who_lost_their_session_cannot_act_for_themselves(
    world: World, action: str, loss: str
) -> None:
    take_away, reason = OWN_LOSSES[loss]
    await take_away(world.db, world.translator_id)
    before = await fingerprint(world.db)
    with pytest.raises(AccessRevoked) as refused:
        await act(world, OWN_ACTIONS[action], world.translator)
    assert refused.value.reason is reason
    assert await fingerprint(world.db) == before


@pytest.mark.parametrize("action", list(ADMIN_ACTIONS))
async def test_every_admin_action_writes_while_the_admin_keeps_their_rights(
    world: World, action: str
) -> None:
    """The control for the refusals above: the same actor, nothing lost, does write."""
    before = await fingerprint(world.db)
    await act(world, ADMIN_ACTIONS[action], world.admin)
    after = await fingerprint(world.db)
    assert after != before
    assert len(after["audit"]) > len(before["audit"])


@pytest.mark.parametrize("action", list(OWN_ACTIONS))
async def test_every_own_action_writes_while_the_user_keeps_their_session(
    world: World, action: str
) -> None:
    before = await fingerprint(world.db)
    await act(world, OWN_ACTIONS[action], world.translator)
    assert await fingerprint(world.db) != before


async def test_a_translator_is_refused_admin_actions_with_the_reason(world: World) -> None:
    with pytest.raises(AccessRevoked, match="not an admin") as refused:
        await act(world, ADMIN_ACTIONS["add a user"], world.translator)
    assert refused.value.reason is Revocation.NOT_ADMIN
    # a translator is no admin in the glossary store either: another's glossary is refused
    with pytest.raises(PermissionDenied, match="shared glossary"):
        await act(world, ADMIN_ACTIONS["edit a shared glossary"], world.translator)


async def test_an_admin_built_as_a_translator_acts_as_what_the_database_says(
    world: World,
) -> None:
    """The actor's own ``is_admin`` is only what its builder knew; a user promoted since
    acts as an admin at once."""
    async with world.db.session() as session:
        await users.set_role(session, world.translator_id, Role.ADMIN, actor=OPERATOR)
        await session.commit()
    promoted = await actor_for(world.db, world.translator_id)
    stale = Actor(world.translator_id, world.translator.email, False, promoted.generation)
    await act(world, ADMIN_ACTIONS["create a tier"], stale)
    async with world.db.session() as session:
        assert await session.scalar(select(Tier.name).where(Tier.name == "gold")) == "gold"


async def test_the_operator_always_acts(world: World) -> None:
    for name in ("create a tier", "set a role", "delete a shared glossary"):
        await act(world, ADMIN_ACTIONS[name], OPERATOR)
    async with world.db.session() as session:
        assert (await session.get_one(User, world.translator_id)).role is Role.ADMIN


@pytest.mark.parametrize(
    "change",
    ["sign out", "password", "role", "deactivate"],
)
async def test_sign_out_password_role_and_deactivation_end_the_sessions(
    world: World, change: str
) -> None:
    user_id = world.translator_id
    async with world.db.session() as session:
        if change == "sign out":
            await users.end_sessions(session, user_id)
        elif change == "password":
            await users.set_password(session, user_id, NEW_PASSWORD, actor=OPERATOR)
        elif change == "role":
            await users.set_role(session, user_id, Role.ADMIN, actor=OPERATOR)
        else:
            await users.set_active(session, user_id, False, actor=OPERATOR)
        await session.commit()
    assert world.translator.generation is not None
    assert (await actor_for(world.db, user_id)).generation == world.translator.generation + 1


async def test_changes_that_change_nothing_keep_the_sessions(world: World) -> None:
    async with world.db.session() as session:
        await users.set_role(session, world.translator_id, Role.TRANSLATOR, actor=OPERATOR)
        await users.set_active(session, world.translator_id, True, actor=OPERATOR)
        await users.set_tier(session, world.translator_id, "pro", actor=OPERATOR)
        await session.commit()
    assert await actor_for(world.db, world.translator_id) == world.translator
