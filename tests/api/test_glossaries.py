"""DeepL's glossary endpoints over the key owner's workbench glossaries, through the official
SDK against a real ``workbench api``, on both backends; bodies checked against both documents.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import deepl
import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from tests.api import shapes
from tests.api.conftest import TESTS, Account, ApiServer
from workbench.db import Database
from workbench.db.models import AuditEntry, Glossary, Role, User
from workbench.glossary.store import import_frame

BOTH = ("translate", "glossaries")
TSV = "text/tab-separated-values"


def translator(server: ApiServer, account: Account) -> deepl.Translator:
    return deepl.Translator(account.key, server_url=server.url, send_platform_info=False)


def call(
    server: ApiServer, method: str, path: str, account: Account, **kwargs: Any
) -> httpx.Response:
    headers = {"Authorization": f"DeepL-Auth-Key {account.key}", **kwargs.pop("headers", {})}
    return httpx.request(method, f"{server.url}{path}", headers=headers, timeout=60, **kwargs)


def checked(response: httpx.Response, path: str, method: str) -> Any:
    """The response's body, checked against our document and DeepL's."""
    kind = response.headers.get("Content-Type", "").split(";")[0]
    body: Any = response.json() if kind == "application/json" else response.text or None
    media = kind or "application/json"
    shapes.check_response(path, method, response.status_code, body, media)
    shapes.check_deepl_response(path, method, response.status_code, body, media)
    return body


async def _shared_glossary(url: URL, name: str, entries: dict[str, str]) -> str:
    import pandas as pd

    frame = pd.DataFrame({"source_term": list(entries), "target_term": list(entries.values())})
    async with Database(url) as db, db.session() as session:
        result = await import_frame(
            session, frame, name=name, source_lang="en", target_lang="de", actor=TESTS
        )
        await session.commit()
    return str(result.glossary.id)


async def _glossary_row(url: URL, glossary_id: str) -> tuple[str, int, uuid.UUID | None] | None:
    async with Database(url) as db, db.session() as session:
        row = await session.get(Glossary, uuid.UUID(glossary_id))
        return None if row is None else (row.name, row.entry_count, row.owner_id)


async def _audited(url: URL, glossary_id: str) -> list[tuple[str, str]]:
    async with Database(url) as db, db.session() as session:
        rows = await session.execute(
            select(AuditEntry.action, User.email)
            .join(User, User.id == AuditEntry.actor_id)
            .where(AuditEntry.target_id == glossary_id)
            .order_by(AuditEntry.created_at)
        )
        return [(action, email) for action, email in rows]


async def _glossary_count(url: URL) -> int:
    async with Database(url) as db, db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Glossary)) or 0)


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def test_create_list_get_entries_and_delete(api_server: ApiServer) -> None:
    account = api_server.account(scopes=BOTH)
    client = translator(api_server, account)
    name = unique("Art terms")

    info = client.create_glossary(name, "EN", "DE", {"artist": "Maler", "prize": "Preis"})

    assert (info.name, info.ready, info.source_lang, info.target_lang) == (name, True, "EN", "DE")
    assert info.entry_count == 2
    assert info.creation_time.tzinfo is not None
    assert info.glossary_id in [g.glossary_id for g in client.list_glossaries()]
    assert client.get_glossary(info.glossary_id).name == name
    assert client.get_glossary_entries(info) == {"artist": "Maler", "prize": "Preis"}
    assert _audited_actions(api_server, info.glossary_id) == [("glossary.create", account.email)]

    path = f"/v2/glossaries/{info.glossary_id}"
    listed = checked(call(api_server, "GET", "/v2/glossaries", account), "/v2/glossaries", "get")
    one = checked(call(api_server, "GET", path, account), path, "get")
    assert one in listed["glossaries"]
    assert one["creation_time"].endswith("Z")
    assert one["source_lang"] == "en"
    entries = call(api_server, "GET", f"{path}/entries", account, headers={"Accept": TSV})
    assert checked(entries, f"{path}/entries", "get") == "artist\tMaler\nprize\tPreis"

    client.delete_glossary(info)

    assert info.glossary_id not in [g.glossary_id for g in client.list_glossaries()]
    with pytest.raises(deepl.GlossaryNotFoundException):
        client.get_glossary(info.glossary_id)
    assert asyncio.run(_glossary_row(api_server.database, info.glossary_id)) is None
    assert [action for action, _ in _audited_actions(api_server, info.glossary_id)] == [
        "glossary.create",
        "glossary.delete",
    ]


def _audited_actions(server: ApiServer, glossary_id: str) -> list[tuple[str, str]]:
    return asyncio.run(_audited(server.database, glossary_id))


def test_create_from_csv_and_from_a_form(api_server: ApiServer) -> None:
    account = api_server.account(scopes=BOTH)
    client = translator(api_server, account)

    info = client.create_glossary_from_csv(unique("Sky"), "en", "fr", "sun,soleil\nmoon,lune\n")
    assert client.get_glossary_entries(info) == {"sun": "soleil", "moon": "lune"}
    # The format names the delimiter: a tab in a CSV term is no column break (and comes
    # back from the TSV entries as a space).
    tabbed = client.create_glossary_from_csv(unique("Tab"), "en", "de", "sun\tday,Sonntag\n")
    assert client.get_glossary_entries(tabbed) == {"sun day": "Sonntag"}

    form = {
        "name": unique("Form"),
        "source_lang": "EN",
        "target_lang": "DE",
        "entries": "house, big\tgroßes Haus\n",  # a comma inside a TSV term stays in it
        "entries_format": "tsv",
    }
    response = call(api_server, "POST", "/v2/glossaries", account, data=form)
    assert response.status_code == 201, response.text
    created = checked(response, "/v2/glossaries", "post")
    assert created["entry_count"] == 1
    assert client.get_glossary_entries(created["glossary_id"]) == {"house, big": "großes Haus"}


@pytest.mark.parametrize("provider", ["pseudo", "deepl"])
def test_a_translation_follows_the_glossary(api_server: ApiServer, provider: str) -> None:
    account = api_server.account(providers=("pseudo", "deepl"), scopes=BOTH)
    api_server.pin(account, provider)
    client = translator(api_server, account)
    glossary = client.create_glossary(unique("Studio"), "EN", "DE", {"artist": "Künstlerin"})

    result = client.translate_text(
        "The artist paints", source_lang="EN", target_lang="DE", glossary=glossary
    )

    assert isinstance(result, deepl.TextResult)
    assert "Künstlerin" in result.text
    assert "artist" not in result.text
    plain = client.translate_text("The artist paints", source_lang="EN", target_lang="DE")
    assert isinstance(plain, deepl.TextResult)
    assert "Künstlerin" not in plain.text


def test_a_shared_glossary_is_listed_and_used_but_not_deleted(api_server: ApiServer) -> None:
    account = api_server.account(scopes=BOTH)
    client = translator(api_server, account)
    entries = {"cat": "Katze", "big\tcat": "große\nKatze"}  # made elsewhere, not by TSV
    shared = asyncio.run(_shared_glossary(api_server.database, unique("Shared"), entries))

    assert shared in [g.glossary_id for g in client.list_glossaries()]
    result = client.translate_text("my cat", source_lang="EN", target_lang="DE", glossary=shared)
    assert isinstance(result, deepl.TextResult)
    assert "Katze" in result.text
    # DeepL's TSV cannot carry a tab or a line break inside a term: each is a space.
    assert client.get_glossary_entries(shared) == {"cat": "Katze", "big cat": "große Katze"}

    with pytest.raises(deepl.AuthorizationException, match="shared with every user"):
        client.delete_glossary(shared)
    assert asyncio.run(_glossary_row(api_server.database, shared)) is not None


def test_another_users_glossary_is_a_missing_one(api_server: ApiServer) -> None:
    owner = api_server.account(scopes=BOTH)
    other = api_server.account(scopes=BOTH)
    private = translator(api_server, owner).create_glossary(
        unique("Private"), "EN", "DE", {"secret": "Geheimnis"}
    )
    before = asyncio.run(_glossary_row(api_server.database, private.glossary_id))
    missing = str(uuid.uuid4())
    client = translator(api_server, other)

    assert private.glossary_id not in [g.glossary_id for g in client.list_glossaries()]
    for glossary_id in (private.glossary_id, missing):
        with pytest.raises(deepl.GlossaryNotFoundException):
            client.get_glossary(glossary_id)
        with pytest.raises(deepl.GlossaryNotFoundException):
            client.get_glossary_entries(glossary_id)
        with pytest.raises(deepl.GlossaryNotFoundException):
            client.delete_glossary(glossary_id)
    answers = []
    text = {"text": ["secret"], "source_lang": "EN", "target_lang": "DE"}
    for glossary_id in (private.glossary_id, missing):
        for method, path in (
            ("GET", f"/v2/glossaries/{glossary_id}"),
            ("DELETE", f"/v2/glossaries/{glossary_id}"),
        ):
            response = call(api_server, method, path, other)
            assert response.status_code == 404
            answers.append(checked(response, path, method)["message"].replace(glossary_id, "?"))
        translate = call(
            api_server,
            "POST",
            "/v2/translate",
            other,
            json={**text, "glossary_id": glossary_id},
        )
        assert translate.status_code == 404
        message = checked(translate, "/v2/translate", "post")["message"]
        answers.append(message.replace(glossary_id, "?"))
    assert answers[:3] == answers[3:]  # word for word the same: the id tells nothing

    assert asyncio.run(_glossary_row(api_server.database, private.glossary_id)) == before
    assert client.get_usage().character.count == 0


def test_an_admins_key_reaches_no_one_elses_private_glossary(api_server: ApiServer) -> None:
    owner = api_server.account(scopes=BOTH)
    admin = api_server.account(scopes=BOTH)
    asyncio.run(_make_admin(api_server.database, admin.email))
    private = translator(api_server, owner).create_glossary(
        unique("Mine"), "EN", "DE", {"mine": "meins"}
    )
    client = translator(api_server, admin)

    assert private.glossary_id not in [g.glossary_id for g in client.list_glossaries()]
    with pytest.raises(deepl.GlossaryNotFoundException):
        client.delete_glossary(private)
    with pytest.raises(deepl.DeepLException, match="Glossary not found"):
        client.translate_text("mine", source_lang="EN", target_lang="DE", glossary=private)
    assert asyncio.run(_glossary_row(api_server.database, private.glossary_id)) is not None


async def _make_admin(url: URL, email: str) -> None:
    async with Database(url) as db, db.session() as session:
        user = await session.scalar(select(User).where(User.email == email))
        assert user is not None
        user.role = Role.ADMIN
        await session.commit()


def test_bad_entries_are_refused_with_their_line(api_server: ApiServer) -> None:
    account = api_server.account(scopes=BOTH)
    count = asyncio.run(_glossary_count(api_server.database))
    body = {
        "name": unique("Bad"),
        "source_lang": "EN",
        "target_lang": "DE",
        "entries": "good\tgut\nbad\t\nfine\tfein\n",
        "entries_format": "tsv",
    }

    response = call(api_server, "POST", "/v2/glossaries", account, json=body)

    assert response.status_code == 400
    message = checked(response, "/v2/glossaries", "post")["message"]
    assert "line 2" in message
    assert "nothing was imported" in message
    for change, status, expected in (
        ({"entries_format": "xlsx"}, 400, "use tsv or csv"),
        ({"source_lang": "EN", "target_lang": "EN"}, 400, "two languages"),
        ({"target_lang": "not a language!"}, 400, "target_lang"),
        ({"entries": ""}, 400, "'entries' not specified"),
        ({"entries": "a\tb\tc\n"}, 400, "3 columns"),
        ({"entries": "x\ty\n" * 10 + "z" * (10 * 1024 * 1024)}, 413, "at most 10 MiB"),
        ({"entries": "x\ty\n" * 250_001}, 413, "at most 250,000 entries"),
    ):
        good = {**body, "entries": "good\tgut\n", **change}
        response = call(api_server, "POST", "/v2/glossaries", account, json=good)
        assert response.status_code == status, (change.keys(), response.text)
        assert expected in checked(response, "/v2/glossaries", "post")["message"]
    assert asyncio.run(_glossary_count(api_server.database)) == count


def test_the_glossaries_scope_is_needed_to_change_them(api_server: ApiServer) -> None:
    reader = api_server.account(scopes=("translate",))
    client = translator(api_server, reader)

    with pytest.raises(deepl.AuthorizationException, match="glossaries"):
        client.create_glossary(unique("No scope"), "EN", "DE", {"a": "b"})
    assert all(g.name != "No scope" for g in client.list_glossaries())


def test_a_translation_with_a_glossary_needs_its_languages(api_server: ApiServer) -> None:
    account = api_server.account(scopes=BOTH)
    glossary = translator(api_server, account).create_glossary(
        unique("Pair"), "EN", "DE", {"dog": "Hund"}
    )
    base = {"text": ["dog"], "glossary_id": glossary.glossary_id}

    for change, expected in (
        ({"target_lang": "DE"}, "requires the source_lang"),
        ({"source_lang": "EN", "target_lang": "FR"}, "target language"),
        ({"source_lang": "ES", "target_lang": "DE"}, "source language"),
        ({"source_lang": "EN", "target_lang": "DE", "glossary_id": "nope"}, "not an id"),
    ):
        response = call(api_server, "POST", "/v2/translate", account, json={**base, **change})
        assert response.status_code == 400, response.text
        assert expected in checked(response, "/v2/translate", "post")["message"]


def test_entries_come_as_tsv_only(api_server: ApiServer) -> None:
    account = api_server.account(scopes=BOTH)
    glossary = translator(api_server, account).create_glossary(
        unique("Accept"), "EN", "DE", {"a": "b"}
    )
    path = f"/v2/glossaries/{glossary.glossary_id}/entries"

    response = call(api_server, "GET", path, account, headers={"Accept": "application/json"})

    assert response.status_code == 415
    assert "tab-separated" in response.json()["message"]


def test_language_pairs_of_the_provider_serving_the_key(api_server: ApiServer) -> None:
    account = api_server.account(providers=("pseudo", "deepl"))
    api_server.pin(account, "deepl")
    client = translator(api_server, account)

    pairs = {(pair.source_lang, pair.target_lang) for pair in client.get_glossary_languages()}

    assert ("en", "de") in pairs
    assert ("de", "en") in pairs
    assert not any(source == target for source, target in pairs)
    path = "/v2/glossary-language-pairs"
    checked(call(api_server, "GET", path, account), path, "get")


def test_a_name_in_use_is_refused_and_nothing_changes(api_server: ApiServer) -> None:
    first = api_server.account(scopes=BOTH)
    second = api_server.account(scopes=BOTH)
    name = unique("Taken")
    taken = translator(api_server, first).create_glossary(name, "EN", "DE", {"one": "eins"})

    with pytest.raises(deepl.DeepLException, match="choose another name"):
        translator(api_server, second).create_glossary(name, "EN", "FR", {"one": "un"})

    row = asyncio.run(_glossary_row(api_server.database, taken.glossary_id))
    assert row is not None
    assert row[:2] == (name, 1)
    assert translator(api_server, first).get_glossary_entries(taken) == {"one": "eins"}
