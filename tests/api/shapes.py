"""Request and response bodies checked against an OpenAPI document: DeepL's or the workbench's.

The API's tests call these on what they really sent and received:

- :func:`check_response` / :func:`check_request`: against the workbench's own document
  (``workbench/api/openapi.yaml``, every operation, DeepL and LibreTranslate).
- :func:`check_deepl_response` / :func:`check_deepl_request`: against DeepL's published
  document (``reference/deepl-openapi.yaml``), for the ``/v2/`` operations, so a shape
  DeepL's clients would not accept fails even where our document agrees with it.

``path`` may be the document's template (``/v2/glossaries/{glossary_id}``) or a concrete path
(``/v2/glossaries/3f2…``, a query string is ignored); ``method`` is case-insensitive; ``body``
is the decoded JSON (``response.json()``), or ``bytes`` / ``str`` for other media types.
Each ``check_*`` raises :class:`AssertionError` listing every mismatch; the ``*_errors``
functions return the list instead.

OpenAPI 3.0 schemas are not quite JSON Schema; :func:`json_schema_document` converts one
document (``nullable``, boolean ``exclusiveMinimum``/``exclusiveMaximum``, local ``$ref``
made absolute) so that ``jsonschema`` with a ``referencing`` registry validates any part of it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from workbench.api.openapi import document, resolve

REFERENCE = Path(__file__).resolve().parent / "reference" / "deepl-openapi.yaml"
DEEPL_URI = "urn:deepl-openapi"
WORKBENCH_URI = "urn:workbench-openapi"
JSON = "application/json"


@lru_cache(maxsize=1)
def deepl_reference() -> dict[str, Any]:
    """DeepL's OpenAPI document, as published. Shared: do not change it."""
    loaded = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def workbench_document() -> dict[str, Any]:
    """The workbench's OpenAPI document, as ``/openapi.json`` serves it. Shared: do not change."""
    return document()


# --- OpenAPI 3.0 -> JSON Schema 2020-12 -----------------------------------------------------


def _convert(node: Any, uri: str) -> Any:
    if isinstance(node, list):
        return [_convert(item, uri) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _convert(value, uri) for key, value in node.items()}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith("#"):
        out["$ref"] = uri + ref
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(bound), bool) and out.pop(bound) and limit in out:
            out[bound] = out.pop(limit)
    if out.get("nullable") is True:
        del out["nullable"]
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@lru_cache(maxsize=4)
def _registry(uri: str) -> tuple[dict[str, Any], Registry[Any]]:
    source = deepl_reference() if uri == DEEPL_URI else workbench_document()
    converted = _convert(source, uri)
    resource = Resource.from_contents(converted, default_specification=DRAFT202012)
    return converted, Registry().with_resource(uri, resource)


def json_schema_document(uri: str) -> dict[str, Any]:
    """The document named by ``uri`` (:data:`DEEPL_URI`, :data:`WORKBENCH_URI`), converted."""
    return _registry(uri)[0]


def schema_errors(uri: str, schema: dict[str, Any], value: Any) -> list[str]:
    """Every way ``value`` breaks ``schema`` (a converted part of the document ``uri``)."""
    validator = Draft202012Validator(schema, registry=_registry(uri)[1])
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(body)'}: {error.message}"
        for error in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    ]


def _resolve(uri: str, node: Any) -> Any:
    """``node`` of the converted document ``uri`` with its ``$ref`` followed, else itself."""
    doc = json_schema_document(uri)
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        assert ref.startswith(uri + "#/"), f"cannot follow the reference {ref!r}"
        node = doc
        for part in ref[len(uri) + 2 :].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


# --- finding the operation ------------------------------------------------------------------


