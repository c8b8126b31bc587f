"""A fake DeepL API v2, as the official ``deepl`` SDK speaks it.

``Authorization: DeepL-Auth-Key KEY``; ``POST /v2/translate`` with a JSON body (the
SDK sends ``text`` as a list, ``target_lang``, optional ``source_lang``, ``formality``,
``model_type``, ``glossary_id``, ``context`` and ``show_billed_characters``);
``GET /v2/languages`` with ``type`` in a form body; ``GET /v2/usage``; glossaries under
``/v2/glossaries`` with entries as TSV. Limits are enforced as DeepL does: at most 50
texts (400) and 128 KiB (413) per request. A wrong key gets 403 with the key echoed
back, as a hostile or careless server might, to prove we never repeat it.

With ``tag_handling=xml`` each text must be well-formed XML (else 400, as DeepL's tag
handling v2 answers); its text nodes are translated, the content of ``ignore_tags``
elements is kept as it is, and every tag comes back (moved, when :attr:`moves_tags` is
set, as word order would move it). Without ``tag_handling`` markup is text like any other.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.providers.fakes.markup import Element, translate_tree
from tests.providers.fakes.server import FakeServer, Received, Reply
from workbench.config import get_settings

MAX_TEXTS = 50
MAX_BYTES = 128 * 1024
SOURCE_LANGUAGES = ("AR", "DE", "EN", "ES", "FR", "JA", "PL", "PT", "ZH")
TARGET_LANGUAGES = (
    *("AR", "DE", "EN-GB", "EN-US", "ES", "FR", "JA", "PL", "PT-BR", "PT-PT"),
    *("ZH", "ZH-HANS", "ZH-HANT"),
)
PARSING_FAILED = "Tag handling parsing failed, please check input."
NAMES = {"AR": "Arabic", "DE": "German", "EN": "English", "ES": "Spanish", "FR": "French"}


def translated(text: str, target: str) -> str:
    return f"<{target.lower()}>{text}"


class FakeDeepL(FakeServer):
    moves_tags = False  # set to move tags within their sentence (legally) in xml mode

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self.glossaries: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)

    def handle(self, request: Received) -> Reply:
        if request.headers.get("authorization") != f"DeepL-Auth-Key {self.key}":
            return Reply(
                403, {"message": f"Invalid auth key {request.headers.get('authorization')}"}
            )
        if request.path == "/v2/translate" and request.method == "POST":
            return self._translate(request)
        if request.path == "/v2/languages":
            kind = request.param("type") or "source"
            codes = TARGET_LANGUAGES if kind == "target" else SOURCE_LANGUAGES
            return Reply(body=[{"language": code, "name": NAMES.get(code, code)} for code in codes])
        if request.path == "/v2/usage":
            return Reply(body={"character_count": 1200, "character_limit": 500000})
        if request.path.startswith("/v2/glossaries"):
            return self._glossaries(request)
        return Reply(404, {"message": "Not found"})

    def _translate(self, request: Received) -> Reply:
        if len(request.body) > MAX_BYTES:
            return Reply(413, {"message": "Request Entity Too Large"})
        body = request.json()
        texts = body["text"]
        if len(texts) > MAX_TEXTS:
            return Reply(400, {"message": "Too many texts"})
        target = body["target_lang"]
        entries: dict[str, str] = {}
        if "glossary_id" in body:
            glossary = self.glossaries.get(body["glossary_id"])
            if glossary is None:
                return Reply(404, {"message": "Glossary not found"})
            if "source_lang" not in body:
                return Reply(400, {"message": "source_lang is required with a glossary"})
            entries = glossary["entries"]
        results = []
        for text in texts:
            if body.get("tag_handling") == "xml":
                try:
                    text = self._translate_xml(text, target, entries, body.get("ignore_tags", []))
                except ET.ParseError:
                    return Reply(400, {"message": PARSING_FAILED})
            else:
                text = translated(_glossed(text, entries), target)
            results.append(
                {
                    "detected_source_language": body.get("source_lang", "EN"),
                    "text": text,
                    "billed_characters": len(text),
                    "model_type_used": body.get("model_type", "latency_optimized"),
                }
            )
        return Reply(body={"translations": results})

    def _translate_xml(
        self, text: str, target: str, entries: dict[str, str], ignored: list[str]
    ) -> str:
        fragment = f"<fragment>{text}</fragment>"
        root = _tree(ET.fromstring(fragment))  # noqa: S314  (our own requests, on loopback)
        translate_tree(
            root,
            lambda node: translated(_glossed(node, entries), target),
            lambda element: element.name in ignored,
            moves_tags=self.moves_tags,
        )
        return "".join(_xml(child) for child in root.children)

    def _glossaries(self, request: Received) -> Reply:
        parts = request.path.removeprefix("/v2/glossaries").strip("/").split("/")
        glossary_id = parts[0] or None
        if glossary_id is None and request.method == "POST":
            body = request.json()
            entries = dict(
                line.split("\t", 1) for line in body["entries"].splitlines() if line.strip()
            )
            new_id = f"gl-{next(self._ids)}"
            self.glossaries[new_id] = {
                "glossary_id": new_id,
                "name": body["name"],
                "ready": True,
                "source_lang": body["source_lang"].lower(),
                "target_lang": body["target_lang"].lower(),
                "creation_time": "2024-05-01T10:00:00.123456Z",
                "entry_count": len(entries),
                "entries": entries,
            }
            return Reply(201, _info(self.glossaries[new_id]))
        if glossary_id is None:
            return Reply(body={"glossaries": [_info(g) for g in self.glossaries.values()]})
        glossary = self.glossaries.get(glossary_id)
        if glossary is None:
            return Reply(404, {"message": "Glossary not found"})
        if request.method == "DELETE":
            del self.glossaries[glossary_id]
            return Reply(204)
        if parts[1:] == ["entries"]:
            tsv = "\n".join(f"{s}\t{t}" for s, t in glossary["entries"].items())
            return Reply(body=tsv, headers={"Content-Type": "text/tab-separated-values"})
        return Reply(body=_info(glossary))


def _glossed(text: str, entries: dict[str, str]) -> str:
    for source_term, target_term in entries.items():
        text = text.replace(source_term, target_term)
    return text


def _tree(element: ET.Element) -> Element:
    children: list[Element | str] = [element.text] if element.text else []
    for child in element:
        children.append(_tree(child))
        if child.tail:
            children.append(child.tail)
    empty = not children and element.text is None
    return Element(element.tag, list(element.attrib.items()), children, empty)


def _xml(node: Element | str) -> str:
    if isinstance(node, str):
        return node.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    attributes = "".join(
        f' {name}="{(value or "").replace("&", "&amp;").replace(chr(34), "&quot;")}"'
        for name, value in node.attributes
    )
    if node.empty:
        return f"<{node.name}{attributes}/>"
    inner = "".join(_xml(child) for child in node.children)
    return f"<{node.name}{attributes}>{inner}</{node.name}>"


def _info(glossary: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in glossary.items() if key != "entries"}


@contextmanager
def serving(fake: FakeDeepL, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDeepL]:
    """``fake`` started, with this process's settings pointing the deepl provider at it."""
    fake.start()
    monkeypatch.setenv("DEEPL_AUTH_KEY", fake.key)
    monkeypatch.setenv("WORKBENCH_DEEPL_URL", fake.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    get_settings.cache_clear()
    try:
        yield fake
    finally:
        fake.stop()
