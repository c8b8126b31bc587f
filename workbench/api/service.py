"""The one pipeline behind every API endpoint, whatever API shape it speaks.

Handlers (DeepL's, LibreTranslate's) read their request, then call plain functions here:
:func:`translate`, :func:`translate_file`, :func:`languages`, :func:`detect`,
:func:`usage`. A translation is an ordinary job run by the same
:class:`~workbench.batch.engine.Engine` as the CLI, notebooks and dashboards, in the key
owner's name: the tier check, quota reserve and settle, translation memory
(a hit costs no provider call), glossary enforcement and usage events all come from it.

Which provider serves a request (:func:`choose`), the most specific choice winning:

1. the request's own (``workbench_provider`` / ``workbench_model`` in DeepL requests);
2. the key's pinned provider and model (set when the key was made);
3. the admin's default (Settings).

Whatever is chosen must be in the owner's tier (403 otherwise). A model given without a
provider applies to the provider chosen by the rules above.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts.quotas import Allowance, check_provider_allowed, get_allowance
from workbench.accounts.subscriptions import current_subscription
from workbench.api import glossaries
from workbench.api.auth import Caller
from workbench.api.markup import Tagged, TagHandling, parse
from workbench.batch import jobs
from workbench.batch.engine import Engine
from workbench.batch.jobs import JobSpec
from workbench.batch.segments import from_plain, prose, to_plain
from workbench.config import Settings, get_settings
from workbench.db import Database
from workbench.db.models import MODEL_LENGTH, JobSegment, JobStatus, TranslationJob
from workbench.errors import (
    InternalError,
    InvalidInput,
    LimitReached,
    ProviderError,
    QuotaExceeded,
    UsageError,
    WorkbenchError,
)
from workbench.preferences import load as load_preferences
from workbench.providers.base import Detection
from workbench.providers.languages import Language, parse_tag

LanguageRole = Literal["source", "target"]
MAX_LANGUAGE_CODE = 35  # BCP 47 tags in practice are far shorter
PROVIDER_NAME_LENGTH = 64


class ApiServices:
    """What one API process shares: its database and one engine (one client per provider).

    ``database`` gives the process's database when first needed (inside the server's event
    loop); the dashboards' server passes its own so both share one pool.
    """

    def __init__(
        self,
        database: Callable[[], Database] | None = None,
        settings: Settings | None = None,
    ) -> None:
        self._database = database
        self._settings = settings
        self._db: Database | None = None
        self._engine: Engine | None = None

    @property
    def settings(self) -> Settings:
        return self._settings or get_settings()

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = self._database() if self._database else Database.from_settings(self.settings)
        return self._db

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = Engine(self.db, self.settings)
        return self._engine

    async def aclose(self) -> None:
        if self._engine is not None:
            await self._engine.aclose()
        if self._db is not None and self._database is None:
            await self._db.dispose()


@dataclass(frozen=True)
class Choice:
    provider: str
    model: str


@dataclass(frozen=True)
class Translation:
    """One text's translation, as the caller gave it (plain, or with its tags)."""

    text: str
    billed_characters: int  # characters sent to the provider for it (0: memory or repeat)
    from_memory: bool


@dataclass(frozen=True)
class TranslationResult:
    translations: list[Translation]
    provider: str
    model: str
    source_lang: str  # as given (normalised), "" when the provider was left to detect it
    target_lang: str
    job_id: uuid.UUID  # the job that did it (in the owner's job list)


def language_code(code: str, field: str) -> str:
    """A language code as the workbench writes it (``pt-BR``, ``zh-Hans``), else 400."""
    clean = code.strip()
    tag = parse_tag(clean) if 0 < len(clean) <= MAX_LANGUAGE_CODE else None
    if tag is None:
        raise InvalidInput(
            f"Value for '{field}' not supported: {clean[:MAX_LANGUAGE_CODE]!r}; "
            "give a language code such as DE, EN-GB or PT-BR"
        )
    return tag.bcp47


async def choose(
    services: ApiServices,
    caller: Caller,
    provider: str | None = None,
    model: str | None = None,
) -> Choice:
    """The provider and model that serve ``caller``'s request (module docstring), checked
    against the owner's tier: :class:`ProviderNotAllowed` (403) when it is not in it."""
    if provider is not None and not 0 < len(provider.strip()) <= PROVIDER_NAME_LENGTH:
        raise InvalidInput("the provider name must be 1 to 64 characters")
    if model is not None and (len(model) > MODEL_LENGTH or not model.isprintable()):
        raise InvalidInput(f"the model name must be at most {MODEL_LENGTH} printable characters")
    async with services.db.session() as session:
        preferences = await load_preferences(session)
        tier = (await current_subscription(session, caller.user_id)).tier
    if provider is not None and provider.strip():
        chosen = provider.strip().lower()
        fallback = (
            caller.model
            if chosen == caller.provider
            else preferences.default_model
            if chosen == preferences.default_provider
            else ""
        )
    elif caller.provider:
        chosen, fallback = caller.provider, caller.model
    else:
        chosen, fallback = preferences.default_provider, preferences.default_model
    check_provider_allowed(tier, chosen)
    return Choice(chosen, (model.strip() if model is not None else fallback) or "")


