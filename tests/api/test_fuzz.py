"""Both APIs fuzzed with bad bodies against a real ``workbench api``, over loopback.

Wrong types for every parameter, texts too long or too many, language codes that are
not codes, bodies that are not UTF-8, glossaries and documents that are not the caller's.
Each request gets its clear 4xx in the shape its API speaks (``{"message"}`` on ``/v2``,
``{"error"}`` on LibreTranslate's paths, as the OpenAPI document says), never a 500 nor a
traceback in the server's log, and costs nothing: the account's usage, as ``/v2/usage``
and the usage events in the database tell it, is still zero after every refusal.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.api.conftest import Account, ApiServer
from tests.api.shapes import check_response
from workbench.db import Database
from workbench.db.models import Glossary, TranslationJob, UsageEvent, User
from workbench.glossary import store
from workbench.providers.languages import parse_tag

FUZZ = settings(
    max_examples=15,  # a real server: enough to find, bounded to run in seconds
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
MB = 1024 * 1024
JSON = {"Content-Type": "application/json"}
VALID_DEEPL = {"text": ["Hello fuzz"], "target_lang": "DE"}


# --- the account every fuzzed request is made with ------------------------------------


@dataclass
class Fuzzed:
    """The caller (whose usage must stay zero), and another user's glossary and document."""

    server: ApiServer
    caller: Account
    other: Account
    other_glossary: uuid.UUID
    other_document: dict[str, str]


@pytest.fixture(scope="module")
def fuzzed(api_server: ApiServer) -> Iterator[Fuzzed]:
    caller = api_server.account(
        providers=("pseudo", "deepl"), characters=1_000_000, scopes=("translate", "glossaries")
    )
    other = api_server.account(providers=("pseudo", "deepl"), characters=1_000_000)
    glossary = asyncio.run(_glossary_of(api_server, other))
    uploaded = api_server.post(
        "/v2/document",
        other,
        files={"file": ("notes.txt", b"Notes of another user\n")},
        data={"target_lang": "DE"},
    )
    assert uploaded.status_code == 200, uploaded.text
    yield Fuzzed(api_server, caller, other, glossary, uploaded.json())
    assert usage_of(api_server, caller) == 0
    assert asyncio.run(_recorded(api_server, caller)) == (0, 0, 0)


async def _glossary_of(server: ApiServer, account: Account) -> uuid.UUID:
    frame = pd.DataFrame({"source_term": ["hello"], "target_term": ["hallo"]})
    async with Database(server.database) as db, db.session() as session:
        owner = await session.scalar(select(User.id).where(User.email == account.email))
        result = await store.import_frame(
            session,
            frame,
            name=f"private {uuid.uuid4().hex[:8]}",
            source_lang="en",
            target_lang="de",
            owner_id=owner,
        )
        await session.commit()
        return result.glossary.id


async def _recorded(server: ApiServer, account: Account) -> tuple[int, int, int]:
    """The account's usage events, their characters, and its jobs and glossaries, in the
    database."""
    async with Database(server.database) as db, db.session() as session:
        owner = await session.scalar(select(User.id).where(User.email == account.email))
        events, characters = (
            await session.execute(
                select(
                    func.count(UsageEvent.id), func.coalesce(func.sum(UsageEvent.characters), 0)
                ).where(UsageEvent.user_id == owner)
            )
        ).one()
        jobs = await session.scalar(
            select(func.count(TranslationJob.id)).where(TranslationJob.user_id == owner)
        )
        kept = await session.scalar(
            select(func.count(Glossary.id)).where(Glossary.owner_id == owner)
        )
        return int(events), int(characters), int(jobs or 0) + int(kept or 0)


def usage_of(server: ApiServer, account: Account) -> int:
    answer = server.post("/v2/usage", account)
    assert answer.status_code == 200, answer.text
    count = answer.json()["character_count"]
    assert isinstance(count, int)
    return count


def refused(
    fuzzed: Fuzzed,
    answer: httpx.Response,
    path: str,
    *,
    template: str | None = None,
    method: str = "post",
) -> str:
    """Check ``answer`` is a clear 4xx in its API's shape that cost nothing; its message."""
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text)
    assert answer.headers["Content-Type"].startswith("application/json"), answer.headers
    body = answer.json()
    check_response(template or path, method, answer.status_code, body)
    field = "message" if path.startswith("/v2/") else "error"
    assert set(body) == {field}, body
    message = body[field]
    assert isinstance(message, str)
    assert message.strip()
    assert "internal" not in message
    assert usage_of(fuzzed.server, fuzzed.caller) == 0
    quiet_log(fuzzed.server)
    return message


