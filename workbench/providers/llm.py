"""Translating with a chat model (OpenAI, Ollama): segments as JSON with ids.

The model gets the batch as ``{"segments": [{"id", "text"}]}`` and must answer under
:data:`REPLY_SCHEMA`. Models drop, merge, invent and reorder segments, so the reply is
matched by id, never by position: ids we did not send are ignored, and the segments
still missing (or answered with an empty text) are asked for again, alone, up to
``rounds`` requests in all. A reply that stays unusable is a ProviderBadResponse.
Glossaries are enforced by the prompt: only the terms found in the segments being sent
are listed, so the prompt stays short and the model is not distracted. Segments with
codes are sent in canonical form with :data:`TAG_INSTRUCTION`; the base class verifies
every code of the reply.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from workbench.errors import ProviderBadResponse
from workbench.providers.base import BatchRequest
from workbench.providers.languages import describe

log = logging.getLogger("workbench.providers")

REPLY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "translations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "text": {"type": "string"}},
                "required": ["id", "text"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["translations"],
    "additionalProperties": False,
}
REPLY_SCHEMA_NAME = "translations"
# For segments with codes (workbench.inline's canonical form): the reply is checked code
# by code, and a segment whose tags do not all come back is asked for again.
TAG_INSTRUCTION = (
    'The texts are XML fragments with inline tags: <g id="…">…</g> wraps words that '
    'carry formatting or a link, and <x id="…" equiv="…"/> stands for something that is '
    "not text (equiv shows what it stands for). Keep every tag exactly once, with its id "
    "and attributes unchanged; move a <g> pair together with the words it wraps when the "
    "word order changes, and keep tags properly nested. Keep character entities such as "
    "&amp;, &lt; and &gt; as they are. Translate only the text between the tags."
)
DEFAULT_ROUNDS = 3


@dataclass(frozen=True, slots=True)
class Prompt:
    system: str
    user: str


Ask = Callable[[Prompt], Awaitable[str]]


def build_prompt(segments: Mapping[str, str], request: BatchRequest) -> Prompt:
    source = describe(request.source) if request.source else "the language it is written in"
    lines = [
        "You are a professional translator. Translate the text of every segment from "
        f"{source} into {describe(request.target)}.",
        'Reply with JSON of the form {"translations": [{"id": "...", "text": "..."}]}: '
        "one entry for every segment, its id unchanged, its translation as text. Translate "
        "every segment, even a short one.",
        "Keep placeholders and markup exactly as they are, for example {name}, {{count}}, "
        "%s, %d, %(name)s, HTML tags such as <b> and </b>, and line breaks.",
    ]
    if request.tagged:
        lines.append(TAG_INSTRUCTION)
    terms = request.glossary.matching(segments.values()) if request.glossary else ()
    if terms:
        lines.append("Use these glossary translations for the terms whenever they occur:")
        lines.extend(
            f"- {json.dumps(term.source, ensure_ascii=False)} → "
            f"{json.dumps(term.target, ensure_ascii=False)}"
            + (" (case-sensitive)" if term.case_sensitive else "")
            for term in terms
        )
    context = request.options.get("context")
    if context:
        lines.append(f"Context for the translation (do not translate it): {context}")
    user = json.dumps(
        {"segments": [{"id": key, "text": text} for key, text in segments.items()]},
        ensure_ascii=False,
    )
    return Prompt(system="\n".join(lines), user=user)


def parse_reply(content: str) -> dict[str, str] | None:
    """Translations by id, or None when the reply is not the requested JSON shape."""
    try:
        data = json.loads(content)
    except ValueError:
        return None
    items = data.get("translations") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return None
    found: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        key, text = item.get("id"), item.get("text")
        # Some models write the id as a number despite the schema; the value is what counts.
        if isinstance(key, str | int) and isinstance(text, str) and text.strip():
            found.setdefault(str(key), text)
    return found


async def translate_by_ids(
    provider: str,
    texts: list[str],
    request: BatchRequest,
    ask: Ask,
    *,
    rounds: int = DEFAULT_ROUNDS,
) -> list[str]:
    order = [str(number) for number in range(1, len(texts) + 1)]
    pending = dict(zip(order, texts, strict=True))
    done: dict[str, str] = {}
    malformed = 0
    for _ in range(rounds):
        reply = parse_reply(await ask(build_prompt(pending, request)))
        if reply is None:
            malformed += 1
            continue
        unknown = set(reply) - set(pending)
        if unknown:
            log.info("%s: ignoring %d segment id(s) we did not send", provider, len(unknown))
        for key in [key for key in pending if key in reply]:
            done[key] = reply[key]
            del pending[key]
        if not pending:
            return [done[key] for key in order]
        log.info("%s: %d segment(s) missing from the reply; asking again", provider, len(pending))
    if malformed == rounds:
        raise ProviderBadResponse(
            provider, f"the model did not answer with the requested JSON ({rounds} requests)"
        )
    raise ProviderBadResponse(
        provider,
        f"the model left {len(pending)} of {len(texts)} segments untranslated "
        f"after {rounds} requests",
    )
