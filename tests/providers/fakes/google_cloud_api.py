"""A fake Cloud Translation - Basic (v2) REST API.

``POST /language/translate/v2`` takes a JSON body ``{"q": [...], "target", "source",
"format", "model"}`` and answers ``{"data": {"translations": [{"translatedText",
"detectedSourceLanguage"?}]}}``; ``GET /language/translate/v2/languages?target=en``
answers ``{"data": {"languages": [{"language", "name"}]}}``. The API key is accepted in
the ``key`` query parameter or the ``X-Goog-Api-Key`` header, as Google does. More than
128 segments or a body over 100 KB is a 400. Errors use Google's error envelope.
"""

from __future__ import annotations

from typing import Any

from tests.providers.fakes.server import FakeServer, Received, Reply

TRANSLATE = "/language/translate/v2"
LANGUAGES = "/language/translate/v2/languages"
MAX_SEGMENTS = 128
MAX_BYTES = 100_000
LANGUAGE_NAMES = {
    "ar": "Arabic", "be": "Belarusian", "de": "German", "en": "English", "fr": "French",
    "he": "Hebrew", "ja": "Japanese", "pl": "Polish", "pt": "Portuguese (Brazil)",
    "pt-PT": "Portuguese (Portugal)", "sr": "Serbian", "zh-CN": "Chinese (Simplified)",
    "zh-TW": "Chinese (Traditional)",
}  # fmt: skip


def translated(text: str, target: str) -> str:
    return f"<{target.lower()}>{text}"


def google_error(code: int, message: str, reason: str, status: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": "usageLimits", "reason": reason}],
            "status": status,
        }
    }


def quota_error() -> Reply:
    return Reply(
        403, google_error(403, "Daily Limit Exceeded", "dailyLimitExceeded", "PERMISSION_DENIED")
    )


def rate_error() -> Reply:
    message = "User Rate Limit Exceeded"
    return Reply(403, google_error(403, message, "userRateLimitExceeded", "PERMISSION_DENIED"))


class FakeGoogleCloud(FakeServer):
    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key

    def handle(self, request: Received) -> Reply:
        given = request.headers.get("x-goog-api-key") or request.param("key")
        if given != self.key:
            message = f"API key not valid. Please pass a valid API key. ({given})"
            body = google_error(400, message, "badRequest", "INVALID_ARGUMENT")
            body["error"]["details"] = [
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}
            ]
            return Reply(400, body)
        if request.path == TRANSLATE and request.method == "POST":
            return self._translate(request)
        if request.path == LANGUAGES:
            languages = [{"language": code, "name": name} for code, name in LANGUAGE_NAMES.items()]
            return Reply(body={"data": {"languages": languages}})
        return Reply(404, google_error(404, "Not Found", "notFound", "NOT_FOUND"))

    def _translate(self, request: Received) -> Reply:
        body = request.json()
        segments = body["q"] if isinstance(body["q"], list) else [body["q"]]
        if len(segments) > MAX_SEGMENTS or len(request.body) > MAX_BYTES:
            message = "Too many text segments or request too large"
            return Reply(400, google_error(400, message, "invalid", "INVALID_ARGUMENT"))
        results: list[dict[str, str]] = []
        for text in segments:
            result = {"translatedText": translated(text, body["target"])}
            if "source" not in body:
                result["detectedSourceLanguage"] = "en"
            results.append(result)
        return Reply(body={"data": {"translations": results}})
