"""The API's OpenAPI document: sound, faithful to DeepL's, and served as /openapi.json and /docs."""

from __future__ import annotations

import copy
import json
import re
import socket
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from jsonschema import Draft202012Validator
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from tests.api import shapes
from workbench.api.openapi import (
    curl_example,
    docs_routes,
    document,
    document_json,
    operations,
    resolve,
)
from workbench.server.edge import Edge

DEEPL_PATHS = "/v2/"
LIBRETRANSLATE = {"/translate", "/languages", "/detect", "/translate_file", "/frontend/settings"}
# What the issue asks the API to serve, each (path, method).
WANTED = {
    ("/v2/translate", "post"),
    ("/v2/languages", "get"),
    ("/v2/languages", "post"),
    ("/v2/usage", "get"),
    ("/v2/glossaries", "post"),
    ("/v2/glossaries", "get"),
    ("/v2/glossaries/{glossary_id}", "get"),
    ("/v2/glossaries/{glossary_id}", "delete"),
    ("/v2/glossaries/{glossary_id}/entries", "get"),
    ("/v2/glossary-language-pairs", "get"),
    ("/v2/document", "post"),
    ("/v2/document/{document_id}", "post"),
    ("/v2/document/{document_id}/result", "post"),
    ("/translate", "post"),
    ("/languages", "get"),
    ("/detect", "post"),
    ("/translate_file", "post"),
    ("/frontend/settings", "get"),
    ("/download_file/{job_id}/{expires}/{token}/{filename}", "get"),
}


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs(value)]
    return []


# --- the document is sound ------------------------------------------------------------------


def test_the_document_describes_every_operation_the_issue_asks_for() -> None:
    described = {(path, method) for path, method, _op in operations(document())}
    assert described == WANTED


def test_every_route_the_api_serves_is_in_the_document() -> None:
    from workbench.api.app import ROUTES

    described = [
        re.compile(re.sub(r"\{[^}]+\}", "[^/]+", path) + r"\Z") for path in document()["paths"]
    ]
    for route, handler in ROUTES:
        example = re.sub(r"\([^)]*\)", "abc", route).replace("\\", "")
        assert any(pattern.match(example) for pattern in described), (route, handler.__name__)


def test_the_document_is_well_formed_openapi() -> None:
    doc = document()
    assert re.fullmatch(r"3\.0\.\d+", doc["openapi"])
    assert doc["info"]["title"]
    assert doc["info"]["version"]
    declared_tags = {tag["name"] for tag in doc["tags"]}
    schemes = doc["components"]["securitySchemes"]
    ids = [op["operationId"] for _path, _method, op in operations(doc)]
    assert len(ids) == len(set(ids)), "operationIds must be unique"
    for path, method, op in operations(doc):
        where = f"{method.upper()} {path}"
        assert path.startswith("/"), where
        assert op["summary"], where
        assert set(op["tags"]) <= declared_tags, where
        assert op["responses"], where
        for status, response in op["responses"].items():
            assert re.fullmatch(r"[1-5]\d\d|default", status), f"{where}: {status!r}"
            assert resolve(doc, response)["description"], f"{where} {status}"
        in_path = set(re.findall(r"\{([^}]+)\}", path))
        parameters = [resolve(doc, p) for p in op.get("parameters", [])]
        assert {p["name"] for p in parameters if p["in"] == "path"} == in_path, where
        assert all(p["required"] for p in parameters if p["in"] == "path"), where
        for requirement in op.get("security", []):
            assert set(requirement) <= set(schemes), where
    for scheme in schemes.values():
        assert scheme["type"] == "apiKey"
        assert scheme["in"] in ("header", "query", "cookie")