def _template(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", pattern)
    return re.compile(
        "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts) + "$"
    )


def operation(uri: str, path: str, method: str) -> tuple[str, dict[str, Any]]:
    """``(template, operation)`` of the document ``uri`` that serves ``method path``."""
    doc = json_schema_document(uri)
    path = urlsplit(path).path
    paths = doc["paths"]
    candidates = [path] if path in paths else [p for p in paths if _template(p).match(path)]
    for template in candidates:
        found = paths[template].get(method.lower())
        if found is not None:
            return template, found
    raise AssertionError(f"{uri} describes no operation {method.upper()} {path}")


def _media_errors(
    uri: str, where: str, content: dict[str, Any], media_type: str, body: Any
) -> list[str]:
    if not content:
        return []  # the document says nothing about this body's shape
    if media_type not in content:
        return [f"{where}: the document has no {media_type} body (it has {sorted(content)})"]
    schema = _resolve(uri, content[media_type].get("schema"))
    if schema is None:
        return []
    if media_type != JSON and schema.get("type") == "string":
        return [] if isinstance(body, bytes | str) else [f"{where}: expected bytes or text"]
    return [
        f"{where}: {error}" for error in schema_errors(uri, content[media_type]["schema"], body)
    ]


def response_errors(
    uri: str, path: str, method: str, status: int, body: Any, media_type: str = JSON
) -> list[str]:
    """Every mismatch between ``body`` and the ``status`` response of ``method path``."""
    template, found = operation(uri, path, method)
    where = f"{method.upper()} {template} {status}"
    responses = {str(key): value for key, value in found.get("responses", {}).items()}
    response = responses.get(str(status), responses.get("default"))
    if response is None:
        return [f"{where}: the document declares no such response (it has {sorted(responses)})"]
    content = _resolve(uri, response).get("content", {})
    if not content:
        return [] if body in (None, b"", "") or uri == DEEPL_URI else [f"{where}: expected no body"]
    return _media_errors(uri, where, content, media_type, body)


def request_errors(
    uri: str, path: str, method: str, body: Any, media_type: str = JSON
) -> list[str]:
    """Every mismatch between ``body`` and the request body of ``method path``.

    Form bodies carry every value as text: check the JSON form of a request.
    """
    template, found = operation(uri, path, method)
    where = f"{method.upper()} {template} request"
    request = _resolve(uri, found.get("requestBody", {}))
    if not request:
        return [f"{where}: the operation takes no body"] if body is not None else []
    return _media_errors(uri, where, request.get("content", {}), media_type, body)


def _raise(errors: list[str]) -> None:
    if errors:
        raise AssertionError("\n".join(errors))


def check_response(path: str, method: str, status: int, body: Any, media_type: str = JSON) -> None:
    """``body`` is what the workbench's document says ``method path`` answers with ``status``."""
    _raise(response_errors(WORKBENCH_URI, path, method, status, body, media_type))


def check_request(path: str, method: str, body: Any, media_type: str = JSON) -> None:
    """``body`` is a request body the workbench's document accepts for ``method path``."""
    _raise(request_errors(WORKBENCH_URI, path, method, body, media_type))


def check_deepl_response(
    path: str, method: str, status: int, body: Any, media_type: str = JSON
) -> None:
    """``body`` is what DeepL's own document says ``method path`` answers with ``status``."""
    _raise(response_errors(DEEPL_URI, path, method, status, body, media_type))


def check_deepl_request(path: str, method: str, body: Any, media_type: str = JSON) -> None:
    """``body`` is a request body DeepL's own document accepts for ``method path``."""
    _raise(request_errors(DEEPL_URI, path, method, body, media_type))


# --- our schemas against DeepL's --------------------------------------------------------------

EXTENSION = "workbench_"  # our extension fields, which DeepL's document cannot know


def _types(doc: dict[str, Any], schema: Any) -> set[str]:
    schema = resolve(doc, schema)
    if not isinstance(schema, dict):
        return set()
    for key in ("oneOf", "anyOf", "allOf"):
        if key in schema:
            return set().union(*(_types(doc, part) for part in schema[key]))
    kind = schema.get("type")
    if kind is None and "properties" in schema:
        return {"object"}
    return {kind} if isinstance(kind, str) else set(kind or [])


def _properties(doc: dict[str, Any], schema: Any) -> dict[str, Any]:
    schema = resolve(doc, schema)
    if not isinstance(schema, dict):
        return {}
    found = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        found.update(_properties(doc, part))
    return found


def incompatibilities(
    ours: dict[str, Any], our_schema: Any, theirs: dict[str, Any], their_schema: Any, where: str
) -> list[str]:
    """Where ``our_schema`` declares what ``their_schema`` does not, or with another type.

    Every property we declare (but our ``workbench_`` extensions) must exist in theirs with a
    type theirs allows, recursively through objects and arrays; an enum of ours must be a part
    of theirs.
    """
    problems: list[str] = []
    mine, other = resolve(ours, our_schema), resolve(theirs, their_schema)
    if not isinstance(mine, dict) or not isinstance(other, dict):
        return problems
    our_types, their_types = _types(ours, mine), _types(theirs, other)
    if "number" in their_types:
        their_types = their_types | {"integer"}  # an integer is a number
    if their_types and not our_types <= their_types:
        problems.append(f"{where}: type {sorted(our_types)}, DeepL's {sorted(their_types)}")
        return problems
    if "enum" in mine and "enum" in other and not set(mine["enum"]) <= set(other["enum"]):
        extra = sorted(set(mine["enum"]) - set(other["enum"]))
        problems.append(f"{where}: values {extra} are not in DeepL's enum")
    if "items" in mine and "items" in other:
        problems += incompatibilities(ours, mine["items"], theirs, other["items"], where + "[]")
    their_properties = _properties(theirs, other)
    for name, field in _properties(ours, mine).items():
        if name.startswith(EXTENSION):
            continue
        if name not in their_properties:
            problems.append(f"{where}.{name}: not in DeepL's document")
            continue
        problems += incompatibilities(
            ours, field, theirs, their_properties[name], f"{where}.{name}"
        )
    return problems
