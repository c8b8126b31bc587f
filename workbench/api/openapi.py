"""The API's description: ``/openapi.json`` for tools and ``/docs`` for people.

Both come from one document, ``openapi.yaml`` beside this module (shipped in the wheel), which
describes every operation of the DeepL-compatible and LibreTranslate-compatible API, their
authentication, errors and the workbench's extension fields. ``/docs`` is rendered here, on the
server, as plain HTML with its own small stylesheet: the page loads nothing from anywhere, so it
works on an offline server and tells no third party who reads it.

The application that serves the API mounts :func:`docs_routes`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import shlex
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from tornado import web

from workbench.ui.i18n import LANGUAGE_NAMES, LANGUAGES, Texts

METHODS = ("get", "post", "put", "patch", "delete")
KEY_PLACEHOLDER = "$WORKBENCH_KEY"  # the shell variable the curl examples read the key from


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """The API's OpenAPI document. Shared and cached: callers must not change it."""
    text = resources.files(__package__).joinpath("openapi.yaml").read_text(encoding="utf-8")
    loaded = yaml.safe_load(text)
    if not isinstance(loaded, dict):
        raise TypeError("openapi.yaml does not hold an OpenAPI document")
    return loaded


@lru_cache(maxsize=1)
def document_json() -> bytes:
    """:func:`document` as the UTF-8 JSON ``/openapi.json`` serves."""
    return json.dumps(document(), ensure_ascii=False, indent=1).encode()


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every ``(path, method, operation)`` of ``doc``, in the document's order."""
    return [
        (path, method, item[method])
        for path, item in doc.get("paths", {}).items()
        for method in METHODS
        if method in item
    ]