def test_every_reference_resolves_and_every_schema_is_a_schema() -> None:
    doc = document()
    for ref in refs(doc):
        assert resolve(doc, {"$ref": ref}) is not None, ref
    converted = shapes.json_schema_document(shapes.WORKBENCH_URI)
    for schema in converted["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)  # raises, naming what is wrong


def test_openapi_json_is_the_document() -> None:
    assert json.loads(document_json()) == document()


def test_the_deepl_licence_notice_is_kept() -> None:
    notice = " ".join(" ".join(document()["info"]["x-notices"]).split())
    assert "Copyright 2022 DeepL SE" in notice
    assert "Permission is hereby granted, free of charge" in notice


# --- faithful to DeepL's document -----------------------------------------------------------


def deepl_counterpart(path: str, method: str) -> dict[str, Any]:
    """DeepL's operation for our ``method path`` (ours may declare it answers like another)."""
    ours = document()["paths"][path][method]
    reference = shapes.deepl_reference()["paths"]
    assert path in reference, f"{path} is not in DeepL's document"
    same_as = ours.get("x-deepl-same-as", method)
    assert same_as in reference[path], f"{method.upper()} {path} is not in DeepL's document"
    return reference[path][same_as]


def compatibility_problems(ours_doc: dict[str, Any]) -> list[str]:
    theirs_doc = shapes.deepl_reference()
    problems: list[str] = []
    for path, method, ours in operations(ours_doc):
        if not path.startswith(DEEPL_PATHS):
            continue
        theirs = deepl_counterpart(path, method)
        where = f"{method.upper()} {path}"
        if "x-deepl-same-as" not in ours:
            our_body = ours.get("requestBody", {}).get("content", {})
            their_body = resolve(theirs_doc, theirs.get("requestBody", {})).get("content", {})
            for media_type, media in our_body.items():
                if media_type not in their_body:
                    problems.append(f"{where}: DeepL takes no {media_type} body")
                    continue
                problems += shapes.incompatibilities(
                    ours_doc,
                    media["schema"],
                    theirs_doc,
                    their_body[media_type].get("schema"),
                    f"{where} {media_type}",
                )
        their_responses = {str(k): v for k, v in theirs["responses"].items()}
        for status, response in ours["responses"].items():
            if status not in their_responses:
                problems.append(f"{where}: DeepL never answers {status}")
                continue
            our_content = resolve(ours_doc, response).get("content", {})
            their_content = resolve(theirs_doc, their_responses[status]).get("content", {})
            for media_type, media in our_content.items():
                if media_type in their_content:
                    problems += shapes.incompatibilities(
                        ours_doc,
                        media.get("schema"),
                        theirs_doc,
                        their_content[media_type].get("schema"),
                        f"{where} {status}",
                    )
                elif their_content:
                    problems.append(f"{where} {status}: DeepL answers {sorted(their_content)}")
    return problems


def test_every_deepl_operation_is_deepl_s_with_compatible_shapes() -> None:
    assert compatibility_problems(document()) == []


def test_a_field_with_another_type_than_deepl_s_is_caught() -> None:
    changed = copy.deepcopy(document())
    schemas = changed["components"]["schemas"]
    schemas["TranslateTextJson"]["properties"]["text"] = {"type": "string"}
    schemas["MonolingualGlossary"]["properties"]["colour"] = {"type": "string"}
    schemas["Formality"]["enum"].append("very_much")
    problems = "\n".join(compatibility_problems(changed))
    assert (
        "POST /v2/translate application/json.text: type ['string'], DeepL's ['array']" in problems
    )
    assert "MonolingualGlossary" not in problems  # named by where it is used, not by our name
    assert "GET /v2/glossaries 200.glossaries[].colour: not in DeepL's document" in problems
    assert "formality: values ['very_much'] are not in DeepL's enum" in problems


def test_a_status_deepl_never_sends_is_caught() -> None:
    changed = copy.deepcopy(document())
    changed["paths"]["/v2/usage"]["get"]["responses"]["418"] = {"description": "A teapot."}
    assert compatibility_problems(changed) == ["GET /v2/usage: DeepL never answers 418"]


# --- examples and bodies --------------------------------------------------------------------


def media_examples(doc: dict[str, Any]) -> list[tuple[str, str, str, str | None, Any]]:
    """Every JSON example: (path, method, media type, status or None for requests, value)."""
    found = []
    for path, method, op in operations(doc):
        for media_type, media in op.get("requestBody", {}).get("content", {}).items():
            if media_type == shapes.JSON and "example" in media:
                found.append((path, method, media_type, None, media["example"]))
        for status, response in op["responses"].items():
            for media_type, media in resolve(doc, response).get("content", {}).items():
                if media_type == shapes.JSON and "example" in media:
                    found.append((path, method, media_type, status, media["example"]))
    return found


def test_there_are_examples_to_check() -> None:
    assert len(media_examples(document())) >= 15


@pytest.mark.parametrize(
    ("path", "method", "media_type", "status", "example"),
    media_examples(document()),
    ids=lambda value: value if isinstance(value, str) and value.startswith("/") else None,
)
def test_every_example_fits_our_document_and_deepl_s(
    path: str, method: str, media_type: str, status: str | None, example: Any
) -> None:
    if status is None:
        shapes.check_request(path, method, example, media_type)
    else:
        shapes.check_response(path, method, int(status), example, media_type)
    if path.startswith(DEEPL_PATHS) and "x-deepl-same-as" not in document()["paths"][path][method]:
        if status is None:
            shapes.check_deepl_request(path, method, example, media_type)
        else:
            shapes.check_deepl_response(path, method, int(status), example, media_type)


GOOD_TRANSLATION = {"translations": [{"detected_source_language": "EN", "text": "Hallo"}]}


def test_real_shaped_bodies_pass_on_concrete_paths() -> None:
    shapes.check_response("/v2/translate", "POST", 200, GOOD_TRANSLATION)
    shapes.check_deepl_response("/v2/translate", "POST", 200, GOOD_TRANSLATION)
    glossary = {
        "glossary_id": "3f2a",
        "name": "Terms",
        "ready": True,
        "source_lang": "en",
        "target_lang": "de",
        "creation_time": "2024-05-01T10:00:00.000Z",
        "entry_count": 2,
    }
    shapes.check_response("/v2/glossaries/3f2a?x=1", "get", 200, glossary)
    shapes.check_deepl_response("/v2/glossaries/3f2a", "get", 200, glossary)
    shapes.check_deepl_response("/v2/translate", "post", 456, {"message": "Quota exceeded"})
    shapes.check_response("/v2/glossaries/3f2a", "delete", 204, None)
    shapes.check_response(
        "/v2/document/AB12/result", "post", 200, b"PK\x03\x04", "application/octet-stream"
    )
    shapes.check_response("/translate", "post", 200, {"translatedText": ["¡Hola!", "Adiós"]})
    shapes.check_response(
        "/translate",
        "post",
        200,
        {
            "translatedText": "¡Hola!",
            "detectedLanguage": {"confidence": 92.5, "language": "en"},
            "alternatives": [],
        },
    )
    shapes.check_response("/detect", "post", 200, [{"confidence": 90, "language": "fr"}])
    shapes.check_response("/translate", "post", 429, {"error": "Slowdown: too many requests"})
    shapes.check_request("/translate", "post", {"q": ["a", "b"], "source": "auto", "target": "de"})
    shapes.check_request(
        "/v2/translate",
        "post",
        {"text": ["a"], "target_lang": "DE", "workbench_provider": "pseudo"},
    )


@pytest.mark.parametrize(
    ("check", "args", "complaint"),
    [
        (
            shapes.check_response,
            ("/v2/translate", "post", 200, {"translations": [{"text": 3}]}),
            "3 is not of type 'string'",
        ),
        (
            shapes.check_deepl_response,
            ("/v2/translate", "post", 200, {"translations": [{"text": 3}]}),
            "3 is not of type 'string'",
        ),
        (
            shapes.check_response,
            ("/v2/translate", "post", 200, {"translations": []}),
            "should be non-empty",
        ),
        (
            shapes.check_deepl_response,
            ("/v2/usage", "get", 403, {"error": "no"}),
            "'message' is a required property",
        ),
        (
            shapes.check_response,
            ("/v2/translate", "post", 456, {}),
            "'message' is a required property",
        ),
        (
            shapes.check_response,
            ("/v2/translate", "post", 418, {"message": "x"}),
            "declares no such response",
        ),
        (
            shapes.check_response,
            ("/v2/nothing", "get", 200, {}),
            "describes no operation GET /v2/nothing",
        ),
        (
            shapes.check_response,
            ("/v2/translate", "post", 200, GOOD_TRANSLATION, "text/html"),
            "has no text/html body",
        ),
        (
            shapes.check_response,
            ("/translate", "post", 400, {"message": "x"}),
            "'error' is a required property",
        ),
        (
            shapes.check_response,
            ("/languages", "get", 200, [{"code": "en", "name": "English"}]),
            "'targets' is a required property",
        ),
        (
            shapes.check_response,
            ("/detect", "post", 200, [{"confidence": 101, "language": "en"}]),
            "greater than the maximum",
        ),
        (
            shapes.check_response,
            ("/v2/glossaries/x", "delete", 204, {"message": "gone"}),
            "expected no body",
        ),
        (
            shapes.check_request,
            ("/v2/translate", "post", {"text": "Hello", "target_lang": "DE"}),
            "'Hello' is not of type 'array'",
        ),
        (
            shapes.check_deepl_request,
            ("/v2/translate", "post", {"text": ["a"]}),
            "'target_lang' is a required property",
        ),
        (
            shapes.check_request,
            ("/translate", "post", {"q": 5, "source": "en", "target": "de"}),
            "is not valid under any",
        ),
        (shapes.check_request, ("/v2/usage", "get", {"a": 1}), "takes no body"),
    ],
)
def test_broken_bodies_fail_and_say_where(
    check: Any, args: tuple[Any, ...], complaint: str
) -> None:
    with pytest.raises(AssertionError, match=re.escape(complaint)):
        check(*args)


def test_nullable_and_exclusive_bounds_of_openapi_3_0_are_understood() -> None:
    converted = shapes._convert(
        {
            "type": "integer",
            "nullable": True,
            "minimum": 0,
            "exclusiveMinimum": True,
            "properties": {"nullable": {"$ref": "#/x"}},
        },
        "urn:t",
    )
    assert converted["type"] == ["integer", "null"]
    assert converted["exclusiveMinimum"] == 0
    assert "minimum" not in converted
    assert converted["properties"]["nullable"] == {"$ref": "urn:t#/x"}  # a property, not the flag


# --- served over HTTP -----------------------------------------------------------------------


@pytest.fixture
async def base_url() -> AsyncIterator[str]:
    """The docs routes on a real loopback server, behind the edge every response passes."""
    sockets = bind_sockets(0, "127.0.0.1", family=socket.AF_INET)
    server = HTTPServer(Edge(web.Application(docs_routes()), behind_proxy=False))
    server.add_sockets(sockets)
    yield f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
    server.stop()
    await server.close_all_connections()


async def test_openapi_json_is_served_as_cacheable_json(base_url: str) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(base_url + "/openapi.json")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json; charset=UTF-8"
        assert "max-age" in response.headers["cache-control"]
        assert response.json() == document()
        again = await client.get(
            base_url + "/openapi.json", headers={"If-None-Match": response.headers["etag"]}
        )
        assert again.status_code == 304


class Page(HTMLParser):
    """What a browser would fetch or follow from a page, and its visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.sections: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("href", "src", "action", "srcset", "poster", "data", "formaction"):
                self.urls.append(value or "")
            if name == "style":
                self.urls += re.findall(r"url\(([^)]*)\)", value or "")
        if tag == "section" and ("class", "operation") in attrs:
            self.sections.append(dict(attrs)["id"] or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


async def test_docs_is_a_self_contained_page_with_every_operation(base_url: str) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(base_url + "/docs")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=UTF-8"
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    page = Page()
    page.feed(response.text)
    assert page.urls, "the page links nothing: the parser saw no attribute"
    for url in page.urls:
        parts = urlsplit(url)
        assert not parts.scheme, f"the page points elsewhere: {url}"
        assert not parts.netloc, f"the page points elsewhere: {url}"
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(page.tags)
    text = " ".join("".join(page.text).split())
    own = urlsplit(base_url).netloc
    hosts = {urlsplit(url).netloc for url in re.findall(r"https?://[^\s'\"<>),]+", text)}
    # Only the examples' own server, and DeepL's address in the copyright notice (as text).
    assert hosts == {own, "www.deepl.com"}
    ids = [op["operationId"] for _path, _method, op in operations(document())]
    assert page.sections == ids
    assert f"curl -X POST {base_url}/v2/translate" in text
    assert "DeepL-Auth-Key $WORKBENCH_KEY" in text
    assert "workbench_provider" in text
    assert "Retry-After" in text
    assert "Copyright 2022 DeepL SE" in text


async def test_docs_speaks_french_when_asked(base_url: str) -> None:
    async with httpx.AsyncClient() as client:
        french = await client.get(base_url + "/docs", headers={"Accept-Language": "fr-FR,fr"})
        english = await client.get(base_url + "/docs?lang=en", headers={"Accept-Language": "fr"})
    assert '<html lang="fr">' in french.text
    assert "Réponses" in french.text
    assert '<html lang="en">' in english.text
    assert "Responses" in english.text


def test_the_curl_examples_send_valid_bodies() -> None:
    doc = document()
    command = curl_example(doc, "http://h", "/translate", "post")
    body = json.loads(command.split(" -d ", 1)[1].strip('"').replace('\\"', '"'))
    assert body["api_key"] == "$WORKBENCH_KEY"
    shapes.check_request("/translate", "post", body)
    command = curl_example(doc, "http://h", "/v2/translate", "post")
    shapes.check_deepl_request(
        "/v2/translate", "post", json.loads(command.split(" -d ", 1)[1].strip("'"))
    )
