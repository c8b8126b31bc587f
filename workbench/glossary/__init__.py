"""Glossaries: CSV/XLSX import and export, validation, storage, terminology QA.

- :mod:`.reading` and :mod:`.validation` turn a file (or a DataFrame) into clean entries,
  or into the list of every problem with its line;
- :mod:`.writing` writes CSV/XLSX that spreadsheets open safely and import reads back;
- :mod:`.store` keeps glossaries in the database (import modes, edits, visibility, audit)
  and :mod:`.bulk` loads large ones fast;
- :mod:`.checksum` is the content key remote copies and cached translations use;
- :mod:`.sync` keeps copies at providers with native glossaries (DeepL) in step;
- :mod:`.qa` finds translated segments that miss a term's target;
- :mod:`.frames` is the pandas face for notebooks; :mod:`.commands` the CLI.
"""

from workbench.glossary.checksum import checksum
from workbench.glossary.frames import from_frame, glossaries_frame, to_frame
from workbench.glossary.qa import Term, TermMatcher, Violation, check, check_frame, violations_frame
from workbench.glossary.reading import FileFormat
from workbench.glossary.store import (
    Entry,
    EntryPage,
    GlossaryContent,
    GlossaryInfo,
    ImportMode,
    ImportResult,
    RemoteCopy,
    StoredEntry,
    add_entry,
    delete_entry,
    delete_glossary,
    entries_frame,
    entries_page,
    export_glossary,
    get_glossary,
    import_file,
    import_frame,
    import_path,
    list_glossaries,
    load_content,
    update_entry,
)
from workbench.glossary.sync import (
    delete_all_remote_copies,
    delete_remote_copies,
    glossary_spec,
    native_spec,
    prune,
)

__all__ = [
    "Entry",
    "EntryPage",
    "FileFormat",
    "GlossaryContent",
    "GlossaryInfo",
    "ImportMode",
    "ImportResult",
    "RemoteCopy",
    "StoredEntry",
    "Term",
    "TermMatcher",
    "Violation",
    "add_entry",
    "check",
    "check_frame",
    "checksum",
    "delete_all_remote_copies",
    "delete_entry",
    "delete_glossary",
    "delete_remote_copies",
    "entries_frame",
    "entries_page",
    "export_glossary",
    "from_frame",
    "get_glossary",
    "glossaries_frame",
    "glossary_spec",
    "import_file",
    "import_frame",
    "import_path",
    "list_glossaries",
    "load_content",
    "native_spec",
    "prune",
    "to_frame",
    "update_entry",
    "violations_frame",
]
