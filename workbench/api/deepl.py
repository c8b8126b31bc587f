"""DeepL API v2, as DeepL's clients call it: ``/v2/translate``, ``/v2/languages``, ``/v2/usage``.

Requests and answers follow DeepL's documented shapes (JSON or form bodies, DeepL's
language codes such as ``EN-GB``, ``PT-BR``, ``ZH-HANS``); the work is the workbench's
(:mod:`workbench.api.service`), in the name of the key's owner.

Accepted and checked, but without effect here: ``formality``, ``context``,
``model_type``, ``preserve_formatting``, ``split_sentences``, ``outline_detection``
(and DeepL's other tag options); unknown parameters are ignored, as DeepL does.

Workbench extensions (any request): ``workbench_provider`` and ``workbench_model``
choose the provider and model that serve it, within the owner's tier.
"""

from __future__ import annotations

import uuid
from typing import Any

from workbench.accounts.api_keys import ApiScope
from workbench.api import service
from workbench.api.auth import Caller, authenticate, key_from_header
from workbench.api.base import ApiHandler, flag, many, one
from workbench.api.errors import RequestTooLarge
from workbench.api.markup import TagHandling
from workbench.errors import InvalidInput
from workbench.providers.languages import parse_tag

MAX_TRANSLATE_BODY = 128 * 1024  # DeepL's own request size limit
MAX_TEXTS = 50  # DeepL's texts per request
MAX_IGNORE_TAGS = 100
# DeepL reports this limit for accounts without a character limit.
UNLIMITED = 1_000_000_000_000
FORMALITIES = ("default", "more", "less", "prefer_more", "prefer_less")
SPLIT_SENTENCES = ("0", "1", "nonewlines")
PROVIDER = "workbench_provider"
MODEL = "workbench_model"


class DeepLHandler(ApiHandler):
    async def caller(self, *scopes: ApiScope) -> Caller:
        key = key_from_header(self.request.headers.get("Authorization"))
        return await authenticate(self.services.db, key, scopes)

    def choice(self) -> dict[str, str | None]:
        params = self.params()
        return {"provider": one(params, PROVIDER), "model": one(params, MODEL, limit=200)}


class TranslateHandler(DeepLHandler):
    """``POST /v2/translate``."""

    max_body = MAX_TRANSLATE_BODY

    async def post(self) -> None:
        caller = await self.caller(ApiScope.TRANSLATE)
        params = self.params()
        texts = many(params, "text")
        if not texts:
            raise InvalidInput("Parameter 'text' not specified: give at least one text")
        if len(texts) > MAX_TEXTS:
            raise RequestTooLarge(
                f"{len(texts)} texts in one request; send at most {MAX_TEXTS} per request"
            )
        target = one(params, "target_lang")
        if not target or not target.strip():
            raise InvalidInput("Parameter 'target_lang' not specified: give e.g. DE or EN-GB")
        source = one(params, "source_lang") or ""
        handling = _tag_handling(one(params, "tag_handling"))
        ignore = _tags(params, "ignore_tags")
        _check_options(params)
        billed = flag(params, "show_billed_characters") or False
        result = await service.translate(
            self.services,
            caller,
            texts,
            target_lang=target,
            source_lang=source,
            tag_handling=handling,
            ignore_tags=ignore,
            glossary_id=_glossary_id(one(params, "glossary_id")),
            **self.choice(),
        )
        detected = deepl_source_code(result.source_lang)
        translations: list[dict[str, Any]] = []
        for item in result.translations:
            entry: dict[str, Any] = {"detected_source_language": detected, "text": item.text}
            if billed:
                entry["billed_characters"] = item.billed_characters
            translations.append(entry)
        self.send({"translations": translations})


class LanguagesHandler(DeepLHandler):
    """``GET|POST /v2/languages?type=source|target``."""

    async def get(self) -> None:
        caller = await self.caller(ApiScope.TRANSLATE)
        kind = (one(self.params(), "type") or "source").strip().lower()
        if kind not in ("source", "target"):
            raise InvalidInput("Parameter 'type' must be 'source' or 'target'")
        role: service.LanguageRole = "target" if kind == "target" else "source"
        offered = await service.languages(self.services, caller, role, **self.choice())
        seen: set[str] = set()
        answer: list[dict[str, Any]] = []
        for language in offered:
            code = language.code.upper() if role == "target" else deepl_source_code(language.code)
            if not code or code in seen:
                continue
            seen.add(code)
            entry: dict[str, Any] = {"language": code, "name": language.name}
            if role == "target":
                entry["supports_formality"] = False
            answer.append(entry)
        self.send(answer)

    async def post(self) -> None:
        await self.get()


class UsageHandler(DeepLHandler):
    """``GET|POST /v2/usage``: the owner's characters this month and their tier's limit."""

    async def get(self) -> None:
        caller = await self.caller(ApiScope.USAGE, ApiScope.TRANSLATE)
        allowance = await service.usage(self.services, caller)
        limit = allowance.character_limit
        self.send(
            {
                "character_count": allowance.characters_used,
                "character_limit": UNLIMITED if limit is None else limit,
            }
        )

    async def post(self) -> None:
        await self.get()


def deepl_source_code(code: str) -> str:
    """A source language as DeepL names it: its language alone, upper case (``EN``)."""
    tag = parse_tag(code) if code else None
    if tag is None:
        return code.upper()
    if tag.language == "zh" or not tag.script:
        return tag.language.upper()
    return tag.bcp47.upper()


def _tag_handling(value: str | None) -> TagHandling:
    clean = (value or "").strip().lower()
    if clean in ("", "off", "none"):
        return TagHandling.NONE
    try:
        return TagHandling(clean)
    except ValueError:
        raise InvalidInput(
            f"Value for 'tag_handling' not supported: {clean[:20]!r}; use xml or html"
        ) from None


def _tags(params: dict[str, Any], name: str) -> list[str]:
    """A list of tag names, given as a list or comma-separated (or both)."""
    names = [part.strip() for item in many(params, name) or [] for part in item.split(",")]
    names = [tag for tag in names if tag]
    if len(names) > MAX_IGNORE_TAGS or any(len(tag) > 64 for tag in names):
        raise InvalidInput(f"'{name}' takes at most {MAX_IGNORE_TAGS} tag names of 64 characters")
    return names


def _check_options(params: dict[str, Any]) -> None:
    """The DeepL options accepted without effect: still refused when malformed."""
    formality = one(params, "formality")
    if formality is not None and formality.strip().lower() not in FORMALITIES:
        raise InvalidInput(f"Value for 'formality' not supported; use one of {FORMALITIES}")
    split = one(params, "split_sentences")
    if split is not None and split.strip().lower() not in SPLIT_SENTENCES:
        raise InvalidInput("Value for 'split_sentences' not supported; use 0, 1 or nonewlines")
    for name in ("preserve_formatting", "outline_detection"):
        flag(params, name)
    one(params, "model_type")
    one(params, "context", limit=MAX_TRANSLATE_BODY)
    _tags(params, "splitting_tags")
    _tags(params, "non_splitting_tags")


def _glossary_id(value: str | None) -> uuid.UUID | None:
    if value is None or not value.strip():
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise InvalidInput(f"Value for 'glossary_id' is not an id: {value[:40]!r}") from None
