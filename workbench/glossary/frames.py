"""Glossaries as pandas DataFrames, for notebooks.

The entry columns are those of a glossary file (``source_term``, ``target_term``,
``case_sensitive``, ``note``), so a frame read with ``pandas.read_csv`` or built by hand
imports with :func:`workbench.glossary.store.import_frame`, and a frame from
:func:`to_frame` goes back unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from workbench.glossary.store import Entry, GlossaryInfo, StoredEntry
from workbench.glossary.validation import ENTRY_COLUMNS, table_from_frame, validate

if TYPE_CHECKING:  # imported where used: pandas costs ~0.3 s of a dashboard's first paint
    import pandas as pd

GLOSSARY_COLUMNS = (
    "name",
    "source_lang",
    "target_lang",
    "entries",
    "owner",
    "updated_at",
    "remote_copies",
    "checksum",
)


def to_frame(entries: Iterable[Entry | StoredEntry]) -> pd.DataFrame:
    """Entries as a frame with the entry columns, in the order given."""
    import pandas as pd

    rows = [
        (entry.source_term, entry.target_term, bool(entry.case_sensitive), entry.note)
        for entry in entries
    ]
    frame = pd.DataFrame(rows, columns=list(ENTRY_COLUMNS))
    return frame.astype({"case_sensitive": bool})


def from_frame(frame: pd.DataFrame) -> list[Entry]:
    """The entries of ``frame`` after every check an import makes (InvalidInput if any fails)."""
    valid = validate(table_from_frame(frame))
    return [
        Entry(source, target, flag, note)
        for source, target, flag, note in valid.entries.itertuples(index=False, name=None)
    ]


def glossaries_frame(glossaries: Sequence[GlossaryInfo]) -> pd.DataFrame:
    """A table of glossaries (from ``list_glossaries``): one row each."""
    import pandas as pd

    rows = [
        (
            info.name,
            info.source_lang,
            info.target_lang,
            info.entry_count,
            info.owner_email or ("shared" if info.shared else str(info.owner_id)),
            info.updated_at,
            ", ".join(
                f"{copy.provider}{'' if copy.current else ' (stale)'}"
                for copy in info.remote_copies
            ),
            info.checksum,
        )
        for info in glossaries
    ]
    return pd.DataFrame(rows, columns=list(GLOSSARY_COLUMNS))
