"""The LibreTranslate API against a real ``workbench api``, over loopback, on both backends:
LibreTranslate's own Python client where it has the call, plain HTTP where it has not
(HTML, lists of texts, files). Every answer is checked against the OpenAPI document."""

from __future__ import annotations

import asyncio
import json
import urllib.error
from typing import Any

import httpx
import pytest
from libretranslatepy import LibreTranslateAPI
from sqlalchemy import select

from tests.api.conftest import Account, ApiServer, server_env
from tests.api.shapes import check_response
from tests.providers.fakes.google_web_api import translated as google_translated
from workbench.config import Settings
from workbench.db import Database
from workbench.db.models import UsageEvent, User
from workbench.notebook import Workbench
from workbench.providers.pseudo import pseudo_localize


def client(server: ApiServer, account: Account | None) -> LibreTranslateAPI:
    return LibreTranslateAPI(server.url, account.key if account is not None else None)


def libre(server: ApiServer, path: str, **kwargs: Any) -> httpx.Response:
    """A request as LibreTranslate clients send it: no Authorization header."""
    method = kwargs.pop("method", "POST")
    return httpx.request(method, f"{server.url}{path}", timeout=60, **kwargs)


def checked(answer: httpx.Response, path: str, method: str = "post") -> Any:
    body = answer.json()
    check_response(path, method, answer.status_code, body)
    return body


def usage_of(server: ApiServer, account: Account) -> int:
    answer = server.post("/v2/usage", account)
    assert answer.status_code == 200, answer.text
    count = answer.json()["character_count"]
    assert isinstance(count, int)
    return count


# --- /translate ------------------------------------------------------------------------


def test_one_text_through_libretranslates_client(api_server: ApiServer) -> None:
    account = api_server.account()

    assert client(api_server, account).translate("Hello world", "en", "de") == pseudo_localize(
        "Hello world"
    )
    assert usage_of(api_server, account) == len("Hello world")


def test_a_list_of_texts_as_json_gets_a_list(api_server: ApiServer) -> None:
    account = api_server.account()
    body = {"q": ["One thing", "Another"], "source": "en", "target": "fr", "api_key": account.key}

    answer = libre(api_server, "/translate", json=body)

    assert answer.status_code == 200, answer.text
    result = checked(answer, "/translate")
    assert result == {"translatedText": [pseudo_localize("One thing"), pseudo_localize("Another")]}


def test_auto_source_is_detected_by_a_provider_that_detects(api_server: ApiServer) -> None:
    account = api_server.account(providers=("google",))
    api_server.pin(account, "google")
    texts = ["Bonjour, merci pour la lettre", "Guten Morgen und danke"]

    answer = libre(
        api_server,
        "/translate",
        data={"q": texts[0], "source": "auto", "target": "en", "api_key": account.key},
    )
    many = libre(
        api_server,
        "/translate",
        json={"q": texts, "source": "auto", "target": "en", "api_key": account.key},
    )

    assert answer.status_code == 200, answer.text
    one = checked(answer, "/translate")
    assert one["translatedText"] == google_translated(texts[0], "en")
    assert one["detectedLanguage"]["language"] == "fr"
    assert 50 < one["detectedLanguage"]["confidence"] <= 100
    assert many.status_code == 200, many.text
    listed = checked(many, "/translate")
    assert [item["language"] for item in listed["detectedLanguage"]] == ["fr", "de"]


def test_auto_source_on_a_provider_that_cannot_detect_says_nothing_of_it(
    api_server: ApiServer,
) -> None:
    account = api_server.account()

    answer = libre(
        api_server,
        "/translate",
        json={"q": "Good night", "source": "auto", "target": "de", "api_key": account.key},
    )

    assert answer.status_code == 200, answer.text
    assert checked(answer, "/translate") == {"translatedText": pseudo_localize("Good night")}


def test_html_keeps_its_tags(api_server: ApiServer) -> None:
    account = api_server.account()
    text = '<p>Press <b>Save</b> &amp; <a href="x">go on</a><br></p>'

    answer = libre(
        api_server,
        "/translate",
        json={"q": text, "source": "en", "target": "fr", "format": "html", "api_key": account.key},
    )

    assert answer.status_code == 200, answer.text
    result = checked(answer, "/translate")["translatedText"]
    assert result == '[<p>Préss <b>Sávé</b> &amp; <a href="x">gö öñ</a><br></p> ~~~~~~]'
    assert usage_of(api_server, account) == len("Press Save & go on")


