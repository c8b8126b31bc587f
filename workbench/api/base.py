"""What every API handler shares: bounded bodies, parameters, JSON answers and errors.

An API handler uses no cookie and no XSRF token (the key in the ``Authorization``
header is its only credential), answers JSON only, and reads its body within bounds
before any work: a body over :attr:`ApiHandler.max_body` is read and dropped (413), one
whose announced length exceeds :data:`HARD_CAP` is refused at once. Parameters come from
a JSON object, a form (``application/x-www-form-urlencoded``, repeated keys for lists,
as DeepL's clients send) or the query string.

Errors are JSON in the shape the handler's API speaks: ``{"message": …}`` for DeepL's,
``{"error": …}`` for LibreTranslate's (:attr:`ApiHandler.error_field`), with the statuses
of :func:`~workbench.api.errors.answer_for`, some said otherwise where an API's clients
know fewer (:attr:`ApiHandler.status_aliases`).
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Mapping
from typing import Any, ClassVar

from tornado import httputil, web

from workbench.api.errors import INTERNAL, RequestTooLarge, answer_for
from workbench.api.service import ApiServices
from workbench.errors import InternalError, InvalidInput, WorkbenchError

log = logging.getLogger("workbench.api")

DEFAULT_MAX_BODY = 16 * 1024
HARD_CAP = 16 * 1024 * 1024  # a body announced beyond this is not even read
MAX_FIELDS = 1000
MAX_VALUE = 256  # characters of a parameter that is a name or a flag, not a text
JSON_TYPE = "application/json; charset=utf-8"


@web.stream_request_body
class ApiHandler(web.RequestHandler):
    """Base of the API's handlers; subclasses set ``max_body`` and their methods."""

    max_body = DEFAULT_MAX_BODY
    error_field: ClassVar[str] = "message"  # the field of an error body
    status_aliases: ClassVar[Mapping[int, int]] = {}  # a status this API's clients know otherwise

    def initialize(self, services: ApiServices) -> None:
        self.services = services
        self._chunks: list[bytes] = []
        self._size = 0
        self._params: dict[str, Any] | None = None

    # --- no cookies, no XSRF, JSON always ------------------------------------------------

    def check_xsrf_cookie(self) -> None:
        """No cookie authenticates an API request, so there is no cross-site forgery to stop."""

    def get_current_user(self) -> None:
        return None

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", JSON_TYPE)
        self.set_header("Cache-Control", "no-store")

    def send(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(payload, ensure_ascii=False))

    # --- the body, within bounds ---------------------------------------------------------

    async def prepare(self) -> None:
        announced = self.request.headers.get("Content-Length")
        if announced is not None and (not announced.isdigit() or int(announced) > HARD_CAP):
            raise RequestTooLarge(f"the request body is over {self.max_body // 1024} KiB")
        if self.request.method in ("POST", "PUT", "PATCH", "GET"):
            self.request.connection.set_max_body_size(HARD_CAP)  # type: ignore[union-attr]

    def data_received(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size <= self.max_body:
            self._chunks.append(chunk)
        else:
            self._chunks.clear()  # read to the end, kept no further

    def body(self) -> bytes:
        if self._size > self.max_body:
            raise RequestTooLarge(
                f"the request body is over {self.max_body // 1024} KiB; send fewer or shorter texts"
            )
        return b"".join(self._chunks)

    def params(self) -> dict[str, Any]:
        """The request's parameters: the query's, then the body's over them.

        Form and query values are lists of strings; JSON values are as sent.
        """
        if self._params is not None:
            return self._params
        params = self.query_params()
        body = self.body()
        kind = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if body.strip():
            if kind == "application/json":
                params.update(_json_object(body))
            elif kind in ("application/x-www-form-urlencoded", ""):
                params.update(_form(body))
            else:
                raise InvalidInput(
                    f"unsupported Content-Type {kind[:60]!r}: send application/json or "
                    "application/x-www-form-urlencoded"
                )
        self._params = params
        return params

    def query_params(self) -> dict[str, Any]:
        """The query string's parameters (values are lists of strings)."""
        return _form(self.request.query.encode("latin-1"))

    # --- errors as JSON ------------------------------------------------------------------

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, web.HTTPError):
            message = error.reason or self._reason
            code = error.status_code
            self.set_status(self.status_aliases.get(code, code), error.reason)
        elif isinstance(error, BaseException):
            answer = answer_for(error)
            self.set_status(self.status_aliases.get(answer.status, answer.status))
            message = answer.message
            for name, value in answer.headers.items():
                self.set_header(name, value)
        else:
            message = INTERNAL if status_code >= 500 else self._reason
        self.set_header("Content-Type", JSON_TYPE)
        self.finish(json.dumps({self.error_field: message}, ensure_ascii=False))

    def log_exception(self, typ: Any, value: BaseException | None, tb: Any) -> None:
        where = f"{self.request.method} {self.request.path}"
        if isinstance(value, WorkbenchError) and not isinstance(value, InternalError):
            status = answer_for(value).status
            log.log(
                logging.INFO if status < 500 else logging.WARNING, "%s: %d %s", where, status, value
            )
            return
        if isinstance(value, web.HTTPError) or value is None:
            super().log_exception(typ, value, tb)
            return
        log.error("%s: unexpected error", where, exc_info=value)