async def translate(
    services: ApiServices,
    caller: Caller,
    texts: Sequence[str],
    *,
    target_lang: str,
    source_lang: str = "",
    tag_handling: TagHandling = TagHandling.NONE,
    ignore_tags: Sequence[str] = (),
    glossary_id: uuid.UUID | None = None,
    provider: str | None = None,
    model: str | None = None,
) -> TranslationResult:
    """Translate ``texts`` for ``caller`` as one job, in order, each as it was given.

    Language codes are any BCP 47 or DeepL code (``EN-GB``, ``zh-Hans``); ``source_lang``
    empty lets the provider detect it. ``tag_handling`` xml or html keeps the texts' tags
    (:mod:`workbench.api.markup`); otherwise texts are plain (``<`` is a character).
    ``glossary_id`` must name a glossary the owner may use, theirs or a shared one (404
    otherwise, even for an admin's key), and needs ``source_lang``; its language pair
    must fit the request's (400).
    Raises the workbench's errors (:mod:`workbench.api.errors` maps them to statuses).
    """
    target = language_code(target_lang, "target_lang")
    source = language_code(source_lang, "source_lang") if source_lang.strip() else ""
    if glossary_id is not None:
        # Checked here, not only by the engine: an admin's key may use no one else's
        # either. The engine checks the language pair before any work (400).
        await glossaries.get(services.db, caller, glossary_id)
        if not source:
            raise InvalidInput(
                "Use of a glossary requires the source_lang parameter to be set: give the "
                "glossary's source language"
            )
    choice = await choose(services, caller, provider, model)
    if tag_handling is TagHandling.NONE:
        tagged: list[Tagged] | None = None
        segments = list(texts)
    else:
        tagged = []
        for number, text in enumerate(texts, start=1):
            try:
                tagged.append(parse(text, tag_handling, ignore_tags))
            except InvalidInput as error:
                raise InvalidInput(f"text {number}: {error}") from None
        segments = [item.canonical for item in tagged]
    spec = JobSpec(
        provider=choice.provider,
        model=choice.model,
        target_lang=target,
        source_lang=source,
        user_id=caller.user_id,
        glossary_id=glossary_id,
        options={"api_key": caller.key_prefix},
    )
    job = await services.engine.translate_now(spec, segments, canonical=tagged is not None)
    if job.status is not JobStatus.COMPLETED:
        raise job_error(job)
    async with services.db.session() as session:
        found = await _segments(session, job.id)
    results: list[Translation] = []
    billed: set[str] = set()
    for index, segment in enumerate(segments):
        key = segment if tagged is not None else from_plain(segment)
        translated, from_memory = found.get(key, (key, False))
        sent = key in found and not from_memory and key not in billed
        billed.add(key)
        text = tagged[index].render(translated) if tagged is not None else to_plain(translated)
        results.append(Translation(text, len(prose(key)) if sent else 0, from_memory))
    return TranslationResult(results, choice.provider, choice.model, source, target, job.id)


async def languages(
    services: ApiServices,
    caller: Caller,
    role: LanguageRole,
    *,
    provider: str | None = None,
    model: str | None = None,
) -> list[Language]:
    """The languages the provider that serves ``caller`` offers as ``role``."""
    choice = await choose(services, caller, provider, model)
    offered = await (await services.engine.translating_provider(choice.provider)).list_languages()
    return [
        language
        for language in offered
        if (language.source if role == "source" else language.target)
    ]


async def default_languages(services: ApiServices) -> tuple[str, list[Language]]:
    """The admin's default provider and its languages, for a caller who gives no key."""
    async with services.db.session() as session:
        provider = (await load_preferences(session)).default_provider
    offered = await (await services.engine.translating_provider(provider)).list_languages()
    return provider, offered


async def detect(
    services: ApiServices,
    caller: Caller,
    text: str,
    *,
    provider: str | None = None,
    model: str | None = None,
) -> list[Detection]:
    """The languages ``text`` is likely in, by the provider that serves ``caller`` (400
    when it cannot detect). Detection translates nothing and is not billed."""
    choice = await choose(services, caller, provider, model)
    return await (await services.engine.translating_provider(choice.provider)).detect(text)


async def detections(
    services: ApiServices, provider: str, texts: Sequence[str]
) -> list[Detection | None] | None:
    """Each text's likeliest language by ``provider`` (already chosen for the caller),
    one request per text; None when the provider cannot detect."""
    detector = await services.engine.translating_provider(provider)
    if not detector.detects:
        return None
    found: list[Detection | None] = []
    for text in texts:
        found.append((await detector.detect(text))[0] if text.strip() else None)
    return found


async def usage(services: ApiServices, caller: Caller) -> Allowance:
    """Where the key's owner stands in their tier, this day and month."""
    async with services.db.session() as session:
        return await get_allowance(session, caller.user_id)


# --- reading a finished job --------------------------------------------------------------


async def _segments(session: AsyncSession, job_id: uuid.UUID) -> dict[str, tuple[str, bool]]:
    """Each canonical source -> its canonical translation and whether memory gave it."""
    rows = await session.execute(
        select(JobSegment.source_text, JobSegment.translated_text, JobSegment.from_memory).where(
            JobSegment.job_id == job_id, JobSegment.translated_text.is_not(None)
        )
    )
    return {row.source_text: (row.translated_text, row.from_memory) for row in rows}


def job_error(job: TranslationJob) -> WorkbenchError:
    """A job that did not complete, as the kind of error that stopped it."""
    reason = job.error or "the translation did not complete"
    code = jobs.exit_code(job)
    if code == LimitReached.exit_code:
        return QuotaExceeded(reason)
    if code == UsageError.exit_code:
        return InvalidInput(reason)
    if code == ProviderError.exit_code:
        return ProviderError(job.provider, reason.removeprefix(f"{job.provider}: "))
    return InternalError(reason)