def resolve(doc: dict[str, Any], node: Any) -> Any:
    """``node`` with its local ``$ref`` followed (repeatedly), else ``node`` itself."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            raise ValueError(f"cannot follow the reference {ref!r}")
        seen.add(ref)
        node = doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


# --- the reference page ------------------------------------------------------------------


def type_name(doc: dict[str, Any], schema: Any) -> str:
    """A short readable type: ``string``, ``array of string``, ``string or array of string``."""
    schema = resolve(doc, schema)
    if not isinstance(schema, dict):
        return ""
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return " or ".join(type_name(doc, choice) for choice in schema[key])
    kind = str(schema.get("type", "object" if "properties" in schema else ""))
    if kind == "array":
        return f"array of {type_name(doc, schema.get('items', {}))}".strip()
    if schema.get("format") == "binary":
        return "file"
    if "enum" in schema:
        return f"{kind}: " + " | ".join(str(value) for value in schema["enum"])
    return kind


def sample(doc: dict[str, Any], schema: Any) -> Any:
    """A value ``schema`` accepts, from its examples and defaults, for the curl examples."""
    schema = resolve(doc, schema)
    if not isinstance(schema, dict):
        return None
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return sample(doc, schema[key][0])
    kind = schema.get("type")
    if kind == "array":
        return [sample(doc, schema.get("items", {}))]
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {name: sample(doc, properties[name]) for name in schema.get("required", [])}
    return {"integer": 0, "number": 0, "boolean": False}.get(str(kind), "…")


def _body_example(doc: dict[str, Any], media: dict[str, Any]) -> Any:
    if "example" in media:
        return media["example"]
    return sample(doc, media.get("schema", {}))


def curl_example(doc: dict[str, Any], base_url: str, path: str, method: str) -> str:
    """A curl command that sends a valid request to the operation."""
    operation = doc["paths"][path][method]
    for parameter in (resolve(doc, p) for p in operation.get("parameters", [])):
        if parameter.get("in") == "path":
            name = parameter["name"]
            value = str(sample(doc, parameter.get("schema", {})))
            path = path.replace("{" + name + "}", value if value != "…" else name.upper())
    words = ["curl"]
    if method != "get" or "requestBody" in operation:
        words += ["-X", method.upper()]
    words.append(base_url.rstrip("/") + path)
    schemes = {name for entry in operation.get("security", []) for name in entry}
    if "auth_header" in schemes:
        words += ["-H", f"Authorization: DeepL-Auth-Key {KEY_PLACEHOLDER}"]
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = _body_example(doc, content["application/json"])
        if isinstance(body, dict) and "api_key" in body:
            body = {**body, "api_key": KEY_PLACEHOLDER}
        words += ["-H", "Content-Type: application/json"]
        words += ["-d", json.dumps(body, ensure_ascii=False)]
    elif "multipart/form-data" in content:
        schema = resolve(doc, content["multipart/form-data"].get("schema", {}))
        fields = _form_fields(doc, schema, schemes)
        for name, value in fields:
            words += ["-F", f"{name}={value}"]
    elif "application/x-www-form-urlencoded" in content:
        schema = resolve(doc, content["application/x-www-form-urlencoded"].get("schema", {}))
        for name, value in _form_fields(doc, schema, schemes):
            words += ["--data-urlencode", f"{name}={value}"]
    return " ".join(_shell_word(word) for word in words)


def _form_fields(
    doc: dict[str, Any], schema: dict[str, Any], schemes: set[str]
) -> list[tuple[str, str]]:
    properties = schema.get("properties", {})
    names = list(schema.get("required", []))
    if "api_key" in schemes and "api_key" in properties and "api_key" not in names:
        names.append("api_key")
    fields = []
    for name in names:
        field = resolve(doc, properties[name])
        if field.get("format") == "binary":
            fields.append((name, "@document.docx"))
        elif name == "api_key":
            fields.append((name, KEY_PLACEHOLDER))
        else:
            fields.append((name, str(sample(doc, field))))
    return fields


def _shell_word(word: str) -> str:
    """``word`` quoted for a POSIX shell, the key's variable left for the shell to expand."""
    if KEY_PLACEHOLDER in word:
        return '"' + word.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`") + '"'
    return shlex.quote(word)


STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; color: #1d2733; background: #f4f6f9; }
main { max-width: 60em; margin: 0 auto; padding: 1em 1.5em 4em; background: #fff; }
h1 { color: #1f3a5f; } h2 { margin-top: 2em; border-bottom: 2px solid #1f3a5f; }
section.operation { border: 1px solid #d6dde6; border-radius: 8px; padding: .2em 1em 1em;
  margin: 1.2em 0; }
.method { display: inline-block; min-width: 4em; text-align: center; font-weight: 700;
  color: #fff; background: #1f3a5f; border-radius: 4px; padding: .1em .4em; }
.method-get { background: #17552b; } .method-delete { background: #8a1c12; }
code, pre { font-family: ui-monospace, monospace; font-size: .9em; }
pre { background: #1d2733; color: #f4f6f9; padding: .8em; border-radius: 6px;
  white-space: pre-wrap; word-break: break-all; }
table { border-collapse: collapse; width: 100%; font-size: .9em; margin: .4em 0; }
th, td { border-bottom: 1px solid #e3e8ee; padding: .3em .5em; text-align: left;
  vertical-align: top; }
th { background: #f4f6f9; }
nav ul { columns: 2; } .lang { text-align: right; } .notice { font-size: .8em; color: #4a5a6a; }
"""
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
# The page runs no script and loads nothing: only its own inline stylesheet is allowed.
POLICY = f"default-src 'none'; style-src '{STYLE_HASH}'; base-uri 'none'; form-action 'none'"


def _escape(value: object) -> str:
    return html.escape(str(value))


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{_escape(part)}</p>" for part in str(text).split("\n\n") if part.strip())


def _fields_table(doc: dict[str, Any], schema: Any, texts: Texts) -> str:
    schema = resolve(doc, schema)
    if not isinstance(schema, dict):
        return ""
    if schema.get("type") == "array":
        item = resolve(doc, schema.get("items", {}))
        note = f"<p>{_escape(texts._('An array; each item:'))}</p>"
        return note + _fields_table(doc, item, texts) if "properties" in item else note
    properties = schema.get("properties", {})
    if not properties:
        return f"<p><code>{_escape(type_name(doc, schema))}</code></p>"
    required = set(schema.get("required", []))
    rows = "".join(
        f"<tr><td><code>{_escape(name)}</code></td>"
        f"<td>{_escape(type_name(doc, field))}</td>"
        f"<td>{_escape(texts._('yes') if name in required else '')}</td>"
        f"<td>{_escape(resolve(doc, field).get('description', ''))}</td></tr>"
        for name, field in properties.items()
    )
    heads = (texts._("Field"), texts._("Type"), texts._("Required"), texts._("Description"))
    header = "".join(f"<th>{_escape(head)}</th>" for head in heads)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>"


def _operation_section(
    doc: dict[str, Any], base_url: str, path: str, method: str, texts: Texts
) -> str:
    operation = doc["paths"][path][method]
    anchor = _escape(operation.get("operationId", f"{method}-{path}"))
    parts = [
        f'<section class="operation" id="{anchor}">',
        f'<h3><span class="method method-{method}">{method.upper()}</span> '
        f"<code>{_escape(path)}</code></h3>",
        f"<p><strong>{_escape(operation.get('summary', ''))}</strong></p>",
        _paragraphs(operation.get("description", "")),
    ]
    parameters = [resolve(doc, p) for p in operation.get("parameters", [])]
    if parameters:
        heads = (texts._("Parameter"), texts._("In"), texts._("Type"), texts._("Description"))
        rows = "".join(
            f"<tr><td><code>{_escape(p['name'])}</code></td><td>{_escape(p['in'])}</td>"
            f"<td>{_escape(type_name(doc, p.get('schema', {})))}</td>"
            f"<td>{_escape(p.get('description', ''))}</td></tr>"
            for p in parameters
        )
        header = "".join(f"<th>{_escape(head)}</th>" for head in heads)
        parts.append(f"<h4>{_escape(texts._('Parameters'))}</h4>")
        parts.append(f"<table><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>")
    for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
        title = texts._("Request body ({media_type})", media_type=media_type)
        parts.append(f"<h4>{_escape(title)}</h4>")
        parts.append(_fields_table(doc, media.get("schema", {}), texts))
    parts.append(f"<h4>{_escape(texts._('Responses'))}</h4>")
    for status, response in operation.get("responses", {}).items():
        response = resolve(doc, response)
        parts.append(f"<p><strong>{_escape(status)}</strong> {_escape(response['description'])}")
        if "Retry-After" in response.get("headers", {}):
            parts.append(" " + _escape(texts._("Header: Retry-After (seconds).")))
        parts.append("</p>")
        for media_type, media in response.get("content", {}).items():
            if media_type == "application/json":
                parts.append(_fields_table(doc, media.get("schema", {}), texts))
            else:
                parts.append(f"<p><code>{_escape(media_type)}</code></p>")
    parts.append(f"<h4>{_escape(texts._('Example'))}</h4>")
    parts.append(f"<pre>{_escape(curl_example(doc, base_url, path, method))}</pre>")
    parts.append("</section>")
    return "\n".join(parts)


def render_docs(doc: dict[str, Any], base_url: str, texts: Texts) -> str:
    """The reference page of ``doc``, its examples addressed to ``base_url``."""
    info = doc["info"]
    title = texts._("API reference")
    other = "fr" if texts.lang == "en" else "en"
    contents, sections = [], []
    for tag in doc.get("tags", []):
        name = tag["name"]
        tagged = [
            (path, method, operation)
            for path, method, operation in operations(doc)
            if name in operation.get("tags", [])
        ]
        contents.append(
            f"<li><strong>{_escape(name)}</strong><ul>"
            + "".join(
                f'<li><a href="#{_escape(op.get("operationId", ""))}">{method.upper()} '
                f"{_escape(path)}</a></li>"
                for path, method, op in tagged
            )
            + "</ul></li>"
        )
        sections.append(f"<h2>{_escape(name)}</h2>{_paragraphs(tag.get('description', ''))}")
        sections += [_operation_section(doc, base_url, p, m, texts) for p, m, _op in tagged]
    schemes = doc.get("components", {}).get("securitySchemes", {})
    auth = "".join(
        f"<li><code>{_escape(name)}</code>: {_escape(scheme.get('description', ''))}</li>"
        for name, scheme in schemes.items()
    )
    notices = "".join(f'<p class="notice">{_escape(n)}</p>' for n in info.get("x-notices", []))
    key_note = texts._(
        "The examples read your API key from the shell variable WORKBENCH_KEY: "
        "export WORKBENCH_KEY=<your key>."
    )
    return f"""<!doctype html>
<html lang="{texts.lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_escape(title)} · {_escape(info["title"])}</title>
<style>{STYLE}</style></head>
<body><main>
<p class="lang"><a href="?lang={other}">{_escape(LANGUAGE_NAMES[other])}</a></p>
<h1>{_escape(info["title"])}: {_escape(title)}</h1>
{_paragraphs(info.get("description", ""))}
<p>{_escape(texts._("The machine-readable document:"))}
<a href="/openapi.json">/openapi.json</a></p>
<h2>{_escape(texts._("Authentication"))}</h2>
<ul>{auth}</ul>
<p>{_escape(key_note)}</p>
<nav><h2>{_escape(texts._("Operations"))}</h2><ul>{"".join(contents)}</ul></nav>
{"".join(sections)}
<h2>{_escape(texts._("Notices"))}</h2>
{notices}
</main></body></html>"""


def page_language(handler: web.RequestHandler) -> str:
    """``?lang=`` when it names a language we have, else the browser's, else English."""
    chosen = handler.get_argument("lang", None)
    if chosen in LANGUAGES:
        return str(chosen)
    for part in handler.request.headers.get("Accept-Language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


class OpenApiHandler(web.RequestHandler):
    """``GET /openapi.json``: the document, cacheable (tornado adds an ETag)."""

    def get(self) -> None:
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.set_header("Cache-Control", "public, max-age=3600")
        self.set_header("Access-Control-Allow-Origin", "*")  # tools read it from other sites
        self.set_header("X-Content-Type-Options", "nosniff")
        self.write(document_json())


class DocsHandler(web.RequestHandler):
    """``GET /docs``: the reference page, in the reader's language, its examples on this host."""

    def get(self) -> None:
        base_url = f"{self.request.protocol}://{self.request.host}"
        page = render_docs(document(), base_url, Texts(page_language(self)))
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Content-Security-Policy", POLICY)
        self.set_header("X-Content-Type-Options", "nosniff")
        # The examples name the host the page was asked from, so no shared cache keeps it.
        self.set_header("Cache-Control", "private, no-cache")
        self.set_header("Vary", "Accept-Language")
        self.write(page)


def docs_routes() -> list[tuple[str, type[web.RequestHandler]]]:
    """The routes of the API's description, for the application that serves the API."""
    return [(r"/openapi\.json", OpenApiHandler), (r"/docs/?", DocsHandler)]
