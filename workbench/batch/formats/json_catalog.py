"""JSON i18n catalogs: nested keys kept, only string values translated.

Key order, nesting, arrays and non-string values are kept; the output uses the input's
indentation. ``{placeholders}`` inside values reach the engine as they are and the engine
protects them (see :mod:`workbench.batch.placeholders`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from workbench.batch.formats.base import Document, FileFormat, FormatOptions, Segment, decode_utf8
from workbench.errors import InvalidInput


class JsonCatalog(FileFormat):
    name = "json"
    extensions = (".json",)

    def read(self, data: bytes, options: FormatOptions) -> Document:
        text = decode_utf8(data, "JSON")
        options.limits.check_json(text)
        try:
            tree = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"this JSON file is malformed: {exc.msg} at line {exc.lineno}, column {exc.colno}"
            ) from exc
        if not isinstance(tree, dict | list):
            raise InvalidInput("a JSON catalog must be an object of keys (or an array)")
        segments: list[Segment] = []
        _collect(tree, "", segments)
        indent = _indent_of(text)
        trailing_newline = text.endswith("\n")

        def render(translations: Sequence[str]) -> bytes:
            filled = _fill(tree, iter(translations))
            out = json.dumps(filled, ensure_ascii=False, indent=indent)
            return (out + ("\n" if trailing_newline else "")).encode("utf-8")

        return Document(segments, render)


def _collect(node: Any, path: str, segments: list[Segment]) -> None:
    if isinstance(node, str):
        segments.append(Segment(node, path or "(root)"))
    elif isinstance(node, dict):
        for key, value in node.items():
            _collect(value, f"{path}.{key}" if path else str(key), segments)
    elif isinstance(node, list):
        for position, value in enumerate(node):
            _collect(value, f"{path}[{position}]", segments)


def _fill(node: Any, translations: Any) -> Any:
    if isinstance(node, str):
        return next(translations)
    if isinstance(node, dict):
        return {key: _fill(value, translations) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(value, translations) for value in node]
    return node


def _indent_of(text: str) -> int | str | None:
    match = re.search(r"[\[{]\r?\n([ \t]+)\S", text)
    if match is None:
        return None
    whitespace = match.group(1)
    return len(whitespace) if set(whitespace) == {" "} else whitespace
