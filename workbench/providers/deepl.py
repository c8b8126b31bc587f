"""``deepl``: the official ``deepl`` SDK, native glossaries, model types, formality.

The SDK is synchronous (``requests``), so its calls run in a thread pool of the
provider's own, as wide as its concurrency. The SDK retries 429 and 5xx by itself
(``deepl.http_client.max_network_retries``, five by default, sleeping a second and
more between tries) and stretches every timeout to at least
``min_connection_timeout`` (10 s). Both are process-wide settings; rather than change
them for every user of the SDK, this provider gives its translator an HTTP client that
makes exactly one attempt with the provider's timeout, so our retry policy is the only
one and stays bounded. That client also remembers ``Retry-After``, which the SDK's
exceptions do not carry. The SDK logs whole response bodies at DEBUG; a filter keeps the
key out of them should a server ever echo it.

Segments with codes go out as XML with ``tag_handling="xml"`` (see :data:`TAGGED`); DeepL
puts the tags back around the words they wrap and keeps the text of ignored tags.

Glossary management (create from entries, list, delete, entries) lives here too, as the
:class:`~workbench.providers.glossary.GlossaryStore` protocol: the glossary feature
keeps DeepL copies in step by checksum, which the names of our copies carry.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii
from typing import Any, TypeVar

import deepl
import requests
from deepl.api_data import Formality, ModelType
from deepl.http_client import HttpClient
from pydantic import SecretStr

from workbench.config import Settings
from workbench.errors import (
    InvalidInput,
    NotFound,
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderQuotaExceeded,
    ProviderRateLimited,
    ProviderUnavailable,
    WorkbenchError,
)
from workbench.providers import codes
from workbench.providers.base import BatchRequest, Provider
from workbench.providers.glossary import (
    GlossarySpec,
    GlossarySupport,
    RemoteGlossary,
    remote_name,
)
from workbench.providers.languages import Language
from workbench.providers.retry import parse_retry_after

T = TypeVar("T")

MODEL_TYPES = tuple(model.value for model in ModelType)
# How segments with codes are sent (codes.XML_IGNORED writes them). Plain texts are sent
# without tag handling, as they always were: for them it would only change how DeepL
# splits sentences. Version 2 of tag handling is named, not left to the account's default
# (accounts older than December 2025 get version 1, whose results differ): it places tags
# by the translated sentence and parses XML strictly, which our always well-formed
# fragments do not mind. Outline detection is off, so that no tag splits a sentence (by
# default a tag holding text, such as two runs of a paragraph side by side, is taken for
# structure and its parts translated apart); a segment is one unit, so a line break in it
# does not end a sentence either; the content of <x> is a standalone code's text, kept.
TAGGED: dict[str, Any] = {
    "tag_handling": "xml",
    "tag_handling_version": "v2",
    "outline_detection": False,
    "split_sentences": "nonewlines",
    "ignore_tags": ["x"],
}
FORMALITIES = frozenset(formality.value for formality in Formality)
_SDK_LOG = logging.getLogger("deepl")


class _OneAttemptClient(HttpClient):
    """The SDK's HTTP client, making one attempt per call with our timeout."""

    def __init__(self, timeout: float) -> None:
        super().__init__(send_platform_info=False)
        self._timeout = timeout
        self._last = threading.local()

    def _should_retry(self, response: Any, exception: Any, num_retries: int) -> bool:
        return False

    def _internal_request(
        self, request: requests.PreparedRequest, stream: bool, timeout: float = 0, **kwargs: Any
    ) -> Any:
        # The SDK prepares requests itself, so session-level hooks would not run.
        request.register_hook("response", self._remember)
        return super()._internal_request(request, stream, timeout=self._timeout, **kwargs)

    def _remember(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._last.retry_after = response.headers.get("Retry-After")

    def forget(self) -> None:
        self._last.retry_after = None

    def retry_after(self) -> float | None:
        return parse_retry_after(getattr(self._last, "retry_after", None))


class _Redact(logging.Filter):
    """Keeps a key out of the SDK's log records (at DEBUG it logs whole response bodies)."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._secret in message:
            record.msg, record.args = message.replace(self._secret, "[redacted]"), ()
        return True


@dataclass(frozen=True, slots=True)
class _Sdk:
    translator: deepl.Translator
    http: _OneAttemptClient
    redaction: _Redact


class DeepLProvider(Provider):
    name = "deepl"
    label = "DeepL"
    requires_key = True
    key_env = "DEEPL_AUTH_KEY"
    max_texts_per_request = 50
    # DeepL takes 128 KiB per request; the rest is headroom for the JSON and options.
    max_bytes_per_request = 120 * 1024
    glossary_support = GlossarySupport.NATIVE
    codec = codes.XML_IGNORED
    default_model = "prefer_quality_optimized"
    models = MODEL_TYPES
    supported_options = frozenset({"formality", "context"})
    # DeepL publishes no limit on requests in flight or per second; it answers 429
    # (honoured with backoff) when pressed, and its maintainers advise staying under
    # about 50 requests a second. Five in flight keep to that at DeepL's usual latency
    # for a 50-text request (a few hundred milliseconds), and leave a job's pace to the
    # server's speed. An admin can set another number per provider in Settings.
    default_concurrency = 5
    # The pacing only spaces requests out: set lower than concurrency ÷ latency (5 ÷ 25 ms
    # on a fast link), it would be what slows big jobs down.
    requests_per_second = 200.0

    _executor: ThreadPoolExecutor | None = None
    _sdk: _Sdk | None = None

    @classmethod
    def configured_key(cls, settings: Settings) -> SecretStr | None:
        return settings.deepl_auth_key

    @classmethod
    def configured_url(cls, settings: Settings) -> str | None:
        return settings.deepl_url

    def _default_url(self) -> str:
        free = deepl.auth_key_is_free_account(self._secret())
        return "https://api-free.deepl.com" if free else "https://api.deepl.com"

    @property
    def _translator(self) -> deepl.Translator:
        return self._client().translator

    def _client(self) -> _Sdk:
        if self._sdk is None:
            http = _OneAttemptClient(self.timeout)
            translator = deepl.Translator(
                self._secret(), server_url=self.base_url, send_platform_info=False
            )
            translator._client.close()  # type: ignore[no-untyped-call]  # SDK lacks hints
            translator._client = http
            self._sdk = _Sdk(translator, http, _Redact(self._secret()))
            _SDK_LOG.addFilter(self._sdk.redaction)
        return self._sdk

    def _check_options(self, options: Mapping[str, object]) -> None:
        super()._check_options(options)
        formality = options.get("formality")
        if formality is not None and formality not in FORMALITIES:
            raise InvalidInput(f"deepl: formality must be one of {', '.join(sorted(FORMALITIES))}")

    def wire_size(self, text: str) -> int:
        # requests writes ASCII-only JSON: "é" travels as six bytes, "\u00e9". The encoder
        # json.dumps calls for a string, without its per-call setup.
        return len(encode_basestring_ascii(text)) + 2

    # --- translation ----------------------------------------------------------------
    async def _translate_batch(self, texts: list[str], request: BatchRequest) -> list[str]:
        formality = request.options.get("formality")
        context = request.options.get("context")
        glossary = request.glossary.remote_id if request.glossary else None
        call = functools.partial(
            self._translator.translate_text,
            texts,
            source_lang=request.source,
            target_lang=request.target,
            model_type=request.model,
            formality=str(formality) if formality is not None else None,
            context=str(context) if context is not None else None,
            glossary=glossary,
            **(TAGGED if request.tagged else {}),
        )
        results = await self._call(lambda: self._in_thread(call))
        if not isinstance(results, list):
            results = [results]
        return [result.text for result in results]

    async def _fetch_languages(self) -> list[Language]:
        sources, targets = await asyncio.gather(
            self._call(lambda: self._in_thread(self._translator.get_source_languages)),
            self._call(lambda: self._in_thread(self._translator.get_target_languages)),
        )
        source_codes = {language.code for language in sources}
        target_codes = {language.code for language in targets}
        names = {language.code: language.name for language in (*sources, *targets)}
        return [
            Language(code, names[code], code in source_codes, code in target_codes)
            for code in sorted(source_codes | target_codes)
        ]

    async def check(self) -> None:
        await self._call(lambda: self._in_thread(self._translator.get_usage))

    # --- glossaries ----------------------------------------------------------------------
    async def create_glossary(self, spec: GlossarySpec) -> GlossarySpec:
        """Store ``spec`` at DeepL; the returned spec carries the new ``remote_id``.

        DeepL matches glossary terms by itself (it has no case-sensitivity flag) and
        takes one target per source term; the first entry for a source term wins.
        """
        entries: dict[str, str] = {}
        for term in spec.terms:
            entries.setdefault(term.source, term.target)
        if not entries:
            raise InvalidInput("deepl: a glossary needs at least one term")
        call = functools.partial(
            self._translator.create_glossary,
            remote_name(spec),
            spec.source_lang,
            spec.target_lang,
            entries,
        )
        info = await self._call(lambda: self._in_thread(call))
        return spec.with_remote_id(info.glossary_id)

    async def list_glossaries(self) -> list[RemoteGlossary]:
        infos = await self._call(lambda: self._in_thread(self._translator.list_glossaries))
        return [_remote(info) for info in infos]

    async def glossary_entries(self, remote_id: str) -> dict[str, str]:
        call = functools.partial(self._translator.get_glossary_entries, remote_id)
        entries: dict[str, str] = await self._call(lambda: self._in_thread(call))
        return entries

    async def delete_glossary(self, remote_id: str) -> None:
        call = functools.partial(self._translator.delete_glossary, remote_id)
        await self._call(lambda: self._in_thread(call))

    # --- the thread pool and the error edge -------------------------------------------------
    async def _in_thread(self, call: Callable[[], T]) -> T:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.concurrency, thread_name_prefix="deepl")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._mapped, call)

    def _mapped(self, call: Callable[[], T]) -> T:
        self._client().http.forget()
        try:
            return call()
        except deepl.DeepLException as exc:
            raise self._error_for(exc) from exc
        except ValueError as exc:  # the SDK checks some arguments before sending
            raise InvalidInput(f"deepl: {self._redact(str(exc))}") from exc
        except (KeyError, TypeError) as exc:  # the SDK read a reply of the wrong shape
            raise ProviderBadResponse(self.name, "the reply is not in DeepL's format") from exc

    def _error_for(self, exc: deepl.DeepLException) -> WorkbenchError:
        status = exc.http_status_code
        # The SDK knows DeepL's 403; a 401 (from a proxy in front of DeepL) means the same.
        if isinstance(exc, deepl.AuthorizationException) or status == 401:
            return ProviderAuthError(
                self.name, f"the auth key was refused (HTTP {status}); check {self.key_env}"
            )
        if isinstance(exc, deepl.QuotaExceededException):
            return ProviderQuotaExceeded(
                self.name, "the character quota for this billing period is used up (HTTP 456)"
            )
        if isinstance(exc, deepl.TooManyRequestsException):
            retry_after = self._client().http.retry_after()
            return ProviderRateLimited(self.name, "rate limited (HTTP 429)", retry_after)
        # translate_text reports a missing glossary as a plain 404.
        if isinstance(exc, deepl.GlossaryNotFoundException) or status == 404:
            return NotFound(
                "deepl: the glossary does not exist at DeepL (it may have been deleted)"
            )
        if isinstance(exc, deepl.ConnectionException):
            return ProviderUnavailable(self.name, "cannot reach the server or no reply in time")
        if status is not None and status >= 500:
            return ProviderUnavailable(self.name, f"server error (HTTP {status})")
        if status is None:
            # Raised by the SDK before sending, e.g. a deprecated language code.
            return InvalidInput(f"deepl: {self._redact(str(exc))}")
        return ProviderError(self.name, f"request rejected: {self._redact(str(exc))}")

    async def aclose(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        if self._sdk is not None:
            self._sdk.translator.close()  # type: ignore[no-untyped-call]  # SDK lacks hints
            _SDK_LOG.removeFilter(self._sdk.redaction)
            self._sdk = None
        await super().aclose()


def _remote(info: deepl.GlossaryInfo) -> RemoteGlossary:
    return RemoteGlossary(
        remote_id=info.glossary_id,
        name=info.name,
        source_lang=info.source_lang,
        target_lang=info.target_lang,
        entry_count=info.entry_count,
        ready=info.ready,
        created_at=info.creation_time,
    )
