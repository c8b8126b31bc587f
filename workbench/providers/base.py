"""The provider interface and everything providers share.

A provider module sets class attributes (its facts: name, limits, glossary support,
default model) and implements the wire: ``_translate_batch`` for one request's worth of
texts, ``list_models``, ``_fetch_languages`` and ``check``. This base class does the
rest the same way for all of them: validating input, languages and options, applying
glossaries by the provider's support mode, splitting by the provider's limits, running
batches concurrently, and sending every request through :meth:`Provider._call` —
bounded concurrency, ``aiolimiter`` pacing, a timeout, retries with backoff on rate
limits and outages, and a cooldown after auth or quota errors so a refusing provider
is not hammered. Concurrency and pacing hold per instance; a :class:`Gate` (an engine's,
:mod:`.slots`) bounds them across every process on a database as well.

Segments with inline codes (:meth:`Provider.translate_segments`) travel in the form the
provider's ``codec`` declares (:mod:`.codes`), in the provider's tag mode; every reply is
checked code by code, asked for once more if broken, and then that segment alone falls
back to its texts between codes. Glossary terms the provider does not apply itself
travel the same way, as codes that become the terms' targets.

Secrets: a provider keeps its key as a ``SecretStr`` and hands the plain value only to
its client; neither its ``repr`` nor any error it raises contains it.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, ClassVar, Literal, NamedTuple, Protocol, Self, TypeVar
from urllib.parse import urlsplit, urlunsplit

from aiolimiter import AsyncLimiter
from pydantic import SecretStr

from workbench import inline
from workbench.config import Settings
from workbench.errors import (
    ConfigError,
    InvalidInput,
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderQuotaExceeded,
    ProviderUnavailable,
    UnsupportedLanguage,
)
from workbench.providers import codes, languages
from workbench.providers.batching import split_batches, utf8_size
from workbench.providers.glossary import GlossarySpec, GlossarySupport
from workbench.providers.languages import Language, primary_subtag
from workbench.providers.retry import RetryPolicy, with_retries

T = TypeVar("T")
log = logging.getLogger("workbench.providers")

LanguageRole = Literal["source", "target"]
DETECT_CHARACTERS = 1000


class Translated(NamedTuple):
    """One segment's translation, canonical; ``repaired`` says why its codes could not be
    kept by the provider and its texts were translated one by one (None: they were kept).
    A tuple: a job makes one per segment, tens of thousands at a time."""

    text: str
    repaired: str | None = None


class Detection(NamedTuple):
    """A language a text is likely in, as the provider reported it."""

    language: str  # the provider's code, e.g. ``en``, ``zh-CN``
    confidence: float  # from 0 (a guess) to 1 (sure)


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """Everything but the texts that one provider request needs, already validated."""

    target: str
    source: str | None
    model: str | None
    glossary: GlossarySpec | None  # set only when the provider applies it (native, prompt)
    options: Mapping[str, object]
    # The texts are segments in the provider's codec's form, to send in its tag mode
    # (DeepL's tag_handling, Google's format=html, the chat models' tag instruction).
    tagged: bool = False


@dataclass(frozen=True, slots=True)
class _Lot:
    """Texts for one round of requests, with the caller's positions (for messages)."""

    texts: list[str]
    positions: list[int]
    tagged: bool = False


@dataclass(frozen=True, slots=True)
class _Outcome:
    segment: inline.Tagged
    repaired: str | None = None


class Gate(Protocol):
    """A bound on a provider's requests beyond its instance, e.g. shared by processes."""

    def request(self, provider: Provider) -> AbstractAsyncContextManager[object]:
        """Entered around each request ``provider`` sends (each try), after its own
        bounds; holds the request back until the shared bound admits it."""
        ...


# What ``_translate_units`` translates: a segment with its codes, or the text alone of one
# without (most segments: sent as it is, no object made for it). Its result is alike: an
# outcome, or the translated text of a segment sent without codes.
_Unit = inline.Tagged | str
_Result = _Outcome | str


