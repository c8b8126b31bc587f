"""The content checksum of a glossary: what its remote copies and cached translations key on.

SHA-256 over the language pair and the entries' (source, target, case sensitivity) in
source-term order, so notes and the order of the entries do not change it while any
change a provider would see does. It is the same value as
:func:`workbench.providers.glossary.glossary_checksum` computes from a glossary's terms
(a test keeps the two in step), so a provider can recognise the copy it holds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from workbench.glossary.rules import Column

if TYPE_CHECKING:  # annotations only: pandas costs ~0.3 s of a dashboard's first paint
    import pandas as pd

Content = Iterable[tuple[str, str, bool]]


def checksum(entries: Content, source_lang: str, target_lang: str) -> str:
    rows = sorted((source, target, bool(case)) for source, target, case in entries)
    return _digest(rows, source_lang, target_lang)


def frame_checksum(entries: pd.DataFrame, source_lang: str, target_lang: str) -> str:
    rows = sorted(
        zip(
            entries[Column.SOURCE_TERM].tolist(),
            entries[Column.TARGET_TERM].tolist(),
            entries[Column.CASE_SENSITIVE].astype(bool).tolist(),  # Python bools for JSON
            strict=True,
        )
    )
    return _digest(rows, source_lang, target_lang)


def _digest(rows: list[tuple[str, str, bool]], source_lang: str, target_lang: str) -> str:
    payload = json.dumps(
        [source_lang.lower(), target_lang.lower(), rows], ensure_ascii=False, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()
