"""YAML front matter: the values of the named keys translated, in place, nothing else.

The keys come from ``FormatOptions.front_matter_keys`` (default ``title`` and
``description``) and are matched at any depth, so a VitePress home page's
``features: [{title: …}]`` is translated too. Only string values are; a value keeps its
quoting: double-quoted values are escaped as YAML double-quoted strings, single-quoted
ones double their quotes, plain ones stay plain when YAML still reads the translation
back as the same string (else they are double-quoted), block scalars keep their
header and indentation. Keys, comments, other values and the layout are not touched.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import yaml

from workbench import inline
from workbench.batch.formats.base import Segment
from workbench.batch.formats.sourcetext import Edit, Edits

_STRING = "tag:yaml.org,2002:str"


def translate_values(edits: Edits, first: int, end: int, keys: tuple[str, ...]) -> None:
    """The front matter between the fence on line ``first`` and the one on line ``end``."""
    source = edits.source
    start = source.starts[first + 1]
    text = source.text[start : source.starts[end]]
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        reason = str(error).splitlines()[0]
        edits.notes.append(f"the front matter is not valid YAML ({reason}); it is kept as it is")
        return
    for key, node in _values(root, set(keys)):
        if not node.value.strip():
            continue
        original = text[node.start_mark.index : node.end_mark.index]
        edits.add(
            Segment(inline.plain(node.value), f"line {first + 2 + node.start_mark.line}, {key}"),
            Edit(
                start + node.start_mark.index,
                start + node.end_mark.index,
                _writer(node.style, original),
            ),
        )


def _values(root: yaml.Node | None, keys: set[str]) -> Iterator[tuple[str, yaml.ScalarNode]]:
    seen: set[int] = set()  # anchors and aliases share nodes: each is visited once
    pending = [root] if root is not None else []
    while pending:
        node = pending.pop(0)
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if (
                    isinstance(key, yaml.ScalarNode)
                    and key.value in keys
                    and isinstance(value, yaml.ScalarNode)
                    and value.tag == _STRING
                ):
                    seen.add(id(value))
                    yield key.value, value
                else:
                    pending.append(value)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)


def _writer(style: str | None, original: str) -> Callable[[str], str]:
    def write(translation: str) -> str:
        value = inline.text_of(translation)
        if style == "'" and "\n" not in value:
            return "'" + value.replace("'", "''") + "'"
        if style in ("|", ">"):
            return _block(original, value)
        if style is None and _plain(value):
            return value
        return json.dumps(value, ensure_ascii=False)  # a valid YAML double-quoted scalar

    return write


def _plain(value: str) -> bool:
    """Whether ``value`` written bare on one line reads back as the same string."""
    if "\n" in value or "\r" in value or value != value.strip():
        return False
    try:
        return bool(yaml.safe_load(f"key: {value}") == {"key": value})
    except yaml.YAMLError:
        return False


def _block(original: str, value: str) -> str:
    """A block scalar: the same header and indentation, the value's lines under it."""
    header, _, body = original.partition("\n")
    newline = "\r\n" if header.endswith("\r") else "\n"
    header = header.rstrip("\r")
    indent = body[: len(body) - len(body.lstrip(" "))]
    trailing = body[len(body.rstrip()) :]
    lines = value.replace("\r\n", "\n").split("\n")
    return header + newline + indent + (newline + indent).join(lines) + trailing
