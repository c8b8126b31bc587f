"""API keys: shown once, stored as an HMAC only, and refused once revoked, expired or forged."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select

from tests.accounts.support import OPERATOR, add_tier, add_user, audit_entries
from workbench.accounts import api_keys, users
from workbench.accounts.api_keys import ApiScope, create_api_key, verify_api_key
from workbench.accounts.audit import Actor, AuditAction
from workbench.config import get_settings, secret_key
from workbench.db import Database
from workbench.db.models import ApiKey, User
from workbench.errors import (
    AuthenticationFailed,
    InvalidInput,
    NotFound,
    PermissionDenied,
    ProviderNotAllowed,
)

NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


async def new_key(db: Database, email: str = "owner@example.org", **options: object) -> str:
    async with db.session() as session:
        exists = await session.scalar(select(User.id).where(User.email == email))
    if exists is None:
        await add_user(db, email)
    async with db.session() as session:
        created = await create_api_key(session, email, actor=OPERATOR, now=NOW, **options)  # type: ignore[arg-type]
        await session.commit()
    return created.key


async def verify(db: Database, key: str, *, now: datetime = NOW, **options: object) -> str:
    async with db.session() as session:
        user = await verify_api_key(session, key, now=now, **options)  # type: ignore[arg-type]
        await session.commit()
    return user.email


async def refusal(db: Database, key: str, *, now: datetime = NOW) -> str:
    with pytest.raises(AuthenticationFailed) as raised:
        await verify(db, key, now=now)
    return str(raised.value)


async def stored_row(db: Database, prefix: str) -> ApiKey:
    async with db.session() as session:
        return await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))  # type: ignore[return-value]


async def test_a_key_has_the_wb_prefix_and_verifies(db: Database) -> None:
    key = await new_key(db)
    prefix, separator, secret = key[:15], key[15], key[16:]
    assert key.startswith("wb_")
    assert separator == "_"
    assert len(secret) >= 43  # 256 bits, URL-safe base64
    assert await verify(db, key) == "owner@example.org"
    assert (await stored_row(db, prefix)).prefix == prefix


async def test_the_stored_row_never_contains_the_secret(db: Database) -> None:
    key = await new_key(db, name="ci")
    prefix, secret = key[:15], key[16:]
    row = await stored_row(db, prefix)

    for column in inspect(ApiKey).columns:
        value = str(getattr(row, column.key))
        assert secret not in value, column.key
        assert key not in value, column.key
    expected = hmac.new(secret_key(get_settings()), key.encode(), hashlib.sha256).hexdigest()
    assert row.secret_hmac == expected


async def test_last_used_is_written_at_most_once_a_minute(db: Database) -> None:
    key = await new_key(db)
    prefix = key[:15]
    assert (await stored_row(db, prefix)).last_used_at is None

    await verify(db, key, now=NOW)
    assert (await stored_row(db, prefix)).last_used_at == NOW
    await verify(db, key, now=NOW + timedelta(seconds=30))
    assert (await stored_row(db, prefix)).last_used_at == NOW
    later = NOW + timedelta(minutes=2)
    await verify(db, key, now=later)
    assert (await stored_row(db, prefix)).last_used_at == later


async def test_a_revoked_key_fails_and_stays_listed(db: Database) -> None:
    key = await new_key(db)
    async with db.session() as session:
        revoked = await api_keys.revoke_api_key(session, key[:15], actor=OPERATOR, now=NOW)
        await session.commit()
    assert revoked.revoked_at == NOW

    assert await refusal(db, key) == f"the API key {key[:15]} has been revoked"
    async with db.session() as session:
        listed = await api_keys.list_api_keys(session, "owner@example.org")
    assert [api_keys.key_status(row, NOW) for row in listed] == [api_keys.KeyStatus.REVOKED]


async def test_an_expired_key_fails_from_its_expiry_instant(db: Database) -> None:
    expires = NOW + timedelta(days=30)
    key = await new_key(db, expires_at=expires)
    assert await verify(db, key, now=expires - timedelta(microseconds=1)) == "owner@example.org"
    assert await refusal(db, key, now=expires) == f"the API key {key[:15]} has expired"


async def test_a_tampered_key_fails_without_saying_why(db: Database) -> None:
    key = await new_key(db)
    forgeries = [
        key[:-1] + ("A" if key[-1] != "A" else "B"),  # one character of the secret
        key[:16] + "x" * len(key[16:]),  # another secret, same prefix
        "wb_000000000000" + key[15:],  # another prefix, same secret
        key[:15],  # the prefix alone
        key[:16],
        key.replace("wb_", "xx_", 1),
        key.upper(),
        "",
        "wb_" + "\ud800" * 20,
        key[:15] + "\x00" + key[16:],
        key + "extra",
    ]
    for forged in forgeries:
        assert forged != key
        assert await refusal(db, forged) == api_keys.INVALID_KEY, forged
    assert await verify(db, key) == "owner@example.org"


async def test_a_key_made_under_another_server_secret_fails(db: Database) -> None:
    key = await new_key(db)
    async with db.session() as session:
        with pytest.raises(AuthenticationFailed, match=r"^invalid API key$"):
            await verify_api_key(session, key, now=NOW, server_secret=b"another" * 8)


async def test_the_key_of_a_deactivated_owner_fails(db: Database) -> None:
    key = await new_key(db)
    async with db.session() as session:
        await users.set_active(session, "owner@example.org", False, actor=OPERATOR)
        await session.commit()
    assert "deactivated" in await refusal(db, key)


async def test_scopes_limit_what_a_key_may_do(db: Database) -> None:
    key = await new_key(db, scopes=["usage", "translate", "usage"])
    assert await verify(db, key, scope=ApiScope.TRANSLATE) == "owner@example.org"
    with pytest.raises(PermissionDenied, match="'glossaries' scope"):
        await verify(db, key, scope=ApiScope.GLOSSARIES)
    assert (await stored_row(db, key[:15])).scopes == ["translate", "usage"]


async def test_key_options_are_validated(db: Database) -> None:
    refused: list[tuple[dict[str, object], str]] = [
        ({"scopes": ["admin"]}, "unknown scope"),
        ({"scopes": []}, "at least one scope"),
        ({"name": "  "}, "key name"),
        ({"name": "x" * 101}, "key name"),
        ({"name": "tab\there"}, "key name"),
        ({"expires_at": NOW - timedelta(seconds=1)}, "in the future"),
    ]
    for options, message in refused:
        with pytest.raises(InvalidInput, match=message):
            await new_key(db, **options)
    async with db.session() as session:
        assert await api_keys.list_api_keys(session, "owner@example.org") == []


async def test_only_admins_and_the_owner_manage_keys(db: Database) -> None:
    key = await new_key(db)
    other_id = await add_user(db, "other@example.org")
    async with db.session() as session:
        other = Actor.of(await users.get_user(session, other_id))
        owner = Actor.of(await users.get_user(session, "owner@example.org"))
        with pytest.raises(PermissionDenied):
            await create_api_key(session, "owner@example.org", actor=other)
        with pytest.raises(PermissionDenied):
            await api_keys.revoke_api_key(session, key[:15], actor=other)
        await api_keys.revoke_api_key(session, key[:15], actor=owner)
        await session.commit()
    assert await refusal(db, key) == f"the API key {key[:15]} has been revoked"


async def test_revoking_an_unknown_prefix_is_not_found(db: Database) -> None:
    async with db.session() as session:
        with pytest.raises(NotFound, match="no API key with the prefix 'wb_nope'"):
            await api_keys.revoke_api_key(session, "wb_nope", actor=OPERATOR)


async def test_a_key_may_be_pinned_to_a_provider_model_and_rate(db: Database) -> None:
    await add_tier(db, "team", allowed_providers=["pseudo", "deepl"])
    await add_user(db, "pinned@example.org", tier="team")
    key = await new_key(
        db,
        "pinned@example.org",
        provider=" DeepL ",
        model=" quality_optimized ",
        requests_per_minute=30,
    )
    row = await stored_row(db, key[:15])
    assert (row.provider, row.model, row.requests_per_minute) == ("deepl", "quality_optimized", 30)
    [created] = await audit_entries(db, AuditAction.API_KEY_CREATE)
    assert created.after is not None
    assert created.after["provider"] == "deepl"
    assert created.after["model"] == "quality_optimized"
    assert created.after["requests_per_minute"] == 30
    plain = await stored_row(db, (await new_key(db, "pinned@example.org", name="plain"))[:15])
    assert (plain.provider, plain.model, plain.requests_per_minute) == (None, None, None)


async def test_pinning_is_validated_and_follows_the_owners_tier(db: Database) -> None:
    await add_user(db, "owner@example.org")  # the free tier: pseudo and google
    refused: list[tuple[dict[str, object], type[Exception], str]] = [
        ({"provider": "bing"}, InvalidInput, "unknown provider 'bing'; the providers are: pseudo"),
        ({"model": "gpt-4o"}, InvalidInput, "a key's model needs its provider"),
        ({"provider": "pseudo", "model": "m" * 201}, InvalidInput, "model name"),
        ({"provider": "pseudo", "model": "new\nline"}, InvalidInput, "model name"),
        ({"requests_per_minute": 0}, InvalidInput, "1 to 100,000 requests per minute"),
        ({"requests_per_minute": 100_001}, InvalidInput, "1 to 100,000 requests per minute"),
        ({"requests_per_minute": 2.5}, InvalidInput, "whole number"),
        ({"requests_per_minute": True}, InvalidInput, "whole number"),
        (
            {"provider": "deepl"},
            ProviderNotAllowed,
            "the free tier does not include the provider deepl; it includes: pseudo, google",
        ),
    ]
    for options, error, message in refused:
        with pytest.raises(error, match=message):
            await new_key(db, **options)
    async with db.session() as session:
        assert await api_keys.list_api_keys(session, "owner@example.org") == []
    key = await new_key(db, provider="pseudo", requests_per_minute=100_000)
    row = await stored_row(db, key[:15])
    assert (row.provider, row.model, row.requests_per_minute) == ("pseudo", None, 100_000)
