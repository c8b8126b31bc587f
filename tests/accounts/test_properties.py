"""Arbitrary input into the account services ends in success or one of our documented errors."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.accounts.support import OPERATOR, add_user
from workbench.accounts import api_keys, quotas, tiers, users
from workbench.accounts.passwords import authenticate
from workbench.db import Database
from workbench.db.models import User
from workbench.errors import WorkbenchError
from workbench.providers.registry import provider_names

# The database fixture is shared by the examples of one test on purpose: each example
# runs in its own session and tolerates what earlier examples left behind.
EXAMPLES = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

texts = st.text(max_size=80)
emails = st.one_of(st.emails(), texts, st.just("ada@example.org"), st.just(" ADA@example.org"))
passwords = st.one_of(texts, st.text(min_size=10, max_size=40))
limits = st.one_of(st.none(), st.integers(), st.integers(min_value=0, max_value=10_000))
providers = st.lists(st.one_of(st.sampled_from(provider_names()), texts), max_size=4)
tier_changes = st.fixed_dictionaries(
    {},
    optional={
        "label_en": texts,
        "label_fr": texts,
        "monthly_price_cents": st.integers(),
        "currency": st.one_of(texts, st.sampled_from(["EUR", "usd", "GBP"])),
        "daily_translation_limit": limits,
        "monthly_character_limit": limits,
        "requests_per_minute": limits,
        "allowed_providers": providers,
        "sort_order": st.integers(),
        "is_public": st.booleans(),
    },
)


@EXAMPLES
@given(email=emails, password=passwords)
async def test_adding_and_signing_in_arbitrary_users(
    db: Database, email: str, password: str
) -> None:
    async with db.session() as session:
        try:
            user = await users.add_user(session, email, password, actor=OPERATOR)
            await session.commit()
        except WorkbenchError:
            await session.rollback()
        else:
            assert user.email == users.validate_email(email)
    async with db.session() as session:
        try:
            signed_in = await authenticate(session, email, password)
            await session.commit()
        except WorkbenchError:
            await session.rollback()
        else:
            assert signed_in.email == users.validate_email(email)


@EXAMPLES
@given(name=st.one_of(texts, st.sampled_from(["pro", "free", "team"])), changes=tier_changes)
async def test_saving_arbitrary_tiers(db: Database, name: str, changes: dict[str, Any]) -> None:
    async with db.session() as session:
        try:
            tier, _created = await tiers.save_tier(session, name, actor=OPERATOR, **changes)
            await session.commit()
        except WorkbenchError:
            await session.rollback()
            return
    for field, value in changes.items():
        stored = getattr(tier, field)
        if field == "allowed_providers":
            assert set(stored) == {p.strip().lower() for p in value}
        elif isinstance(value, str):
            assert stored == (value.strip().upper() if field == "currency" else value.strip())
        else:
            assert stored == value


@EXAMPLES
@given(
    email=emails,
    tier=st.one_of(texts, st.just("pro")),
    search=st.one_of(st.none(), texts),
    page=st.integers(min_value=-2, max_value=5),
    page_size=st.integers(min_value=-1, max_value=600),
)
async def test_arbitrary_user_lookups_and_searches(
    db: Database, email: str, tier: str, search: str | None, page: int, page_size: int
) -> None:
    async with db.session() as session:
        for attempt in (
            users.set_tier(session, email, tier, actor=OPERATOR),
            users.search_users(
                session, email_contains=search, tier=tier, page=page, page_size=page_size
            ),
            api_keys.list_api_keys(session, email),
        ):
            with contextlib.suppress(WorkbenchError):
                await attempt
        await session.rollback()


@EXAMPLES
@given(
    provider=st.one_of(st.sampled_from(provider_names()), texts),
    translations=st.integers(min_value=-5, max_value=2**40),
    characters=st.integers(min_value=-5, max_value=2**60),
    model=texts,
)
async def test_arbitrary_consumption(
    db: Database, provider: str, translations: int, characters: int, model: str
) -> None:
    async with db.session() as session:
        owner = await session.scalar(select(User.id).limit(1))
    user_id = owner if owner is not None else await add_user(db, "quota@example.org")
    for target in (user_id, uuid.uuid4()):
        async with db.session() as session:
            try:
                await quotas.consume(
                    session,
                    target,
                    provider=provider,
                    translations=translations,
                    characters=characters,
                    model=model,
                )
                await session.commit()
            except WorkbenchError:
                await session.rollback()


@EXAMPLES
@given(key=st.one_of(texts, texts.map(lambda t: "wb_" + t), st.just("wb_0123456789ab_secret")))
async def test_arbitrary_api_keys_are_refused_cleanly(db: Database, key: str) -> None:
    async with db.session() as session:
        try:
            await api_keys.verify_api_key(session, key)
        except WorkbenchError:
            pass
        else:
            raise AssertionError(f"{key!r} was accepted")
