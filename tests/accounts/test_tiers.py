"""Tiers and pricing: validated edits, unlimited as None, no deleting a tier in use."""

from __future__ import annotations

import pytest

from tests.accounts.support import OPERATOR, add_tier, add_user
from workbench.accounts import tiers
from workbench.accounts.tiers import parse_limit, parse_price, save_tier
from workbench.db import Database
from workbench.errors import AlreadyExists, InvalidInput, NotFound
from workbench.providers.registry import provider_names


async def test_seeded_tiers_are_listed_in_order(db: Database) -> None:
    async with db.session() as session:
        listed = await tiers.list_tiers(session)
    assert [(t.name, t.monthly_price_cents, t.currency) for t in listed] == [
        ("free", 0, "EUR"),
        ("pro", 1900, "EUR"),
    ]


async def test_create_a_tier_with_defaults_then_edit_it(db: Database) -> None:
    async with db.session() as session:
        tier, created = await save_tier(
            session, " Team ", actor=OPERATOR, daily_translation_limit=5
        )
        await session.commit()
    assert created
    assert (tier.name, tier.label_en, tier.label_fr, tier.sort_order) == ("team", "Team", "Team", 2)
    assert tier.allowed_providers == ["pseudo"]
    assert tier.monthly_character_limit is None

    async with db.session() as session:
        tier, created = await save_tier(
            session,
            "team",
            actor=OPERATOR,
            daily_translation_limit=None,
            monthly_price_cents=4990,
            currency="usd",
            allowed_providers=["openai", "deepl", "openai"],
            label_fr="Équipe",
        )
        await session.commit()
    assert not created
    async with db.session() as session:
        stored = await tiers.get_tier(session, "TEAM")
    assert stored.daily_translation_limit is None
    assert (stored.monthly_price_cents, stored.currency) == (4990, "USD")
    assert stored.allowed_providers == ["deepl", "openai"]  # canonical order, no duplicates
    assert stored.label_fr == "Équipe"


async def test_creating_an_existing_tier_is_refused(db: Database) -> None:
    async with db.session() as session:
        with pytest.raises(AlreadyExists, match="a tier named 'pro' already exists"):
            await tiers.create_tier(session, "pro", actor=OPERATOR)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"daily_translation_limit": -1}, "daily_translation_limit must be between 0"),
        ({"monthly_character_limit": 2**63}, "monthly_character_limit must be between"),
        ({"requests_per_minute": 0}, "requests_per_minute must be between 1"),
        ({"monthly_price_cents": 9.99}, "monthly_price_cents must be a whole number"),
        ({"monthly_price_cents": True}, "must be a whole number"),
        ({"currency": "EURO"}, "three-letter ISO 4217 code"),
        ({"currency": "€€€"}, "three-letter ISO 4217 code"),
        ({"allowed_providers": ["deepl", "bing"]}, "unknown provider(s) 'bing'"),
        ({"allowed_providers": "deepl"}, "list of provider names"),
        ({"label_en": ""}, "label_en must be a non-empty text"),
        ({"label_fr": "two\nlines"}, "label_fr must be printable text on one line"),
        ({"colour": "gold"}, "'colour' is not a tier field"),
    ],
)
def test_invalid_tier_values_are_refused_with_every_problem(
    changes: dict[str, object], problem: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        tiers.validate_tier_changes(changes)
    assert problem in str(raised.value)
    assert str(raised.value).startswith("invalid tier: ")


async def test_an_invalid_edit_reports_every_problem_and_changes_nothing(db: Database) -> None:
    async with db.session() as session:
        with pytest.raises(InvalidInput) as raised:
            await tiers.update_tier(
                session, "pro", actor=OPERATOR, currency="x", requests_per_minute=-5
            )
    assert len(raised.value.problems) == 2
    async with db.session() as session:
        pro = await tiers.get_tier(session, "pro")
    assert (pro.currency, pro.requests_per_minute) == ("EUR", 120)


@pytest.mark.parametrize("name", ["", "Gold Plan", "-gold", "x" * 33, "tier/../x", "café"])
def test_tier_names_are_validated(name: str) -> None:
    with pytest.raises(InvalidInput, match="is not a valid tier name"):
        tiers.validate_tier_name(name)


async def test_a_tier_in_use_or_the_default_cannot_be_deleted(db: Database) -> None:
    await add_tier(db, "team")
    await add_user(db, "member@example.org", tier="team")
    async with db.session() as session:
        with pytest.raises(InvalidInput, match="'team' cannot be deleted: 1 user"):
            await tiers.delete_tier(session, "team", actor=OPERATOR)
        with pytest.raises(InvalidInput, match="'free' cannot be deleted"):
            await tiers.delete_tier(session, "free", actor=OPERATOR)

    await add_tier(db, "empty")
    async with db.session() as session:
        await tiers.delete_tier(session, "empty", actor=OPERATOR)
        await session.commit()
    async with db.session() as session:
        with pytest.raises(NotFound):
            await tiers.get_tier(session, "empty")
        assert await tiers.users_per_tier(session) == {"free": 0, "pro": 0, "team": 1}


@pytest.mark.parametrize(
    ("text", "limit"),
    [("none", None), ("Unlimited", None), (" 50 ", 50), ("1_000_000", 1_000_000), ("0", 0)],
)
def test_parse_limit(text: str, limit: int | None) -> None:
    assert parse_limit(text) == limit


@pytest.mark.parametrize("text", ["", "-1", "1.5", "ten", "１２", "9" * 30])
def test_parse_limit_refuses(text: str) -> None:
    with pytest.raises(InvalidInput, match="whole number or 'none'"):
        parse_limit(text, "--daily-limit")


@pytest.mark.parametrize(("text", "cents"), [("9.99", 999), ("19", 1900), ("0", 0), ("0.5", 50)])
def test_parse_price(text: str, cents: int) -> None:
    assert parse_price(text) == cents


@pytest.mark.parametrize("text", ["", "9.999", "-1", "abc", "NaN", "inf", "1e400", "1e-400"])
def test_parse_price_refuses(text: str) -> None:
    with pytest.raises(InvalidInput, match="price must be an amount"):
        parse_price(text)


def test_the_provider_names_match_the_design() -> None:
    assert provider_names() == ["pseudo", "google", "google_cloud", "deepl", "openai", "ollama"]