class NotFoundHandler(ApiHandler):
    """Any path the API does not serve: 404 in JSON."""

    def prepare(self) -> None:  # type: ignore[override]
        raise web.HTTPError(404, reason="Not found")


# --- reading parameters -------------------------------------------------------------------


class FormValues(list[str]):
    """The values of a form or query parameter (a JSON list is not one value)."""


def one(params: dict[str, Any], name: str, *, limit: int = MAX_VALUE) -> str | None:
    """A parameter that is one string (a form's last value), bounded; None if absent."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, FormValues) and value:
        value = value[-1]
    if not isinstance(value, str):
        raise InvalidInput(f"the parameter '{name}' must be a string")
    if len(value) > limit:
        raise InvalidInput(f"the parameter '{name}' is longer than {limit} characters")
    return value


def many(params: dict[str, Any], name: str) -> list[str] | None:
    """A parameter that is a list of strings (or one string); None if absent."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise InvalidInput(f"the parameter '{name}' must be a string or a list of strings")


def flag(params: dict[str, Any], name: str) -> bool | None:
    """A boolean parameter: JSON true/false, or 1/0/true/false in a form; None if absent."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = one(params, name)
    if text is not None and text.strip().lower() in ("1", "true", "0", "false"):
        return text.strip().lower() in ("1", "true")
    raise InvalidInput(f"the parameter '{name}' must be true or false (or 1 or 0)")


def _form(raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
        pairs = urllib.parse.parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise InvalidInput("the form is not valid UTF-8") from None
    except ValueError:
        raise RequestTooLarge(
            f"the form has more than {MAX_FIELDS} fields; send fewer texts per request"
        ) from None
    params: dict[str, FormValues] = {}
    for key, value in pairs:
        name = key.removesuffix("[]")  # some clients write text[]=…
        params.setdefault(name, FormValues()).append(value)
    return params


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidInput("the JSON body is not valid UTF-8") from None
    except RecursionError:
        raise InvalidInput("the JSON body is nested too deeply") from None
    except ValueError as error:
        raise InvalidInput(f"the body is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise InvalidInput("the JSON body must be an object of parameters")
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # an escaped lone surrogate (\ud800) is no character
        raise InvalidInput(
            "the JSON body is not valid UTF-8: it escapes a lone surrogate; send whole characters"
        ) from None
    return value


def multipart(
    kind: str,
    body: bytes,
    arguments: dict[str, list[bytes]],
    files: dict[str, list[httputil.HTTPFile]],
) -> None:
    """Read a ``multipart/form-data`` body into ``arguments`` and ``files`` (400 when it
    is malformed: no boundary, a part without headers, a header that is not text)."""
    try:
        httputil.parse_body_arguments(kind, body, arguments, files)
    except httputil.HTTPInputError as error:
        raise InvalidInput(
            f"the multipart form is malformed ({str(error)[:80]}); send it as an HTTP client does"
        ) from None
