"""A fake Cloud Translation - Basic (v2) REST API.

``POST /language/translate/v2`` takes a JSON body ``{"q": [...], "target", "source",
"format", "model"}`` and answers ``{"data": {"translations": [{"translatedText",
"detectedSourceLanguage"?}]}}``; ``GET /language/translate/v2/languages?target=en``
answers ``{"data": {"languages": [{"language", "name"}]}}``; ``POST …/v2/detect`` with
``{"q": [...]}`` answers ``{"data": {"detections": [[{"language", "confidence",
"isReliable"}]]}}`` (its guess: :func:`~tests.providers.fakes.google_web_api.guess_language`).
The API key is accepted in the ``key`` query parameter or the ``X-Goog-Api-Key`` header,
as Google does. More than 128 segments or a body over 100 KB is a 400. Errors use
Google's error envelope.

``format`` is ``html`` unless the request says ``text``, as Google's default is: then the
text nodes are translated, elements with ``translate="no"`` are kept as they are, every
tag comes back (moved, when :attr:`moves_tags` is set, as word order would move it), and
the reply escapes ``&``, ``<``, ``>``, ``"`` and ``'`` as entities, as Google does.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from tests.providers.fakes.google_web_api import guess_language
from tests.providers.fakes.markup import Element, translate_tree
from tests.providers.fakes.server import FakeServer, Received, Reply

TRANSLATE = "/language/translate/v2"
LANGUAGES = "/language/translate/v2/languages"
DETECT = "/language/translate/v2/detect"
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
    moves_tags = False  # set to move tags within their sentence (legally) in html mode

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
        if request.path == DETECT and request.method == "POST":
            texts = request.json()["q"]
            detections = []
            for text in texts if isinstance(texts, list) else [texts]:
                language, confidence = guess_language(text)
                detections.append(
                    [{"language": language, "confidence": confidence, "isReliable": False}]
                )
            return Reply(body={"data": {"detections": detections}})
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
        html = body.get("format", "html") == "html"
        for text in segments:
            reply = self._html(text, body["target"]) if html else translated(text, body["target"])
            result = {"translatedText": reply}
            if "source" not in body:
                result["detectedSourceLanguage"] = "en"
            results.append(result)
        return Reply(body={"data": {"translations": results}})

    def _html(self, text: str, target: str) -> str:
        root = _HtmlTree.parse(text)
        translate_tree(
            root,
            lambda node: translated(node, target),
            lambda element: ("translate", "no") in element.attributes,
            moves_tags=self.moves_tags,
        )
        return "".join(_html(child) for child in root.children)


_VOID = frozenset({"br", "img", "hr", "wbr", "input"})


class _HtmlTree(HTMLParser):
    """An HTML fragment as a tree; entities in text are decoded as a browser would."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack = [Element("fragment")]

    @classmethod
    def parse(cls, text: str) -> Element:
        parser = cls()
        parser.feed(text)
        parser.close()
        return parser.stack[0]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, attrs, empty=tag in _VOID)
        self.stack[-1].children.append(element)
        if not element.empty:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, attrs, empty=True))

    def handle_endtag(self, tag: str) -> None:
        if len(self.stack) > 1 and self.stack[-1].name == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _escaped(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def _html(node: Element | str) -> str:
    if isinstance(node, str):
        return _escaped(node)
    attributes = "".join(
        f" {name}" if value is None else f' {name}="{_escaped(value)}"'
        for name, value in node.attributes
    )
    if node.empty:
        return f"<{node.name}{attributes}>"
    inner = "".join(_html(child) for child in node.children)
    return f"<{node.name}{attributes}>{inner}</{node.name}>"
