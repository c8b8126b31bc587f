"""Real catalogs of other projects (tests/corpus/json, origins in its README) through the JSON
format: the source renders back byte for byte, and a pseudo translation keeps the file's
structure, its keys, every placeholder and tag, and every ICU message's skeleton, as an
independent ICU parser (pyicumessageformat) and CLDR's plural rules (Babel) read them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from babel import Locale
from pyicumessageformat import Parser

from workbench.batch.formats import FormatOptions, format_for
from workbench.providers.registry import get_provider

CORPUS = sorted((Path(__file__).parents[2] / "corpus" / "json").glob("*.json"))
# The catalogs written in ICU MessageFormat (ARB, FormatJS, react-intl, i18next-icu).
ICU = {
    "flutter-gallery-arb.json",
    "formatjs-extracted.json",
    "formatjs-html.json",
    "react-i18next-icu-en.json",
    "react-i18next-icu-ru.json",
    "umami-nested-icu.json",
    "umami-react-intl.json",
}
# What must come back unchanged in the other catalogs: interpolations, nesting, tags,
# entities, MediaWiki parameters and links.
MAGIC = re.compile(r"\{\{(plural|gender):([^|{}]*)\|([^{}]*)\}\}", re.IGNORECASE)
CATEGORIES = ("zero", "one", "two", "few", "many", "other")
CODES = re.compile(r"\{\{.*?\}\}|\$t\([^)]*\)|<[^<>]+>|&\w+;|\{[^{}]*\}|\$\d+|\[\[[^\]]*\]\]|%\w")


def test_the_corpus_is_there() -> None:
    assert len(CORPUS) >= 12
    assert {path.name for path in CORPUS} >= ICU


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.name)
def test_rendering_the_source_gives_the_file_back(path: Path) -> None:
    data = path.read_bytes()
    document = format_for(path).read(data, FormatOptions())
    assert document.texts
    assert document.render(document.texts) == data


@pytest.mark.parametrize("target", ["fr", "pl", "ja"])
@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.name)
async def test_a_pseudo_translation_keeps_structure_codes_and_icu_skeletons(
    path: Path, target: str
) -> None:
    data = path.read_bytes()
    document = format_for(path).read(data, FormatOptions(target_lang=target))
    results = await get_provider("pseudo").translate_segments(document.texts, target=target)
    out = document.render([result.text for result in results])

    pairs: list[tuple[str, str, bool]] = []
    plural_keys = path.name not in ICU and not path.name.startswith(("mediawiki", "banana"))
    fit = target if plural_keys else ""
    _compare(_load(data), _load(out), pairs, translated=True, target=fit)
    assert any(source != result for source, result, _ in pairs)
    for source, result, translated in pairs:
        if not translated:
            assert result == source  # metadata, descriptions, @ keys
        elif path.name in ICU:
            _check_icu(source, result, target)
        else:
            codes = sorted(CODES.findall(_forms_counted(source)))
            assert sorted(CODES.findall(_forms_counted(result))) == codes, source
            if re.search("[A-Za-z]", CODES.sub("", source)):
                assert result != source


class _Pairs(list[tuple[str, Any]]):
    pass


def _load(data: bytes) -> Any:
    return json.loads(data.decode("utf-8-sig"), object_pairs_hook=_Pairs)


def _compare(
    source: Any, result: Any, pairs: list[tuple[str, str, bool]], *, translated: bool, target: str
) -> None:
    """Same shape, same keys in the same order (i18next plural keys fitted to ``target``),
    same non-strings; strings collected."""
    assert type(result) is type(source)
    if isinstance(source, str):
        pairs.append((source, result, translated))
    elif isinstance(source, _Pairs):
        source = _Pairs(_fit_keys(source, target)) if target else source
        assert [key for key, _ in result] == [key for key, _ in source]
        keys = {key for key, _ in source}
        for (key, value), (_, other) in zip(source, result, strict=True):
            formatjs = "defaultMessage" in keys and keys <= {"id", "defaultMessage", "description"}
            message = key == "defaultMessage" or not formatjs
            wanted = translated and not key.startswith("@") and message
            _compare(value, other, pairs, translated=wanted, target=target)
    elif isinstance(source, list):
        assert len(result) == len(source)
        for value, other in zip(source, result, strict=True):
            _compare(value, other, pairs, translated=translated, target=target)
    else:
        assert result == source


def _forms_counted(message: str) -> str:
    """MediaWiki's PLURAL and GENDER with their forms (translated) replaced by their count."""
    return MAGIC.sub(
        lambda match: (
            f"{{{{{match.group(1).upper()}:{match.group(2)}|"
            f"{match.group(3).count('|') + 1} forms}}}}"
        ),
        message,
    )