def quiet_log(server: ApiServer) -> None:
    text = server.log.read_text()
    assert "Traceback" not in text, text
    assert "unexpected error" not in text, text


# --- values of the wrong type -----------------------------------------------------------

SCALARS = st.one_of(
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)
NOT_STRINGS = st.one_of(
    SCALARS,
    st.lists(SCALARS | st.none(), min_size=1, max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5) | SCALARS, max_size=3),
)
NOT_ONE_STRING = NOT_STRINGS | st.lists(st.text(max_size=5), min_size=0, max_size=3)
NOT_A_LIST_OF_STRINGS = st.one_of(
    SCALARS,
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
    st.lists(st.text(max_size=5) | SCALARS, min_size=1, max_size=4).filter(
        lambda items: not all(isinstance(item, str) for item in items)
    ),
)
NOT_A_FLAG = NOT_ONE_STRING.filter(lambda value: not isinstance(value, bool)) | st.text(
    max_size=8
).filter(lambda text: text.strip().lower() not in ("1", "0", "true", "false"))


def not_a_code(text: str) -> bool:
    clean = text.strip()
    return bool(clean) and (len(clean) > 35 or parse_tag(clean) is None)


BAD_CODES = st.one_of(
    st.text(min_size=1, max_size=12).filter(not_a_code),
    st.sampled_from(["zz-!!", "EN-GBB", "de--DE", "i-klingon", "x" * 40, "en-" + "a" * 40, "١٢"]),
)

# /v2/translate: each parameter, and values it must refuse
DEEPL_TRANSLATE_BAD: dict[str, st.SearchStrategy[Any]] = {
    "text": NOT_A_LIST_OF_STRINGS | st.none() | st.just([]),
    "target_lang": NOT_ONE_STRING | st.none() | BAD_CODES,
    "source_lang": NOT_ONE_STRING | BAD_CODES,
    "tag_handling": NOT_ONE_STRING
    | st.text(max_size=8).filter(
        lambda t: t.strip().lower() not in ("", "off", "none", "xml", "html")
    ),
    "ignore_tags": NOT_A_LIST_OF_STRINGS,
    "splitting_tags": NOT_A_LIST_OF_STRINGS,
    "non_splitting_tags": NOT_A_LIST_OF_STRINGS,
    "glossary_id": NOT_ONE_STRING | st.text(min_size=1, max_size=40).filter(lambda t: t.strip()),
    "formality": NOT_ONE_STRING
    | st.text(max_size=12).filter(
        lambda t: t.strip().lower() not in ("default", "more", "less", "prefer_more", "prefer_less")
    ),
    "split_sentences": NOT_ONE_STRING
    | st.text(max_size=8).filter(lambda t: t.strip().lower() not in ("0", "1", "nonewlines")),
    "preserve_formatting": NOT_A_FLAG,
    "outline_detection": NOT_A_FLAG,
    "show_billed_characters": NOT_A_FLAG,
    "model_type": NOT_ONE_STRING,
    "context": NOT_ONE_STRING,
    "workbench_provider": NOT_ONE_STRING,
    "workbench_model": NOT_ONE_STRING,
}


@FUZZ
@given(data=st.data())
def test_v2_translate_refuses_every_parameter_of_the_wrong_kind(
    fuzzed: Fuzzed, data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(sorted(DEEPL_TRANSLATE_BAD)), label="parameter")
    value = data.draw(DEEPL_TRANSLATE_BAD[name], label="value")
    body = {**VALID_DEEPL, name: value}

    answer = fuzzed.server.post("/v2/translate", fuzzed.caller, json=body)

    refused(fuzzed, answer, "/v2/translate")


@FUZZ
@given(kind=NOT_ONE_STRING | st.text(max_size=10), provider=st.none() | NOT_ONE_STRING)
def test_v2_languages_refuses_bad_parameters(fuzzed: Fuzzed, kind: Any, provider: Any) -> None:
    if isinstance(kind, str) and kind.strip().lower() in ("source", "target", ""):
        kind = 7
    body: dict[str, Any] = {"type": kind}
    if provider is not None:
        body["workbench_provider"] = provider

    answer = fuzzed.server.post("/v2/languages", fuzzed.caller, json=body)

    refused(fuzzed, answer, "/v2/languages")


