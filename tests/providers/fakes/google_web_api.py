"""A fake of the free Google Translate web endpoint.

``GET /translate_a/single?client=gtx&sl=auto&tl=fr&dt=t&q=…`` answers nested arrays,
one entry per sentence with the translation first:
``[[["<fr>Hello. ", "Hello. ", null, null, 10], ["<fr>Bye", "Bye", null, null, 10]],
null, "en", …]``. The fake splits sentences the way the real one does, so a client
that reads only the first entry loses text.
"""

from __future__ import annotations

import re

from tests.providers.fakes.server import FakeServer, Received, Reply

PATH = "/translate_a/single"
_SENTENCE = re.compile(r".+?(?:[.!?]\s+|$)", re.DOTALL)


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
        return Reply(body=[parts, None, request.param("sl") or "en", None, None, None, 1.0])