class Provider(abc.ABC):
    """One translation provider; use one instance per event loop and close it."""

    # --- facts, set by each provider ----------------------------------------------
    name: ClassVar[str]
    label: ClassVar[str]
    unofficial: ClassVar[bool] = False
    requires_key: ClassVar[bool] = False
    key_env: ClassVar[str | None] = None  # where users set the key, for messages
    max_texts_per_request: ClassVar[int]
    max_bytes_per_request: ClassVar[int]
    glossary_support: ClassVar[GlossarySupport]
    codec: ClassVar[codes.Codec]  # how segments' codes travel on this provider's wire
    default_model: ClassVar[str | None] = None
    models: ClassVar[tuple[str, ...]] = ()  # fixed model choices; empty when none or live
    live_models: ClassVar[bool] = False  # models come from the provider's API
    any_language: ClassVar[bool] = False  # takes any well-formed language tag (LLMs)
    default_base_url: ClassVar[str | None] = None
    supported_options: ClassVar[frozenset[str]] = frozenset()
    default_concurrency: ClassVar[int] = 4
    detects: ClassVar[bool] = False  # :meth:`detect` asks the provider, without translating

    # --- tunables: class defaults, overridable per instance ------------------------
    timeout: float = 30.0  # seconds for one request
    requests_per_second: float = 10.0
    retry: RetryPolicy = RetryPolicy()
    cooldown: float = 300.0  # seconds a provider rests after an auth or quota error

    def __init__(
        self,
        *,
        api_key: SecretStr | str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        cooldown: float | None = None,
        concurrency: int | None = None,
        requests_per_second: float | None = None,
        gate: Gate | None = None,
    ) -> None:
        if isinstance(api_key, str):
            api_key = SecretStr(api_key)
        if api_key is not None and not api_key.get_secret_value().strip():
            api_key = None
        if self.requires_key and api_key is None:
            raise ConfigError(f"{self.name} is not configured: set {self.key_env}")
        self._api_key = api_key
        self.base_url = (base_url or self._default_url() or "").rstrip("/")
        if timeout is not None:
            self.timeout = timeout
        if retry is not None:
            self.retry = retry
        if cooldown is not None:
            self.cooldown = cooldown
        if requests_per_second is not None:
            self.requests_per_second = requests_per_second
        self.concurrency = concurrency or self.default_concurrency
        if self.concurrency < 1 or self.requests_per_second <= 0:
            raise ValueError("concurrency and requests_per_second must be positive")
        self._slots = asyncio.Semaphore(self.concurrency)
        # Capacity 1: requests are spaced evenly rather than sent in bursts.
        self._pace = AsyncLimiter(1, 1 / self.requests_per_second)
        self.gate = gate
        self._cooling: tuple[type[ProviderError], str, float] | None = None
        self._languages: list[Language] | None = None
        self._fetching: asyncio.Future[list[Language]] | None = None
        # validate_language's answers, (code, role) -> the provider's code, and the list
        # of languages they were found in.
        self._chosen: tuple[list[Language] | None, dict[tuple[str, str], str]] = (None, {})

    # --- construction from settings ------------------------------------------------
    @classmethod
    def configured_key(cls, settings: Settings) -> SecretStr | None:
        """The key this provider takes from settings; ``None`` when it needs none."""
        return None

    @classmethod
    def configured_url(cls, settings: Settings) -> str | None:
        """The endpoint override this provider takes from settings."""
        return None

    @classmethod
    def is_configured(cls, settings: Settings) -> bool:
        key = cls.configured_key(settings)
        return not cls.requires_key or (key is not None and bool(key.get_secret_value().strip()))

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> Self:
        arguments: dict[str, Any] = {
            "api_key": cls.configured_key(settings),
            "base_url": cls.configured_url(settings),
        }
        arguments.update(overrides)
        return cls(**arguments)

    # --- the interface ---------------------------------------------------------------
    async def translate(
        self,
        texts: Sequence[str],
        *,
        target: str,
        source: str | None = None,
        model: str | None = None,
        glossary: GlossarySpec | None = None,
        **options: object,
    ) -> list[str]:
        """Translate ``texts`` into ``target``; same length and order as the input.

        Any number and size of texts is accepted: they are split by the provider's
        limits. Blank texts come back unchanged without being sent. ``source`` is
        auto-detected where the provider can (and defaults to the glossary's). A
        glossary the provider does not apply itself is enforced as in
        :meth:`translate_segments`: its terms travel as codes that become their targets.
        """
        items = self._checked_texts(texts)
        if not items:
            return []
        request = await self._prepare(target, source, model, glossary, options)
        todo = [index for index, text in enumerate(items) if text.strip()]
        results = list(items)
        terms = self._terms(glossary, request)
        if terms is None:
            (translated,) = await self._exchange(request, _Lot([items[i] for i in todo], todo))
            for index, text in zip(todo, translated, strict=True):
                results[index] = text
            return results
        # The glossary's terms become codes: a text with none goes out as it is.
        units = [codes.with_terms(codes.from_text(items[index]), terms) for index in todo]
        outcomes = await self._translate_units([unit.segment for unit in units], request, todo)
        for index, unit, outcome in zip(todo, units, outcomes, strict=True):
            results[index] = codes.render_terms(_segment(outcome), unit.targets).prose
        return results

    async def translate_segments(
        self,
        segments: Sequence[str],
        *,
        target: str,
        source: str | None = None,
        model: str | None = None,
        glossary: GlossarySpec | None = None,
        **options: object,
    ) -> list[Translated]:
        """Translate canonical segments (:mod:`workbench.inline`); same length and order.

        A segment with codes goes out in the provider's tagged form (its ``codec``); a
        reply that loses, repeats, invents or mis-nests a code is asked for once more,
        and if it fails again that segment's texts between codes are translated one by
        one and the result says so (``Translated.repaired``). Every result holds the
        source's codes exactly once, properly nested. A segment without codes costs what
        ``translate`` would; one with no prose comes back unchanged.
        """
        items = self._checked_texts(segments)
        # Each segment's codes and text, or its text alone when it has no code: most
        # segments have none, and theirs is read without parsing.
        units: list[_Unit] = []
        for number, segment in enumerate(items, start=1):
            if "<" not in segment:
                units.append(segment if "&" not in segment else inline.unescape(segment))
                continue
            try:
                units.append(inline.parse(segment))
            except InvalidInput as error:
                raise InvalidInput(f"{self.name}: segment {number}: {error}") from error
        if not units:
            return []
        request = await self._prepare(target, source, model, glossary, options)
        todo = [index for index, unit in enumerate(units) if _text_of(unit).strip()]
        terms = self._terms(glossary, request)
        if terms is None:
            outcomes = await self._translate_units([units[i] for i in todo], request, todo)
            # Results are made once the replies are in: objects that wait through requests
            # outlive the garbage collector's young generations, and a job makes thousands.
            results = [Translated(segment) for segment in items]
            for index, outcome in zip(todo, outcomes, strict=True):
                if isinstance(outcome, str):
                    results[index] = Translated(inline.escape(outcome))
                else:
                    results[index] = Translated(outcome.segment.canonical(), outcome.repaired)
            return results
        tagged = [codes.with_terms(_segment(units[index]), terms) for index in todo]
        outcomes = await self._translate_units([unit.segment for unit in tagged], request, todo)
        results = [Translated(segment) for segment in items]
        for index, unit, outcome in zip(todo, tagged, outcomes, strict=True):
            text = codes.render_terms(_segment(outcome), unit.targets).canonical()
            results[index] = Translated(text, _repaired(outcome))
        return results

    async def _translate_units(
        self, units: Sequence[_Unit], request: BatchRequest, positions: list[int]
    ) -> list[_Result]:
        """Translate segments: those without codes as plain text (their result is the
        translated text), the others tagged, checked, asked for once more, then translated
        piece by piece."""
        outcomes: dict[int, _Result] = {}
        wires: dict[int, str] = {}
        problems: dict[int, str] = {}
        plain: list[int] = []
        plain_texts: list[str] = []
        for number, unit in enumerate(units):
            if isinstance(unit, str):
                plain.append(number)
                plain_texts.append(unit)
            elif not unit.prose.strip():  # all its text became glossary terms' codes
                outcomes[number] = _Outcome(unit)
            elif not unit.codes:
                plain.append(number)
                plain_texts.append(unit.prose)
            else:
                try:
                    wires[number] = self.codec.encode(unit)
                except codes.Unencodable as error:
                    problems[number] = str(error)
        pending = list(wires)
        for attempt in range(2):  # the request, then once more for the replies that broke
            send_plain = plain if attempt == 0 else []
            if not pending and not send_plain:
                break
            plain_replies, tagged_replies = await self._exchange(
                request,
                _Lot(plain_texts if attempt == 0 else [], [positions[n] for n in send_plain]),
                _Lot([wires[n] for n in pending], [positions[n] for n in pending], tagged=True),
            )
            outcomes.update(zip(send_plain, plain_replies, strict=True))
            for number, reply in zip(pending, tagged_replies, strict=True):
                read = self._read_reply(reply, _segment(units[number]))
                if isinstance(read, str):
                    problems[number] = read
                else:
                    outcomes[number] = _Outcome(read)
            pending = [number for number in pending if number not in outcomes]
            if pending and attempt == 0:
                log.info(
                    "%s: %d segment(s) lost their codes; asking again", self.name, len(pending)
                )
        if len(outcomes) < len(units):
            broken = [number for number in range(len(units)) if number not in outcomes]
            tagged = [_segment(unit) for unit in units]
            await self._piecewise(tagged, broken, problems, outcomes, request, positions)
        return [outcomes[number] for number in range(len(units))]

    def _read_reply(self, reply: str, unit: inline.Tagged) -> inline.Tagged | str:
        """The reply as a segment, or what is wrong with its codes."""
        try:
            segment = self.codec.decode(reply, unit)
        except codes.Broken as error:
            return str(error)
        problem = inline.code_problem(unit, segment.canonical())
        return problem if problem is not None else segment

    async def _piecewise(
        self,
        units: list[inline.Tagged],
        broken: list[int],
        problems: Mapping[int, str],
        outcomes: dict[int, _Result],
        request: BatchRequest,
        positions: list[int],
    ) -> None:
        """The last resort for segments whose codes the provider would not keep: the
        texts between codes, each translated alone, put back between the same codes."""
        pieces = [
            (number, index)
            for number in broken
            for index, text in inline.pieces(units[number])
            if text.strip()
        ]
        (translated,) = await self._exchange(
            request,
            _Lot(
                [str(units[number].parts[index]) for number, index in pieces],
                [positions[number] for number, _ in pieces],
            ),
        )
        parts = {number: list(units[number].parts) for number in broken}
        for (number, index), text in zip(pieces, translated, strict=True):
            parts[number][index] = text
        for number in broken:
            problem = problems.get(number, "the codes did not come back")
            log.warning("%s: segment %d: %s", self.name, positions[number] + 1, problem)
            outcomes[number] = _Outcome(
                codes.joined(parts[number]),
                f"{self.name} did not keep the codes ({problem}); "
                "the texts between them were translated one by one",
            )

    async def _exchange(self, request: BatchRequest, *lots: _Lot) -> list[list[str]]:
        """One round: every lot split by the provider's limits, all batches concurrent.

        Each lot's texts come back translated in order. A lot of tagged texts goes out
        in the provider's tag mode (``BatchRequest.tagged``); every batch holds one kind.
        """
        outputs = [list(lot.texts) for lot in lots]
        runs: list[Coroutine[Any, Any, None]] = []
        for lot, output in zip(lots, outputs, strict=True):
            if not lot.texts:
                continue
            batches = split_batches(
                lot.texts,
                max_texts=self.max_texts_per_request,
                max_bytes=self.max_bytes_per_request,
                provider=self.name,
                size=self.wire_size,
                positions=lot.positions,
            )
            lot_request = replace(request, tagged=lot.tagged)
            runs += [self._run_batch(lot.texts, batch, lot_request, output) for batch in batches]
        await _run_all(runs)
        return outputs

    async def _run_batch(
        self, texts: list[str], batch: range, request: BatchRequest, output: list[str]
    ) -> None:
        chunk = [texts[index] for index in batch]
        translated = await self._translate_batch(chunk, request)
        if len(translated) != len(chunk):
            raise ProviderBadResponse(
                self.name, f"returned {len(translated)} translations for {len(chunk)} texts"
            )
        output[batch.start : batch.stop] = translated

    def _terms(self, glossary: GlossarySpec | None, request: BatchRequest) -> GlossarySpec | None:
        """The glossary whose terms become codes: one the provider does not apply itself."""
        return glossary if glossary is not None and request.glossary is None else None

    async def _prepare(
        self,
        target: str,
        source: str | None,
        model: str | None,
        glossary: GlossarySpec | None,
        options: Mapping[str, object],
    ) -> BatchRequest:
        """Check everything but the texts; the request carries what the wire needs."""
        self._check_options(options)
        chosen_model = self._resolve_model(model)
        if glossary is not None and source is None:
            source = glossary.source_lang
        target = await self.validate_language(target, role="target")
        if source is not None:
            source = await self.validate_language(source, role="source")
        if glossary is not None:
            glossary.check_pair(source, target)
        applied = (
            glossary is not None
            and self._glossary_mode(glossary) is not GlossarySupport.PLACEHOLDER
        )
        return BatchRequest(
            target=target,
            source=source,
            model=chosen_model,
            glossary=glossary if applied else None,
            options=dict(options),
        )

    @abc.abstractmethod
    async def _translate_batch(self, texts: list[str], request: BatchRequest) -> list[str]:
        """Translate texts that fit one request; send each request through ``_call``."""

    async def detect(self, text: str) -> list[Detection]:
        """The languages ``text`` is likely in, the likeliest first, by a request that
        translates nothing (providers whose ``detects`` is true). Only the start of a long
        text is sent: :data:`DETECT_CHARACTERS` are plenty to tell a language."""
        if not self.detects:
            raise InvalidInput(
                f"{self.name} cannot detect languages; use a provider that does "
                "(google or google_cloud), or give the source language"
            )
        sample = text[:DETECT_CHARACTERS]
        if not sample.strip():
            raise InvalidInput("the text to detect is empty")
        return await self._detect(sample)

    async def _detect(self, text: str) -> list[Detection]:
        raise NotImplementedError

    async def list_models(self) -> list[str]:
        """The models a caller may pass to ``translate`` (live where the API lists them)."""
        return list(self.models)

    async def list_languages(self) -> list[Language]:
        if self._languages is None:
            # Callers that come while the first fetch is under way share it: a job's first
            # chunk asks a dozen times at once, and each fetch would hold request slots.
            if self._fetching is None:
                self._fetching = asyncio.ensure_future(self._fetch_languages())
                self._fetching.add_done_callback(_retrieved)
            fetching = self._fetching
            try:
                languages = await asyncio.shield(fetching)
            except BaseException:
                if fetching.done() and self._fetching is fetching:
                    self._fetching = None  # it failed: the next caller asks again
                raise
            self._languages, self._fetching = languages, None
        return list(self._languages)

    @abc.abstractmethod
    async def _fetch_languages(self) -> list[Language]:
        """The provider's languages, fetched once per instance."""

    async def validate_language(self, code: str, *, role: LanguageRole = "target") -> str:
        """The provider's spelling of ``code`` (a BCP 47 tag or a gettext locale name such
        as ``pt_BR`` or ``sr@latin``); UnsupportedLanguage if it is not offered."""
        # A job asks once per request: the answers stand as long as the language list.
        if self._chosen[0] is not self._languages:
            self._chosen = (self._languages, {})
        known = self._chosen[1].get((code, role))
        if known is not None:
            return known
        tag = languages.parse_tag(code)
        if tag is None:
            raise UnsupportedLanguage(
                self.name, f"{code!r} is not a language code such as 'fr', 'pt-BR' or 'pt_BR'"
            )
        if self.any_language:
            return tag.bcp47
        offered = [
            language.code
            for language in await self.list_languages()
            if (language.source if role == "source" else language.target)
        ]
        chosen = languages.closest(code, offered, role)
        if chosen is not None:
            if self._chosen[0] is self._languages:
                self._chosen[1][code, role] = chosen
            return chosen
        related = sorted(offer for offer in offered if primary_subtag(offer) == tag.language)
        hint = (
            f"choose one of {', '.join(related)}"
            if related
            else "see `workbench providers` for the provider's languages"
        )
        raise UnsupportedLanguage(
            self.name, f"{code!r} is not a {role} language this provider offers; {hint}"
        )

    @abc.abstractmethod
    async def check(self) -> None:
        """One cheap request proving the provider answers and accepts our credentials."""

    async def aclose(self) -> None:
        """Release connections; the provider must not be used afterwards."""
        if self._fetching is not None:
            self._fetching.cancel()
        self._languages = self._fetching = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        where = _display_url(self.base_url) if self.base_url else "offline"
        return f"<{type(self).__name__} {self.name!r} {where}>"

    # --- for provider modules -------------------------------------------------------------
    def wire_size(self, text: str) -> int:
        """Bytes ``text`` adds to a request, counted against ``max_bytes_per_request``."""
        return utf8_size(text)

    def _default_url(self) -> str | None:
        """The endpoint when settings name none (may depend on the key)."""
        return self.default_base_url

    async def _call(self, operation: Callable[[], Awaitable[T]]) -> T:
        """Send one request: paced, bounded, timed out, retried, cooled down on refusal."""

        async def attempt() -> T:
            self._check_cooldown()
            async with self._slots:
                await self._pace.acquire()
                try:
                    async with self._shared(), asyncio.timeout(self.timeout):
                        return await operation()
                except TimeoutError as exc:
                    raise ProviderUnavailable(
                        self.name, f"no reply within {self.timeout:g} s"
                    ) from exc
                except (ProviderAuthError, ProviderQuotaExceeded) as error:
                    self._start_cooldown(error)
                    raise

        return await with_retries(attempt, self.retry)

    def _shared(self) -> AbstractAsyncContextManager[object]:
        return self.gate.request(self) if self.gate is not None else nullcontext()

    def _secret(self) -> str:
        """The plain key, for handing to a client; never put it in a message."""
        if self._api_key is None:
            raise ConfigError(f"{self.name} is not configured: set {self.key_env}")
        return self._api_key.get_secret_value()

    def _redact(self, text: str) -> str:
        """Third-party text (an SDK's message, a response body) safe to show."""
        if self._api_key is not None:
            secret = self._api_key.get_secret_value()
            text = text.replace(secret, "[redacted]")
        return text[:300]

    def _glossary_mode(self, glossary: GlossarySpec) -> GlossarySupport:
        """How this call applies ``glossary``: a native glossary needs its remote copy."""
        if self.glossary_support is GlossarySupport.NATIVE and glossary.remote_id is None:
            log.info("%s: the glossary has no copy here; its terms travel as codes", self.name)
            return GlossarySupport.PLACEHOLDER
        return self.glossary_support

    # --- internals -------------------------------------------------------------------------
    def _checked_texts(self, texts: Sequence[str]) -> list[str]:
        if isinstance(texts, str):
            raise InvalidInput(f"{self.name}: pass a list of texts, not a single string")
        items = list(texts)
        for index, text in enumerate(items):
            if not isinstance(text, str):
                raise InvalidInput(
                    f"{self.name}: text {index + 1} is a {type(text).__name__}, not a string"
                )
        return items

    def _check_options(self, options: Mapping[str, object]) -> None:
        unknown = sorted(set(options) - self.supported_options)
        if unknown:
            accepted = ", ".join(sorted(self.supported_options)) or "none"
            raise InvalidInput(
                f"{self.name}: unknown option(s) {', '.join(unknown)}; accepted: {accepted}"
            )

    def _resolve_model(self, model: str | None) -> str | None:
        if model is None or model == self.default_model:
            return self.default_model
        if self.live_models:
            return model
        if not self.models:
            raise InvalidInput(f"{self.name} has no model choice; leave the model unset")
        if model not in self.models:
            raise InvalidInput(
                f"{self.name}: unknown model {model!r}; choose one of {', '.join(self.models)}"
            )
        return model

    def _check_cooldown(self) -> None:
        if self._cooling is None:
            return
        kind, detail, until = self._cooling
        remaining = until - time.monotonic()
        if remaining <= 0:
            self._cooling = None
            return
        raise kind(self.name, f"{detail} (not asking again for {remaining:.0f} s)")

    def _start_cooldown(self, error: ProviderError) -> None:
        detail = error.message.removeprefix(f"{self.name}: ")
        self._cooling = (type(error), detail, time.monotonic() + self.cooldown)
        log.warning("%s; pausing this provider for %g s", error, self.cooldown)


def _text_of(unit: _Unit) -> str:
    return unit if isinstance(unit, str) else unit.prose


def _segment(unit: _Unit | _Outcome) -> inline.Tagged:
    """A unit or a result as a segment (a text alone is one without codes)."""
    if isinstance(unit, str):
        return codes.from_text(unit)
    return unit if isinstance(unit, inline.Tagged) else unit.segment


def _repaired(result: _Result) -> str | None:
    return None if isinstance(result, str) else result.repaired


async def _run_all(coroutines: Sequence[Coroutine[Any, Any, None]]) -> None:
    """Run concurrently; on the first failure cancel the rest and raise that failure."""
    tasks = [asyncio.create_task(coroutine) for coroutine in coroutines]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in tasks:
            failure = task.exception() if task.done() and not task.cancelled() else None
            if failure is not None:
                raise failure
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _display_url(url: str) -> str:
    """A URL without user info or query (either may carry credentials)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _retrieved(fetch: asyncio.Future[Any]) -> None:
    """Mark a shared fetch's failure as seen, even if every caller stopped waiting."""
    if not fetch.cancelled():
        fetch.exception()