@FUZZ
@given(
    authorization=st.text(
        st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=60
    ),
    body=st.dictionaries(st.text(max_size=5), NOT_STRINGS, max_size=3),
)
def test_v2_usage_refuses_a_bad_key_and_ignores_a_body(
    fuzzed: Fuzzed, authorization: str, body: dict[str, Any]
) -> None:
    server = fuzzed.server
    headers = {"Authorization": f"DeepL-Auth-Key {authorization}".strip()}
    bad = httpx.request("GET", f"{server.url}/v2/usage", headers=headers, json=body, timeout=60)
    good = server.post("/v2/usage", fuzzed.caller, json=body)

    refused(fuzzed, bad, "/v2/usage", method="get")
    assert bad.status_code == 403
    assert good.status_code == 200, good.text
    assert good.json()["character_count"] == 0


# --- LibreTranslate ---------------------------------------------------------------------

LIBRE_TRANSLATE_BAD: dict[str, st.SearchStrategy[Any]] = {
    "q": NOT_A_LIST_OF_STRINGS | st.none() | st.just([]) | st.just(""),
    "source": NOT_ONE_STRING | st.none() | BAD_CODES,
    "target": NOT_ONE_STRING | st.none() | BAD_CODES.filter(lambda t: t.strip().lower() != "auto"),
    "format": NOT_ONE_STRING
    | st.text(max_size=8).filter(lambda t: t.strip().lower() not in ("", "text", "html")),
    "alternatives": st.one_of(
        st.integers().filter(lambda n: not 0 <= n <= 10),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        st.text(max_size=6).filter(lambda t: not (t.strip().isascii() and t.strip().isdigit())),
    ),
    "api_key": NOT_ONE_STRING,
    "workbench_provider": NOT_ONE_STRING,
    "workbench_model": NOT_ONE_STRING,
}


@FUZZ
@given(data=st.data())
def test_libre_translate_refuses_every_parameter_of_the_wrong_kind(
    fuzzed: Fuzzed, data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(sorted(LIBRE_TRANSLATE_BAD)), label="parameter")
    value = data.draw(LIBRE_TRANSLATE_BAD[name], label="value")
    body = {"q": "Hello fuzz", "source": "en", "target": "de", "api_key": fuzzed.caller.key}
    body[name] = value

    answer = httpx.post(f"{fuzzed.server.url}/translate", json=body, timeout=60)

    refused(fuzzed, answer, "/translate")


@FUZZ
@given(
    name=st.sampled_from(["q", "api_key", "workbench_provider", "workbench_model"]),
    value=NOT_ONE_STRING | st.just(""),
)
def test_libre_detect_refuses_every_parameter_of_the_wrong_kind(
    fuzzed: Fuzzed, name: str, value: Any
) -> None:
    body: dict[str, Any] = {"q": "Hallo Welt", "api_key": fuzzed.caller.key}
    body[name] = value
    if name != "q" and value == "":
        body[name] = 0

    answer = httpx.post(f"{fuzzed.server.url}/detect", json=body, timeout=60)

    refused(fuzzed, answer, "/detect")


# --- bad UTF-8, in JSON and in forms --------------------------------------------------


def invalid_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


