"""Splitting any number of texts into requests a provider accepts.

A text's size is what it costs on the wire, as the provider encodes it: UTF-8 in a JSON
body by default, ``\\uXXXX`` escapes where a client writes ASCII-only JSON, percent
escapes in a query string; plus a small allowance for the framing around each text.
A single text too large for one request is the caller's to split: it is reported, with
its position, before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from workbench.errors import InvalidInput

PER_TEXT_OVERHEAD = 8  # quotes, comma and key around a text in a JSON array or form


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8")) + PER_TEXT_OVERHEAD


def split_batches(
    texts: Sequence[str],
    *,
    max_texts: int,
    max_bytes: int,
    provider: str,
    size: Callable[[str], int] = utf8_size,
    positions: Sequence[int] | None = None,
) -> list[range]:
    """Consecutive index ranges of ``texts``, each within both limits, in order.

    ``positions`` are the caller's 0-based indices of ``texts``, used to name an
    oversized text in the error when only some of the caller's texts are sent.
    """
    if max_texts < 1 or max_bytes < 1:
        raise ValueError("batch limits must be positive")
    batches: list[range] = []
    start = 0
    total = 0
    for index, text in enumerate(texts):
        text_size = size(text)
        if text_size > max_bytes:
            number = (positions[index] if positions else index) + 1
            raise InvalidInput(
                f"{provider}: text {number} takes {text_size} bytes to send; {provider} "
                f"accepts at most {max_bytes} bytes per request, so split that text into "
                "smaller pieces"
            )
        if index > start and (index - start >= max_texts or total + text_size > max_bytes):
            batches.append(range(start, index))
            start, total = index, 0
        total += text_size
    if start < len(texts):
        batches.append(range(start, len(texts)))
    return batches
