"""A fake of the free Google Translate web endpoint.

``GET /translate_a/single?client=gtx&sl=auto&tl=fr&dt=t&q=…`` answers nested arrays,
one entry per sentence with the translation first:
``[[["<fr>Hello. ", "Hello. ", null, null, 10], ["<fr>Bye", "Bye", null, null, 10]],
null, "en", …]``. The fake splits sentences the way the real one does, so a client
that reads only the first entry loses text. With ``sl=auto`` it answers as Google does
with the language it detected (:func:`guess_language`): ``data[2]`` the language,
``data[6]`` the confidence, ``data[8]`` ``[[languages], null, [confidences], [languages]]``.
"""

from __future__ import annotations

import re

from tests.providers.fakes.server import FakeServer, Received, Reply

PATH = "/translate_a/single"
_SENTENCE = re.compile(r".+?(?:[.!?]\s+|$)", re.DOTALL)


# A few words each, enough for tests to tell languages apart; English otherwise.
_WORDS = {
    "fr": {"le", "la", "les", "est", "bonjour", "une", "et", "je", "merci"},
    "de": {"der", "die", "das", "ist", "und", "ich", "guten", "morgen", "danke"},
    "es": {"el", "los", "es", "hola", "gracias", "y", "una", "buenos"},
}


def guess_language(text: str) -> tuple[str, float]:
    """The language with most known words in ``text`` and how sure: (``en``, 0.5) if none."""
    words = re.findall(r"\w+", text.lower())
    scores = {code: sum(word in known for word in words) for code, known in _WORDS.items()}
    code, hits = max(scores.items(), key=lambda item: item[1])
    if not hits:
        return "en", 0.5
    return code, round(min(1.0, 0.5 + hits / (2 * len(words))), 2)


def sentences(text: str) -> list[str]:
    return _SENTENCE.findall(text) or [text]


def translated(text: str, target: str) -> str:
    return "".join(f"<{target.lower()}>{sentence}" for sentence in sentences(text))


class FakeGoogleWeb(FakeServer):
    def handle(self, request: Received) -> Reply:
        if request.path != PATH or request.param("client") != "gtx":
            return Reply(404, "<html>Not Found</html>")
        text, target = request.param("q"), request.param("tl")
        if text is None or target is None or request.param("dt") != "t":
            return Reply(400, "<html>Bad Request</html>")
        parts = [
            [f"<{target.lower()}>{sentence}", sentence, None, None, 10]
            for sentence in sentences(text)
        ]
        source = request.param("sl") or "auto"
        if source != "auto":
            return Reply(body=[parts, None, source, None, None, None, 1.0])
        language, confidence = guess_language(text)
        candidates = [[language], None, [confidence], [language]]
        return Reply(body=[parts, None, language, None, None, None, confidence, [], candidates])