BAD_BYTES = (
    st.tuples(
        st.binary(max_size=12),
        st.sampled_from([b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\x80", b"\xe2\x82", b"\xf8\x88"]),
        st.binary(max_size=12),
    )
    .map(b"".join)
    .filter(invalid_utf8)
)
LONE_SURROGATES = st.sampled_from(["\\ud800", "\\udfff", "a\\udc00b", "\\ud83d"])


def json_string(raw: bytes) -> bytes:
    """``raw`` as a JSON string's content: quotes and backslashes escaped, bytes as they are."""
    return raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"')


@FUZZ
@given(
    where=st.sampled_from(["text", "target_lang", "source_lang", "context"]),
    raw=BAD_BYTES,
    form=st.booleans(),
)
def test_v2_translate_refuses_bad_utf8(fuzzed: Fuzzed, where: str, raw: bytes, form: bool) -> None:
    values = {"text": b"Hello", "target_lang": b"DE", "source_lang": b"EN", "context": b"c"}
    values[where] = raw
    if form:
        from urllib.parse import quote_from_bytes

        content = b"&".join(
            f"{name}=".encode() + quote_from_bytes(value).encode() for name, value in values.items()
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
    else:
        content = (
            b"{"
            + b",".join(
                b'"' + n.encode() + b'":"' + json_string(v) + b'"' for n, v in values.items()
            )
            + b"}"
        )
        headers = JSON

    answer = fuzzed.server.post("/v2/translate", fuzzed.caller, content=content, headers=headers)

    assert "UTF-8" in refused(fuzzed, answer, "/v2/translate")


@FUZZ
@given(
    path=st.sampled_from(["/v2/translate", "/translate", "/detect"]),
    escaped=LONE_SURROGATES,
    where=st.sampled_from(["text", "language"]),
)
def test_lone_surrogates_in_json_are_refused(
    fuzzed: Fuzzed, path: str, escaped: str, where: str
) -> None:
    if path == "/v2/translate":
        text, language, values = "text", "target_lang", {"source_lang": "EN"}
    else:
        text, language, values = "q", "target", {"source": "en", "api_key": fuzzed.caller.key}
    values |= {text: "Hello", language: "de"}
    values[language if where == "language" and path != "/detect" else text] = "PLACEHOLDER"
    content = json.dumps(values).replace("PLACEHOLDER", escaped).encode()

    answer = fuzzed.server.post(path, fuzzed.caller, content=content, headers=JSON)

    refused(fuzzed, answer, path)


@FUZZ
@given(
    field=st.sampled_from(["q", "source", "target", "api_key"]),
    raw=BAD_BYTES,
    path=st.sampled_from(["/translate", "/detect"]),
)
def test_libre_forms_refuse_bad_utf8(fuzzed: Fuzzed, field: str, raw: bytes, path: str) -> None:
    from urllib.parse import quote_from_bytes

    values = {
        "q": b"Hello",
        "source": b"en",
        "target": b"de",
        "api_key": fuzzed.caller.key.encode(),
    }
    values[field] = raw
    content = b"&".join(
        f"{name}=".encode() + quote_from_bytes(value).encode() for name, value in values.items()
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    answer = httpx.post(f"{fuzzed.server.url}{path}", content=content, headers=headers, timeout=60)

    refused(fuzzed, answer, path)


# --- files: /translate_file and /v2/document ----------------------------------------------

FILE_FIELDS_BAD: dict[str, st.SearchStrategy[Any]] = {
    "source": BAD_CODES | st.just(""),
    "target": BAD_CODES.filter(lambda t: t.strip().lower() != "auto") | st.just(""),
    "name": st.text(max_size=20).filter(
        lambda t: (
            not t.lower()
            .rstrip(" .")
            .endswith(
                (
                    ".csv",
                    ".docx",
                    ".json",
                    ".markdown",
                    ".md",
                    ".po",
                    ".pot",
                    ".srt",
                    ".tsv",
                    ".txt",
                    ".xlsx",
                )
            )
        )
    ),
    "api_key": st.just("") | st.text(min_size=1, max_size=30).filter(lambda t: t.strip()),
    "bytes": BAD_BYTES,
}


@FUZZ
@given(data=st.data())
def test_libre_translate_file_refuses_bad_fields(fuzzed: Fuzzed, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(FILE_FIELDS_BAD)), label="field")
    value = data.draw(FILE_FIELDS_BAD[name], label="value")
    fields: dict[str, Any] = {"source": "en", "target": "de", "api_key": fuzzed.caller.key}
    filename = "notes.txt"
    if name == "name":
        filename = value or "noname"
    elif name == "bytes":
        fields["target"] = value
    else:
        fields[name] = value
    files = {"file": (filename, b"Hello fuzz\n")}
    if name == "bytes":  # a field whose value is not UTF-8
        boundary = "fuzzboundary"
        content = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="api_key"\r\n\r\n'
                f"{fuzzed.caller.key}\r\n--{boundary}\r\n"
                'Content-Disposition: form-data; name="target"\r\n\r\n'
            ).encode()
            + value
            + (
                f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="source"\r\n\r\nen\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="notes.txt"\r\n\r\nHello fuzz\n\r\n--{boundary}--\r\n'
            ).encode()
        )
        answer = httpx.post(
            f"{fuzzed.server.url}/translate_file",
            content=content,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
            timeout=60,
        )
    else:
        answer = httpx.post(
            f"{fuzzed.server.url}/translate_file", data=fields, files=files, timeout=60
        )

    refused(fuzzed, answer, "/translate_file")


DOCUMENT_FIELDS_BAD: dict[str, st.SearchStrategy[Any]] = {
    "target_lang": BAD_CODES | st.just(""),
    "source_lang": BAD_CODES,
    "glossary_id": st.text(min_size=1, max_size=40).filter(lambda t: t.strip()),
    "formality": st.text(max_size=12).filter(
        lambda t: t.strip().lower() not in ("default", "more", "less", "prefer_more", "prefer_less")
    ),
    "output_format": st.text(min_size=1, max_size=8).filter(
        lambda t: t.strip().lower().lstrip(".") not in ("txt", "")
    ),
    "filename": FILE_FIELDS_BAD["name"].filter(lambda t: t.strip()),
    "workbench_provider": st.text(min_size=1, max_size=20).filter(
        lambda t: t.strip().lower() not in ("pseudo", "deepl")
    ),
    "bytes": BAD_BYTES,
}


@FUZZ
@given(data=st.data())
def test_v2_document_refuses_bad_fields(fuzzed: Fuzzed, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(DOCUMENT_FIELDS_BAD)), label="field")
    value = data.draw(DOCUMENT_FIELDS_BAD[name], label="value")
    server = fuzzed.server
    if name == "bytes":
        boundary = "fuzzboundary"
        content = (
            (f'--{boundary}\r\nContent-Disposition: form-data; name="target_lang"\r\n\r\n').encode()
            + value
            + (
                f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="notes.txt"\r\n\r\nHello fuzz\n\r\n--{boundary}--\r\n'
            ).encode()
        )
        answer = server.post(
            "/v2/document",
            fuzzed.caller,
            content=content,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
    else:
        answer = server.post(
            "/v2/document",
            fuzzed.caller,
            files={"file": ("notes.txt", b"Hello fuzz\n")},
            data={"target_lang": "DE", name: value},
        )

    refused(fuzzed, answer, "/v2/document")


def test_v2_document_refuses_a_body_that_is_not_a_form(fuzzed: Fuzzed) -> None:
    for content, headers in (
        (json.dumps({"target_lang": "DE", "file": "Hello"}).encode(), JSON),
        (b"target_lang=DE&file=Hello", {"Content-Type": "application/x-www-form-urlencoded"}),
        (b"--x\r\n\r\n--x--", {"Content-Type": "multipart/form-data; boundary=x"}),
    ):
        answer = fuzzed.server.post("/v2/document", fuzzed.caller, content=content, headers=headers)
        refused(fuzzed, answer, "/v2/document")


# --- too much: 10 MB texts, 10,000 texts ---------------------------------------------------

TEN_MB = "x" * (10 * MB)
MANY = ["Hi"] * 10_000


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v2/translate", {**VALID_DEEPL, "text": [TEN_MB]}),
        ("/v2/translate", {**VALID_DEEPL, "text": MANY}),
        ("/v2/translate", {**VALID_DEEPL, "context": TEN_MB}),
        ("/translate", {"q": TEN_MB, "source": "en", "target": "de"}),
        ("/translate", {"q": MANY, "source": "en", "target": "de"}),
        ("/detect", {"q": TEN_MB}),
    ],
    ids=[
        "deepl-10MB",
        "deepl-10000",
        "deepl-context-10MB",
        "libre-10MB",
        "libre-10000",
        "detect-10MB",
    ],
)
@pytest.mark.parametrize("form", [False, True], ids=["json", "form"])
def test_too_much_is_refused_before_any_work(
    fuzzed: Fuzzed, path: str, body: dict[str, Any], form: bool
) -> None:
    if path.startswith("/v2/"):
        answer = fuzzed.server.post(
            path, fuzzed.caller, **({"data": body} if form else {"json": body})
        )
    else:
        body = {**body, "api_key": fuzzed.caller.key}
        answer = httpx.post(
            f"{fuzzed.server.url}{path}", timeout=60, **({"data": body} if form else {"json": body})
        )

    message = refused(fuzzed, answer, path)
    if path.startswith("/v2/"):
        assert answer.status_code == 413
    assert "send" in message or "exceeds" in message or "at most" in message


