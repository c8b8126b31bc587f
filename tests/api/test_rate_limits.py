"""Requests per minute through the API: the tier's and the key's limits hold across the
API's processes (they are counted in the database), a refusal is DeepL's 429 with
``Retry-After``, and DeepL's SDK waits and tries again."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import deepl
import httpx
from sqlalchemy import func, insert, select, update

from tests.api.conftest import Account, ApiServer
from tests.api.shapes import check_response
from workbench.db import Database
from workbench.db.base import utcnow
from workbench.db.models import ApiKey, RateLimitHit, User

API_WORKERS = 3  # three processes share the port: the limit must hold across them


def _translate(api_server: ApiServer, account: Account, text: str) -> httpx.Response:
    return api_server.post("/v2/translate", account, data={"text": text, "target_lang": "FR"})


async def _hits(api_server: ApiServer, bucket: str) -> int:
    async with Database(api_server.database) as db, db.session() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(RateLimitHit).where(RateLimitHit.bucket == bucket)
            )
            or 0
        )


async def _user_bucket(api_server: ApiServer, account: Account) -> str:
    async with Database(api_server.database) as db, db.session() as session:
        user_id = await session.scalar(select(User.id).where(User.email == account.email))
    return f"user:{user_id}"


def test_the_tiers_rate_holds_across_the_api_processes(api_server: ApiServer) -> None:
    account = api_server.account(requests_per_minute=12)
    texts = [f"Sentence {n}" for n in range(30)]

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda text: _translate(api_server, account, text), texts))

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] * 12 + [429] * 18
    refused = next(answer for answer in answers if answer.status_code == 429)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "12 requests per minute" in refused.json()["message"]
    check_response("/v2/translate", "post", 429, refused.json())
    bucket = asyncio.run(_user_bucket(api_server, account))
    assert asyncio.run(_hits(api_server, bucket)) == 12


async def _set_key_rate(api_server: ApiServer, account: Account, rate: int) -> None:
    async with Database(api_server.database) as db, db.session() as session:
        await session.execute(
            update(ApiKey).where(ApiKey.prefix == account.prefix).values(requests_per_minute=rate)
        )
        await session.commit()


def test_a_keys_own_rate_applies_below_its_tiers(api_server: ApiServer) -> None:
    account = api_server.account(requests_per_minute=100)
    asyncio.run(_set_key_rate(api_server, account, 2))

    statuses = [_translate(api_server, account, f"Text {n}").status_code for n in range(4)]

    assert statuses == [200, 200, 429, 429]
    message = _translate(api_server, account, "again").json()["message"]
    assert "this API key's limit of 2 requests per minute" in message
    # The refusals by the key were not counted against its owner's tier.
    bucket = asyncio.run(_user_bucket(api_server, account))
    assert asyncio.run(_hits(api_server, bucket)) == 2


async def _fill_window_ending_soon(api_server: ApiServer, bucket: str, count: int) -> None:
    """``count`` hits from 59.5 s ago: the window is full and frees in half a second."""
    at = utcnow() - timedelta(seconds=59.5)
    async with Database(api_server.database) as db, db.session() as session:
        await session.execute(insert(RateLimitHit), [{"bucket": bucket, "at": at}] * count)
        await session.commit()


def test_deepls_sdk_waits_for_the_rate_and_then_succeeds(api_server: ApiServer) -> None:
    account = api_server.account(requests_per_minute=3)
    bucket = asyncio.run(_user_bucket(api_server, account))
    asyncio.run(_fill_window_ending_soon(api_server, bucket, 3))
    client = deepl.Translator(account.key, server_url=api_server.url, send_platform_info=False)
    refusals_before = _refusals(api_server)

    result = client.translate_text("Patience", target_lang="FR")

    assert isinstance(result, deepl.TextResult)
    assert result.text != "Patience"
    # The first try was refused (a 429 in the server's access log), a later one admitted
    # once the old hits had left the window (they are pruned as it admits).
    assert _refusals(api_server) > refusals_before
    assert asyncio.run(_hits(api_server, bucket)) == 1


def _refusals(api_server: ApiServer) -> int:
    return api_server.log.read_text().count("429 POST /v2/translate")
