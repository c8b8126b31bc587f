"""DeepL API v2 glossaries, over the key owner's workbench glossaries.

- ``POST /v2/glossaries`` (``name``, ``source_lang``, ``target_lang``, ``entries``,
  ``entries_format`` tsv or csv, JSON or form) creates one, owned by the key's owner;
- ``GET /v2/glossaries``: the owner's glossaries and the shared ones;
- ``GET|DELETE /v2/glossaries/{glossary_id}``; ``GET …/entries`` as TSV;
- ``GET /v2/glossary-language-pairs``: the pairs of the provider serving the key.

Creating and deleting need the key's ``glossaries`` scope; reading takes ``glossaries``
or ``translate`` (a client that translates with a glossary looks it up first). Which
glossaries a key reaches, and why another user's is a 404: :mod:`workbench.api.glossaries`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tornado import web

from workbench.accounts.api_keys import ApiScope
from workbench.api import glossaries, service
from workbench.api.base import HARD_CAP, one
from workbench.api.deepl import DeepLHandler
from workbench.api.service import LanguageRole, language_code
from workbench.errors import InvalidInput
from workbench.glossary.store import GlossaryInfo

TSV_TYPE = "text/tab-separated-values"
READING = (ApiScope.GLOSSARIES, ApiScope.TRANSLATE)
MAX_NAME = 1024  # characters read of a name; the store's own limit then applies


def glossary_json(info: GlossaryInfo) -> dict[str, Any]:
    """A glossary as DeepL describes one (its entries are read separately)."""
    return {
        "glossary_id": str(info.id),
        "name": info.name,
        "ready": True,
        "source_lang": glossaries.deepl_lang(info.source_lang),
        "target_lang": glossaries.deepl_lang(info.target_lang),
        "creation_time": iso_time(info.created_at),
        "entry_count": info.entry_count,
    }


def iso_time(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and ``Z``, as DeepL writes times."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class GlossariesHandler(DeepLHandler):
    """``POST /v2/glossaries`` (create) and ``GET /v2/glossaries`` (list)."""

    # The entries' own limit (10 MiB) is checked once decoded: JSON and form encodings
    # take more bytes than the text they carry.
    max_body = HARD_CAP

    async def post(self) -> None:
        caller = await self.caller(ApiScope.GLOSSARIES)
        params = self.params()
        values: dict[str, str] = {}
        for name in ("name", "source_lang", "target_lang", "entries"):
            # The entries' size is the store's to judge (413), once they are read.
            limit = HARD_CAP if name == "entries" else MAX_NAME
            value = one(params, name, limit=limit)
            if value is None or not value.strip():
                raise InvalidInput(f"Parameter '{name}' not specified: give the glossary's {name}")
            values[name] = value
        info = await glossaries.create(
            self.services.db,
            caller,
            name=values["name"],
            source_lang=language_code(values["source_lang"], "source_lang"),
            target_lang=language_code(values["target_lang"], "target_lang"),
            entries=values["entries"],
            entries_format=one(params, "entries_format") or "tsv",
        )
        self.send(glossary_json(info), status=201)

    async def get(self) -> None:
        caller = await self.caller(*READING)
        found = await glossaries.usable(self.services.db, caller)
        self.send({"glossaries": [glossary_json(info) for info in found]})


class GlossaryHandler(DeepLHandler):
    """``GET /v2/glossaries/{glossary_id}`` and ``DELETE`` of the same."""

    async def get(self, glossary_id: str) -> None:
        caller = await self.caller(*READING)
        ref = glossaries.glossary_id(glossary_id)
        self.send(glossary_json(await glossaries.get(self.services.db, caller, ref)))

    async def delete(self, glossary_id: str) -> None:
        caller = await self.caller(ApiScope.GLOSSARIES)
        await glossaries.delete(self.services.db, caller, glossaries.glossary_id(glossary_id))
        self.set_status(204)
        self.clear_header("Content-Type")
        self.finish()


class GlossaryEntriesHandler(DeepLHandler):
    """``GET /v2/glossaries/{glossary_id}/entries``: TSV, the only format DeepL offers."""

    async def get(self, glossary_id: str) -> None:
        caller = await self.caller(*READING)
        accept = self.request.headers.get("Accept", "")
        wanted = {part.split(";")[0].strip().lower() for part in accept.split(",")}
        if accept.strip() and not wanted & {TSV_TYPE, "*/*", "text/*"}:
            raise web.HTTPError(
                415, reason=f"Unsupported Accept header: the entries come as {TSV_TYPE}"
            )
        ref = glossaries.glossary_id(glossary_id)
        tsv = await glossaries.entries_tsv(self.services.db, caller, ref)
        self.set_header("Content-Type", f"{TSV_TYPE}; charset=utf-8")
        self.finish(tsv.encode("utf-8"))


class GlossaryLanguagePairsHandler(DeepLHandler):
    """``GET /v2/glossary-language-pairs``: every source to every other target language
    of the provider serving the key (glossaries are by language, not region)."""

    async def get(self) -> None:
        caller = await self.caller(*READING)
        found: dict[LanguageRole, list[str]] = {}
        roles: tuple[LanguageRole, ...] = ("source", "target")
        for role in roles:
            offered = await service.languages(self.services, caller, role, **self.choice())
            found[role] = list(dict.fromkeys(glossaries.deepl_lang(lang.code) for lang in offered))
        pairs = [
            {"source_lang": source, "target_lang": target}
            for source in found["source"]
            for target in found["target"]
            if source != target
        ]
        self.send({"supported_languages": pairs})