def test_a_10_mb_file_is_refused(fuzzed: Fuzzed) -> None:
    big = b"Hello fuzz\n" * (MB + 1)
    libre = httpx.post(
        f"{fuzzed.server.url}/translate_file",
        data={"source": "en", "target": "de", "api_key": fuzzed.caller.key},
        files={"file": ("big.txt", big)},
        timeout=60,
    )
    refused(fuzzed, libre, "/translate_file")


# --- what is not the caller's -----------------------------------------------------------


@FUZZ
@given(unknown=st.uuids())
def test_unknown_glossaries_are_404(fuzzed: Fuzzed, unknown: uuid.UUID) -> None:
    answer = fuzzed.server.post(
        "/v2/translate", fuzzed.caller, json={**VALID_DEEPL, "glossary_id": str(unknown)}
    )

    assert answer.status_code == 404
    refused(fuzzed, answer, "/v2/translate")


def test_another_users_glossary_is_404_as_an_unknown_one(fuzzed: Fuzzed) -> None:
    glossary = str(fuzzed.other_glossary)
    translate = fuzzed.server.post(
        "/v2/translate",
        fuzzed.caller,
        json={**VALID_DEEPL, "source_lang": "EN", "glossary_id": glossary},
    )
    document = fuzzed.server.post(
        "/v2/document",
        fuzzed.caller,
        files={"file": ("notes.txt", b"Hello fuzz\n")},
        data={"target_lang": "DE", "source_lang": "EN", "glossary_id": glossary},
    )

    assert translate.status_code == 404
    assert document.status_code == 404
    assert "glossary" in refused(fuzzed, translate, "/v2/translate")
    assert "glossary" in refused(fuzzed, document, "/v2/document")
    # the owner may use it
    owned = fuzzed.server.post(
        "/v2/translate",
        fuzzed.other,
        json={**VALID_DEEPL, "source_lang": "EN", "glossary_id": glossary},
    )
    assert owned.status_code == 200, owned.text