def test_alternatives_asked_for_are_an_empty_list_per_text(api_server: ApiServer) -> None:
    account = api_server.account()
    body = {"q": ["Yes", "No"], "source": "en", "target": "de", "alternatives": 3}

    answer = libre(api_server, "/translate", json={**body, "api_key": account.key})

    assert answer.status_code == 200, answer.text
    assert checked(answer, "/translate")["alternatives"] == [[], []]


def test_the_key_may_travel_in_the_query(api_server: ApiServer) -> None:
    account = api_server.account()

    answer = libre(
        api_server,
        "/translate",
        params={"api_key": account.key},
        json={"q": "Query key", "source": "en", "target": "de"},
    )

    assert answer.status_code == 200, answer.text


# --- one pipeline ----------------------------------------------------------------------


def test_both_apis_and_the_notebook_bill_alike_and_share_the_memory(
    api_server: ApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = api_server.account(providers=("pseudo", "deepl"))
    api_server.pin(account, "deepl")
    first, second = "Shared memory across both APIs", "Billed alike by either API"
    third = "First asked for from a notebook"
    sent = len(api_server.fake.requests("/v2/translate"))

    libre_first = libre(
        api_server,
        "/translate",
        json={"q": first, "source": "en", "target": "de", "api_key": account.key},
    )
    assert libre_first.status_code == 200, libre_first.text
    assert usage_of(api_server, account) == len(first)
    assert len(api_server.fake.requests("/v2/translate")) == sent + 1

    deepl_again = api_server.post(
        "/v2/translate",
        account,
        json={
            "text": [first],
            "source_lang": "EN",
            "target_lang": "DE",
            "show_billed_characters": True,
        },
    )
    assert deepl_again.status_code == 200, deepl_again.text
    (translation,) = deepl_again.json()["translations"]
    assert translation["text"] == libre_first.json()["translatedText"]
    assert translation["billed_characters"] == 0  # the memory's, no provider call
    assert len(api_server.fake.requests("/v2/translate")) == sent + 1
    assert usage_of(api_server, account) == len(first)

    deepl_first = api_server.post(
        "/v2/translate",
        account,
        json={"text": [second], "source_lang": "EN", "target_lang": "DE"},
    )
    assert deepl_first.status_code == 200, deepl_first.text
    assert usage_of(api_server, account) == len(first) + len(second)
    libre_again = libre(
        api_server,
        "/translate",
        json={"q": second, "source": "en", "target": "de", "api_key": account.key},
    )
    assert libre_again.json()["translatedText"] == deepl_first.json()["translations"][0]["text"]
    assert len(api_server.fake.requests("/v2/translate")) == sent + 2
    assert usage_of(api_server, account) == len(first) + len(second)

    # the notebook API, in the account owner's name, on the same database and memory
    (from_notebook,) = notebook_translate(api_server, account, [first], monkeypatch)
    assert from_notebook == libre_first.json()["translatedText"]
    assert len(api_server.fake.requests("/v2/translate")) == sent + 2
    assert usage_of(api_server, account) == len(first) + len(second)

    (notebook_first,) = notebook_translate(api_server, account, [third], monkeypatch)
    assert len(api_server.fake.requests("/v2/translate")) == sent + 3
    assert usage_of(api_server, account) == len(first) + len(second) + len(third)
    libre_third = libre(
        api_server,
        "/translate",
        json={"q": third, "source": "en", "target": "de", "api_key": account.key},
    )
    deepl_third = api_server.post(
        "/v2/translate",
        account,
        json={"text": [third], "source_lang": "EN", "target_lang": "DE"},
    )
    assert libre_third.json()["translatedText"] == notebook_first
    assert deepl_third.json()["translations"][0]["text"] == notebook_first
    assert len(api_server.fake.requests("/v2/translate")) == sent + 3
    assert usage_of(api_server, account) == len(first) + len(second) + len(third)
    # one usage event per request; characters only where the provider was asked
    billed = asyncio.run(billed_characters(api_server, account))
    assert sorted(billed) == sorted([len(first), 0, len(second), 0, 0, len(third), 0, 0])


def notebook_translate(
    server: ApiServer, account: Account, texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """``texts`` translated by the notebook API as ``account``'s owner, with the server's
    settings (database, data folder, secret, provider endpoints)."""
    with monkeypatch.context() as patched:
        for name, value in server_env(
            server.database, server.log.parent / "data", server.fake, server.google
        ).items():
            patched.setenv(name, value)
        settings = Settings()

    async def run() -> list[str]:
        async with await Workbench.open(user=account.email, settings=settings) as wb:
            return await wb.translate_texts(
                texts, "de", provider="deepl", source_lang="en", progress=False
            )

    return asyncio.run(run())


async def billed_characters(server: ApiServer, account: Account) -> list[int]:
    """The characters of each of the owner's usage events."""
    async with Database(server.database) as db, db.session() as session:
        owner = await session.scalar(select(User.id).where(User.email == account.email))
        rows = await session.scalars(
            select(UsageEvent.characters).where(UsageEvent.user_id == owner)
        )
        return list(rows)


# --- /languages, /detect, /frontend/settings ------------------------------------------


def test_languages_with_a_key_and_without(api_server: ApiServer) -> None:
    account = api_server.account(providers=("google",))
    api_server.pin(account, "google")

    keyed = client(api_server, account).languages()
    anonymous = libre(api_server, "/languages", method="GET")

    codes = {language["code"]: language for language in keyed}
    assert codes["fr"]["name"] == "French"
    assert "de" in codes["fr"]["targets"]
    assert "fr" not in codes["fr"]["targets"]
    assert anonymous.status_code == 200, anonymous.text
    default = checked(anonymous, "/languages", "get")
    assert default
    assert all(set(item) == {"code", "name", "targets"} for item in default)
    check_response("/languages", "get", 200, keyed)


def test_detect_through_google(api_server: ApiServer) -> None:
    account = api_server.account(providers=("google",))
    api_server.pin(account, "google")
    before = len(api_server.google.requests()) if api_server.google else 0

    found = client(api_server, account).detect("Guten Morgen, das ist gut")

    check_response("/detect", "post", 200, found)
    assert found[0]["language"] == "de"
    assert 50 < found[0]["confidence"] <= 100
    assert api_server.google is not None
    (request,) = api_server.google.requests()[before:]
    assert request.param("sl") == "auto"
    assert usage_of(api_server, account) == 0  # detecting is not billed


def test_detect_by_request_choice_of_provider(api_server: ApiServer) -> None:
    account = api_server.account(providers=("pseudo", "google"))

    answer = libre(
        api_server,
        "/detect",
        data={"q": "Hola, gracias", "api_key": account.key, "workbench_provider": "google"},
    )

    assert answer.status_code == 200, answer.text
    assert checked(answer, "/detect")[0]["language"] == "es"


def test_a_provider_that_cannot_detect_is_a_400(api_server: ApiServer) -> None:
    account = api_server.account()

    with pytest.raises(urllib.error.HTTPError) as raised:
        client(api_server, account).detect("Hello there")

    assert raised.value.code == 400
    body = json.loads(raised.value.read())
    check_response("/detect", "post", 400, body)
    assert body["error"].startswith("pseudo cannot detect languages;")


def test_frontend_settings(api_server: ApiServer) -> None:
    answer = libre(api_server, "/frontend/settings", method="GET")

    assert answer.status_code == 200, answer.text
    settings = checked(answer, "/frontend/settings", "get")
    assert settings["apiKeys"] is True
    assert settings["keyRequired"] is True
    assert settings["suggestions"] is False
    assert settings["charLimit"] > 0
    assert {".txt", ".docx", ".po", ".srt"} <= set(settings["supportedFilesFormat"])
    assert settings["language"]["source"]["code"] == "auto"


# --- /translate_file -------------------------------------------------------------------


def translate_file(server: ApiServer, account: Account, name: str, data: bytes) -> str:
    answer = libre(
        server,
        "/translate_file",
        files={"file": (name, data, "text/plain")},
        data={"source": "en", "target": "de", "api_key": account.key},
    )
    assert answer.status_code == 200, answer.text
    url = checked(answer, "/translate_file")["translatedFileUrl"]
    assert isinstance(url, str)
    return url


def test_a_file_is_translated_and_served_by_a_link_without_the_key(
    api_server: ApiServer,
) -> None:
    owner, other = api_server.account(), api_server.account()

    url = translate_file(api_server, owner, "notes.txt", b"File notes first\n\nSee you soon\n")
    other_url = translate_file(api_server, other, "other.txt", b"Something else\n")

    assert url.startswith(f"{api_server.url}/download_file/")
    assert owner.key not in url
    assert owner.prefix not in url
    downloaded = httpx.get(url, timeout=30)
    assert downloaded.status_code == 200, downloaded.text
    assert downloaded.content.decode() == (
        f"{pseudo_localize('File notes first')}\n\n{pseudo_localize('See you soon')}\n"
    )
    assert usage_of(api_server, owner) == len("File notes first") + len("See you soon")
    # Each link opens its own job only: another user's token does not open this job,
    # and a changed token opens nothing.
    job, expires, token, name = url.rsplit("/", 4)[1:]
    other_job, other_expires, other_token, _ = other_url.rsplit("/", 4)[1:]
    base = f"{api_server.url}/download_file"
    for forged in (
        f"{base}/{job}/{other_expires}/{other_token}/{name}",
        f"{base}/{other_job}/{expires}/{token}/{name}",
        f"{base}/{job}/{int(expires) + 1}/{token}/{name}",
        f"{base}/{job}/{expires}/{token[:-1]}A/{name}",
    ):
        refused = httpx.get(forged, timeout=30)
        assert refused.status_code == 404, forged
        assert "error" in refused.json()


def test_a_file_of_a_kind_the_workbench_cannot_read_is_a_400(api_server: ApiServer) -> None:
    account = api_server.account()

    answer = libre(
        api_server,
        "/translate_file",
        files={"file": ("tool.exe", b"MZ\x00\x00", "application/octet-stream")},
        data={"source": "en", "target": "de", "api_key": account.key},
    )

    assert answer.status_code == 400, answer.text
    assert "unsupported file type .exe" in checked(answer, "/translate_file")["error"]


# --- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"source": "en", "target": "de"}, 400, "missing q parameter"),
        ({"q": "Hi", "target": "de"}, 400, "missing source parameter"),
        ({"q": "Hi", "source": "en"}, 400, "missing target parameter"),
        ({"q": "Hi", "source": "en", "target": "de", "format": "pdf"}, 400, "format must be"),
        ({"q": "Hi", "source": "en", "target": "de", "alternatives": -1}, 400, "alternatives"),
        ({"q": "Hi", "source": "en", "target": "??"}, 400, "not supported"),
        ({"q": ["x"] * 51, "source": "en", "target": "de"}, 400, "at most 50 texts"),
        ({"q": "x" * 140_000, "source": "en", "target": "de"}, 400, "exceeds text limit"),
        ({"q": 7, "source": "en", "target": "de"}, 400, "must be a string"),
    ],
)
def test_a_bad_request_is_a_400_with_an_error(
    api_server: ApiServer, body: dict[str, Any], status: int, says: str
) -> None:
    account = api_server.account()

    answer = libre(api_server, "/translate", json={**body, "api_key": account.key})

    assert answer.status_code == status, answer.text
    assert says in checked(answer, "/translate")["error"]
    assert usage_of(api_server, account) == 0


