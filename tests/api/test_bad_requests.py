"""Bad requests get a clear 4xx in DeepL's shape (``{"message": …}``), never a 500, and
cost nothing."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from tests.api.conftest import Account, ApiServer

JSON = {"Content-Type": "application/json"}


def usage_of(server: ApiServer, account: Account) -> int:
    answer = httpx.get(
        f"{server.url}/v2/usage", headers={"Authorization": f"DeepL-Auth-Key {account.key}"}
    )
    assert answer.status_code == 200, answer.text
    count: int = answer.json()["character_count"]
    return count


@pytest.mark.parametrize(
    ("body", "headers", "status", "says"),
    [
        (b"{", JSON, 400, "not valid JSON"),
        (b"[1, 2]", JSON, 400, "must be an object"),
        (b'{"text": 3, "target_lang": "DE"}', JSON, 400, "'text' must be a string"),
        (b'{"text": ["a", 4], "target_lang": "DE"}', JSON, 400, "'text' must be a string"),
        (b'{"text": [], "target_lang": "DE"}', JSON, 400, "'text' not specified"),
        (b'{"text": ["Hello"]}', JSON, 400, "'target_lang' not specified"),
        (b'{"text": ["Hello"], "target_lang": "zz-!!"}', JSON, 400, "'target_lang' not supported"),
        (b'{"text": ["Hello"], "target_lang": ["DE"]}', JSON, 400, "'target_lang' must be"),
        (
            b'{"text": ["Hello"], "target_lang": "DE", "tag_handling": "yaml"}',
            JSON,
            400,
            "'tag_handling' not supported",
        ),
        (
            b'{"text": ["a <b>bold"], "target_lang": "DE", "tag_handling": "xml"}',
            JSON,
            400,
            "is never closed",
        ),
        (
            b'{"text": ["Hello"], "target_lang": "DE", "glossary_id": "nope"}',
            JSON,
            400,
            "'glossary_id'",
        ),
        (
            json.dumps(
                {"text": ["Hello"], "target_lang": "DE", "glossary_id": str(uuid.uuid4())}
            ).encode(),
            JSON,
            404,
            "glossary",
        ),
        (
            b'{"text": ["Hello"], "target_lang": "DE", "formality": "very"}',
            JSON,
            400,
            "'formality'",
        ),
        (
            b'{"text": ["Hello"], "target_lang": "DE", "workbench_provider": "nobody"}',
            JSON,
            400,
            "unknown provider",
        ),
        (b'{"text": ["\xff"], "target_lang": "DE"}', JSON, 400, "not valid UTF-8"),
        (b"text=%FF&target_lang=DE", {}, 400, "not valid UTF-8"),
        (b"[" * 100_000, JSON, 400, "nested too deeply"),
        (b"<text/>", {"Content-Type": "application/xml"}, 400, "unsupported Content-Type"),
        (
            json.dumps({"text": ["Hi"] * 51, "target_lang": "DE"}).encode(),
            JSON,
            413,
            "at most 50",
        ),
        (
            json.dumps({"text": ["x" * 200_000], "target_lang": "DE"}).encode(),
            JSON,
            413,
            "over 128 KiB",
        ),
    ],
)
def test_a_bad_translate_request_says_what_is_wrong(
    api_server: ApiServer, body: bytes, headers: dict[str, str], status: int, says: str
) -> None:
    account = api_server.account(providers=("pseudo", "deepl"))

    answer = api_server.post("/v2/translate", account, content=body, headers=headers)

    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"].startswith("application/json")
    assert says in answer.json()["message"]
    assert usage_of(api_server, account) == 0


def test_a_form_with_repeated_texts_is_read_as_deepls_clients_send_it(
    api_server: ApiServer,
) -> None:
    account = api_server.account()

    answer = api_server.post(
        "/v2/translate",
        account,
        data={"text": ["One", "Two"], "target_lang": "DE", "show_billed_characters": "1"},
    )

    assert answer.status_code == 200, answer.text
    assert [item["billed_characters"] for item in answer.json()["translations"]] == [3, 3]


@pytest.mark.parametrize(
    ("authorization", "says"),
    [
        (None, "missing API key"),
        ("Bearer something", "unsupported authorization"),
        ("DeepL-Auth-Key wb_0123456789ab_nope", "invalid API key"),
    ],
)
def test_no_valid_key_is_403(api_server: ApiServer, authorization: str | None, says: str) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    for path in ("/v2/translate", "/v2/usage", "/v2/languages"):
        answer = api_server.post(
            path, None, headers=headers, data={"text": "Hi", "target_lang": "DE"}
        )
        assert answer.status_code == 403, answer.text
        assert says in answer.json()["message"]


def test_a_key_without_the_translate_scope_sees_only_its_usage(api_server: ApiServer) -> None:
    account = api_server.account(scopes=("usage",))

    refused = api_server.post("/v2/translate", account, data={"text": "Hi", "target_lang": "DE"})

    assert refused.status_code == 403
    assert "does not have the 'translate' scope" in refused.json()["message"]
    assert usage_of(api_server, account) == 0


def test_the_api_server_describes_itself(api_server: ApiServer) -> None:
    document = httpx.get(f"{api_server.url}/openapi.json")
    docs = httpx.get(f"{api_server.url}/docs")

    assert document.status_code == 200
    assert set(document.json()["paths"]) >= {"/v2/translate", "/v2/usage", "/translate"}
    assert docs.status_code == 200
    assert "/v2/translate" in docs.text


def test_unknown_paths_and_methods_answer_json(api_server: ApiServer) -> None:
    missing = httpx.get(f"{api_server.url}/v2/nothing")
    wrong_method = httpx.get(f"{api_server.url}/v2/translate")

    assert missing.status_code == 404
    assert missing.json() == {"message": "Not found"}
    assert wrong_method.status_code == 405
    assert "message" in wrong_method.json()