@FUZZ
@given(
    reference=st.one_of(
        st.uuids().map(lambda u: u.hex.upper()),
        st.text(
            st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters="/?#%"),
            min_size=1,
            max_size=64,
        ).filter(lambda t: t not in (".", "..")),
    ),
    key=st.none() | st.text(max_size=70) | NOT_STRINGS,
    result=st.booleans(),
)
def test_unknown_documents_are_404(fuzzed: Fuzzed, reference: str, key: Any, result: bool) -> None:
    path = f"/v2/document/{reference}" + ("/result" if result else "")
    template = "/v2/document/{document_id}" + ("/result" if result else "")
    body = {} if key is None else {"document_key": key}

    answer = fuzzed.server.post(path.replace(" ", "%20"), fuzzed.caller, json=body)

    refused(fuzzed, answer, path, template=template)


@pytest.mark.parametrize("result", [False, True], ids=["status", "result"])
def test_another_users_document_is_404_even_with_its_key(fuzzed: Fuzzed, result: bool) -> None:
    handle = fuzzed.other_document
    suffix = "/result" if result else ""
    path = f"/v2/document/{handle['document_id']}{suffix}"

    theirs = fuzzed.server.post(path, fuzzed.caller, json={"document_key": handle["document_key"]})
    unknown = fuzzed.server.post(
        f"/v2/document/{uuid.uuid4().hex.upper()}{suffix}",
        fuzzed.caller,
        json={"document_key": handle["document_key"]},
    )

    assert theirs.status_code == unknown.status_code == 404
    assert (
        refused(fuzzed, theirs, path, template="/v2/document/{document_id}" + suffix)
        == (unknown.json()["message"])
    )


def test_the_server_logged_no_traceback(fuzzed: Fuzzed) -> None:
    quiet_log(fuzzed.server)
    assert asyncio.run(_recorded(fuzzed.server, fuzzed.caller)) == (0, 0, 0)


