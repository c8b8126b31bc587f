"""Admin-editable settings: defaults, validated and audited saves, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.accounts.support import OPERATOR, add_user, load_user
from workbench import preferences
from workbench.accounts.audit import Actor, AuditAction, recent_entries
from workbench.db import Database
from workbench.db.models import Role, Setting
from workbench.errors import InvalidInput, PermissionDenied
from workbench.preferences import DEFAULT_PRICES, PreferenceChanges, Preferences


async def stored_rows(db: Database) -> dict[str, object]:
    async with db.session() as session:
        rows = await session.execute(select(Setting.key, Setting.value))
        return {row.key: row.value for row in rows}


async def save(db: Database, changes: PreferenceChanges, actor: Actor = OPERATOR) -> Preferences:
    async with db.session() as session:
        saved = await preferences.save(session, changes, actor=actor)
        await session.commit()
        return saved


async def test_defaults_apply_until_an_admin_saves(db: Database) -> None:
    async with db.session() as session:
        prefs = await preferences.load(session)
    assert prefs == Preferences()
    assert prefs.prices == DEFAULT_PRICES
    assert prefs.concurrency == {}
    assert prefs.concurrency_for("deepl", 4) == 4


async def test_save_stores_validates_and_audits(db: Database) -> None:
    admin_id = await add_user(db, "boss@example.com", role=Role.ADMIN)
    actor = Actor.of(await load_user(db, admin_id))
    saved = await save(
        db,
        {
            "default_provider": " deepl ",
            "default_model": "quality_optimized",
            "currency": "usd",
            "ui_language": "FR",
            "prices": {"deepl": 25, "openai": 5.0},  # openai unchanged
            "concurrency": {"openai": 8},
        },
        actor,
    )
    async with db.session() as session:
        loaded = await preferences.load(session)
        by = set(await session.scalars(select(Setting.updated_by)))
        [entry] = await recent_entries(session, action=AuditAction.SETTINGS_UPDATE)
    assert loaded == saved
    assert loaded.default_provider == "deepl"
    assert loaded.currency == "USD"
    assert loaded.ui_language == "fr"
    assert loaded.price_per_million("deepl") == 25.0
    assert loaded.concurrency_for("openai", 4) == 8
    assert loaded.cost("deepl", 2_000_000) == 50.0
    assert by == {admin_id}
    assert (entry.actor_email, entry.target_type, entry.target_id) == (
        "boss@example.com",
        "settings",
        "preferences",
    )
    assert entry.before == {
        "default_provider": "pseudo",
        "default_model": "",
        "currency": "EUR",
        "ui_language": "en",
        "prices": {"deepl": 20.0},
        "concurrency": {"openai": None},
    }
    assert entry.after is not None
    assert entry.after["prices"] == {"deepl": 25.0}
    assert entry.after["concurrency"] == {"openai": 8}
    # Only what the admin set is stored: later changes to the built-in prices still apply.
    assert (await stored_rows(db))["prices"] == {"deepl": 25.0}


async def test_saving_again_updates_rows_and_blank_concurrency_resets(db: Database) -> None:
    await save(db, {"prices": {"deepl": 25.0}, "concurrency": {"deepl": 2, "openai": 8}})
    await save(db, {"prices": {"deepl": 30.0}, "concurrency": {"deepl": None}})
    rows = await stored_rows(db)
    assert rows == {"prices": {"deepl": 30.0}, "concurrency": {"openai": 8}}
    async with db.session() as session:
        entries = await recent_entries(session, action=AuditAction.SETTINGS_UPDATE)
    assert len(entries) == 2
    assert entries[0].after == {"prices": {"deepl": 30.0}, "concurrency": {"deepl": None}}


async def test_saving_the_same_values_writes_nothing(db: Database) -> None:
    await save(db, {"default_provider": "pseudo", "prices": {"deepl": 20.0}, "currency": "EUR"})
    assert await stored_rows(db) == {}
    async with db.session() as session:
        assert await recent_entries(session, action=AuditAction.SETTINGS_UPDATE) == []


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"default_provider": "babelfish"}, "unknown provider 'babelfish'"),
        ({"prices": {"deepl": -1}}, "the price of deepl must be a number ≥ 0"),
        ({"prices": {"deepl": float("nan")}}, "the price of deepl must be a number ≥ 0"),
        ({"prices": {"nobody": 1.0}}, "unknown provider 'nobody' in prices"),
        ({"concurrency": {"openai": 0}}, "from 1 to 64"),
        ({"concurrency": {"openai": 65}}, "from 1 to 64"),
        ({"concurrency": {"openai": 2.5}}, "from 1 to 64"),
        ({"currency": "EURO"}, "3-letter code"),
        ({"currency": "€€€"}, "3-letter code"),
        ({"ui_language": "de"}, "must be one of en, fr"),
        ({"default_model": "m" * 201}, "longer than 200"),
        ({"colour": "blue"}, "unknown setting 'colour'"),
    ],
)
async def test_bad_values_are_refused_and_nothing_is_stored(
    db: Database, changes: PreferenceChanges, problem: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        # A good change alongside is not stored either.
        await save(db, {**changes, "default_model": changes.get("default_model", "x")})
    assert problem in str(raised.value)
    assert "\n" not in str(raised.value)
    assert await stored_rows(db) == {}


async def test_every_problem_is_reported_at_once(db: Database) -> None:
    with pytest.raises(InvalidInput) as raised:
        await save(db, {"prices": {"deepl": -1}, "currency": "x"})
    assert len(raised.value.problems) == 2


async def test_only_admins_may_save(db: Database) -> None:
    user_id = await add_user(db, "someone@example.com")
    with pytest.raises(PermissionDenied):
        await save(db, {"currency": "USD"}, Actor.of(await load_user(db, user_id)))
    assert await stored_rows(db) == {}


async def test_a_rolled_back_save_leaves_neither_settings_nor_audit(db: Database) -> None:
    async with db.session() as session:
        await preferences.save(session, {"currency": "GBP"}, actor=OPERATOR)
        await session.rollback()
    assert await stored_rows(db) == {}
    async with db.session() as session:
        count = await session.scalar(select(func.count()).select_from(Setting))
        assert count == 0
        assert await recent_entries(session, action=AuditAction.SETTINGS_UPDATE) == []