def _fit_keys(members: list[tuple[str, Any]], target: str) -> list[tuple[str, Any]]:
    """i18next's ``key_<category>`` members as the target language needs them: categories
    CLDR does not give it dropped (``_zero`` kept), missing ones added before ``_other``
    with its text."""
    rule = Locale.parse(target).plural_form
    wanted = [name for name in CATEGORIES if name in rule.tags or name == "other"]
    keys = {key for key, _ in members}
    fitted: list[tuple[str, Any]] = []
    for key, value in members:
        base, _, category = key.rpartition("_")
        grouped = isinstance(value, str) and category in CATEGORIES and f"{base}_other" in keys
        if grouped and category == "other":
            missing = [name for name in wanted if f"{base}_{name}" not in keys]
            fitted.extend((f"{base}_{name}", value) for name in missing)
        if not grouped or category in wanted or category == "zero":
            fitted.append((key, value))
    return fitted


def _check_icu(source: str, result: str, target: str) -> None:
    tags = _parses(source, tags=True)
    parser = Parser({"allow_tags": tags})
    before, after = parser.parse(source), parser.parse(result)
    assert _skeleton(after) == _fitted(_skeleton(before), target), result
    if any(re.search("[A-Za-z]", text) for text in _texts(before)):
        assert _texts(after) != _texts(before)


def _parses(message: str, *, tags: bool) -> bool:
    try:
        Parser({"allow_tags": tags}).parse(message)
    except SyntaxError:
        return False
    return True


def _skeleton(nodes: list[Any]) -> list[Any]:
    """Arguments, "#", tags and branches, texts left out."""
    skeleton: list[Any] = []
    for node in nodes:
        if isinstance(node, str):
            continue
        fields = tuple(sorted((k, v) for k, v in node.items() if k not in ("options", "contents")))
        if "options" in node:
            options = {selector: _skeleton(body) for selector, body in node["options"].items()}
            skeleton.append((fields, options))
        else:
            skeleton.append((fields, _skeleton(node.get("contents", []))))
    return skeleton


def _fitted(skeleton: list[Any], target: str) -> list[Any]:
    """The skeleton a plural must have in ``target``: its CLDR categories, exact branches
    kept, a missing category shaped like ``other``."""
    fitted: list[Any] = []
    for fields, inner in skeleton:
        if isinstance(inner, dict):
            kind = dict(fields).get("type")
            options = {selector: _fitted(body, target) for selector, body in inner.items()}
            if kind in ("plural", "selectordinal"):
                locale = Locale.parse(target)
                rule = locale.ordinal_form if kind == "selectordinal" else locale.plural_form
                wanted = set(rule.tags) | {"other"}
                options = {
                    selector: body
                    for selector, body in options.items()
                    if selector.startswith("=") or selector in wanted
                }
                for name in wanted - set(options):
                    options[name] = options["other"]
            fitted.append((fields, options))
        else:
            fitted.append((fields, _fitted(inner, target)))
    return fitted


def _texts(nodes: list[Any]) -> list[str]:
    texts: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            texts.append(node)
        else:
            for body in node.get("options", {}).values():
                texts.extend(_texts(body))
            texts.extend(_texts(node.get("contents", [])))
    return texts