@pytest.mark.parametrize("target", ["QQ", "XX-YY", "EN-ZZ"])
@pytest.mark.parametrize("path", ["/v2/translate", "/translate"])
def test_a_well_formed_code_the_provider_does_not_offer_is_a_400(
    fuzzed: Fuzzed, path: str, target: str
) -> None:
    sent = len(fuzzed.server.fake.requests("/v2/translate"))
    if path == "/v2/translate":
        body = {**VALID_DEEPL, "target_lang": target, "workbench_provider": "deepl"}
        answer = fuzzed.server.post(path, fuzzed.caller, json=body)
    else:
        body = {"q": "Hello", "source": "en", "target": target, "api_key": fuzzed.caller.key}
        answer = httpx.post(
            f"{fuzzed.server.url}{path}", json={**body, "workbench_provider": "deepl"}, timeout=60
        )

    assert answer.status_code == 400, answer.text
    refused(fuzzed, answer, path)
    assert len(fuzzed.server.fake.requests("/v2/translate")) == sent


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/v2/translate", "text=%FF&target_lang=DE"),
        ("/v2/languages", "type=%C0%80"),
        ("/translate", "q=%ED%A0%80&source=en&target=de"),
        ("/detect", "q=%FF"),
        ("/languages", "api_key=%FF"),
    ],
)
def test_bad_utf8_in_the_query_is_refused(fuzzed: Fuzzed, path: str, query: str) -> None:
    key = f"&api_key={fuzzed.caller.key}" if path in ("/translate", "/detect") else ""

    method = "get" if path == "/languages" else "post"
    answer = httpx.request(
        method.upper(),
        f"{fuzzed.server.url}{path}?{query}{key}",
        headers={"Authorization": f"DeepL-Auth-Key {fuzzed.caller.key}"},
        timeout=60,
    )

    assert "UTF-8" in refused(fuzzed, answer, path, method=method)


# --- /v2/glossaries -----------------------------------------------------------------------

GLOSSARY_BAD: dict[str, st.SearchStrategy[Any]] = {
    "name": NOT_ONE_STRING | st.none() | st.sampled_from(["", "   "]),
    "source_lang": NOT_ONE_STRING | st.none() | BAD_CODES,
    "target_lang": NOT_ONE_STRING | st.none() | BAD_CODES,
    "entries": NOT_ONE_STRING
    | st.none()
    | st.text(st.characters(blacklist_characters="\t\r\n", blacklist_categories=("Cs",))).filter(
        lambda t: t.strip()
    )
    | st.just("hello\t"),
    "entries_format": NOT_ONE_STRING
    | st.text(max_size=8).filter(lambda t: t.strip().lower() not in ("", "tsv", "csv")),
}


@FUZZ
@given(data=st.data())
def test_v2_glossaries_post_refuses_every_parameter_of_the_wrong_kind(
    fuzzed: Fuzzed, data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(sorted(GLOSSARY_BAD)), label="parameter")
    value = data.draw(GLOSSARY_BAD[name], label="value")
    body = {
        "name": f"fuzz {uuid.uuid4().hex[:8]}",
        "source_lang": "EN",
        "target_lang": "DE",
        "entries": "hello\thallo",
        "entries_format": "tsv",
        name: value,
    }

    answer = fuzzed.server.post("/v2/glossaries", fuzzed.caller, json=body)

    refused(fuzzed, answer, "/v2/glossaries")


@pytest.mark.parametrize("form", [False, True], ids=["json", "form"])
def test_v2_glossaries_post_refuses_10_mb_of_entries(fuzzed: Fuzzed, form: bool) -> None:
    entries = "hello\thallo\n" * (MB - 1)
    body = {"name": "too big", "source_lang": "EN", "target_lang": "DE", "entries": entries}

    answer = fuzzed.server.post(
        "/v2/glossaries", fuzzed.caller, **({"data": body} if form else {"json": body})
    )

    assert answer.status_code == 413
    refused(fuzzed, answer, "/v2/glossaries")


@pytest.mark.parametrize(("method", "suffix"), [("get", ""), ("get", "/entries"), ("delete", "")])
def test_another_users_glossary_is_out_of_reach(fuzzed: Fuzzed, method: str, suffix: str) -> None:
    template = "/v2/glossaries/{glossary_id}" + suffix
    headers = {"Authorization": f"DeepL-Auth-Key {fuzzed.caller.key}"}
    answers = [
        httpx.request(
            method.upper(), f"{fuzzed.server.url}/v2/glossaries/{ref}{suffix}", headers=headers
        )
        for ref in (fuzzed.other_glossary, uuid.uuid4())
    ]

    theirs, unknown = answers
    assert theirs.status_code == unknown.status_code == 404
    refused(
        fuzzed,
        theirs,
        template.format(glossary_id=fuzzed.other_glossary),
        template=template,
        method=method,
    )
    refused(fuzzed, unknown, template.format(glossary_id="x"), template=template, method=method)
    assert asyncio.run(_glossary_kept(fuzzed.server, fuzzed.other_glossary))


async def _glossary_kept(server: ApiServer, ref: uuid.UUID) -> bool:
    async with Database(server.database) as db, db.session() as session:
        return await session.get(Glossary, ref) is not None