@pytest.mark.parametrize(
    ("key", "says"),
    [
        (None, "Please provide an API key"),
        ("wb_0123456789ab_nope", "invalid API key"),
    ],
)
def test_no_valid_key_is_a_403_with_an_error(
    api_server: ApiServer, key: str | None, says: str
) -> None:
    body = {"q": "Hi", "source": "en", "target": "de"}
    if key is not None:
        body["api_key"] = key

    answer = libre(api_server, "/translate", data=body)

    assert answer.status_code == 403, answer.text
    assert says in checked(answer, "/translate")["error"]


def test_a_provider_outside_the_tier_is_a_403(api_server: ApiServer) -> None:
    account = api_server.account()

    answer = libre(
        api_server,
        "/detect",
        json={"q": "Hallo", "api_key": account.key, "workbench_provider": "google"},
    )

    assert answer.status_code == 403, answer.text
    assert "google" in checked(answer, "/detect")["error"]


def test_a_used_up_quota_is_a_429_with_an_error(api_server: ApiServer) -> None:
    account = api_server.account(characters=5)

    answer = libre(
        api_server,
        "/translate",
        json={"q": "Far more than five", "source": "en", "target": "de", "api_key": account.key},
    )

    assert answer.status_code == 429, answer.text
    assert "Quota exceeded" in checked(answer, "/translate")["error"]
