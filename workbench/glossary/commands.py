"""The ``workbench glossary`` commands: import, export, list, show, delete.

Each command is one transaction against the configured database, acting as the machine's
operator. A file with problems is refused as a whole: the first line on stderr says so,
and every problem follows on its own line with the line (CSV) or row (XLSX) it is on.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts.audit import Actor
from workbench.accounts.users import get_user_by_email
from workbench.cli_support import in_transaction, run
from workbench.errors import InvalidInput, UsageError
from workbench.glossary import store, sync
from workbench.glossary.reading import SUFFIXES
from workbench.glossary.store import GlossaryInfo, ImportMode, ImportResult

SHOW_LIMIT = 20
CELL_WIDTH = 40


@click.group("glossary")
def glossary() -> None:
    """Import, export, list, show and delete glossaries (CSV or XLSX files).

    A file has the columns source_term and target_term, and optionally source_lang,
    target_lang, case_sensitive and note; a file without a header has two columns
    (source, target) or four (with the two languages), as DeepL's CSV glossaries do.
    """


@glossary.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", required=True, help="The glossary's name.")
@click.option("--source-lang", metavar="LANG", help="Language of the source terms (e.g. en).")
@click.option("--target-lang", metavar="LANG", help="Language of the target terms (e.g. fr).")
@click.option(
    "--mode",
    type=click.Choice([mode.value for mode in ImportMode]),
    default=ImportMode.CREATE.value,
    show_default=True,
    help="create a new glossary; replace an existing one's entries; merge into an "
    "existing one (entries added, or updated by source term).",
)
@click.option(
    "--owner", metavar="EMAIL", help="Make the new glossary this user's (default: shared)."
)
@click.option("--description", help="A line saying what the glossary is for.")
def import_command(
    file: Path,
    name: str,
    source_lang: str | None,
    target_lang: str | None,
    mode: str,
    owner: str | None,
    description: str | None,
) -> None:
    """Import FILE (.csv, .tsv, .txt or .xlsx) as the glossary NAME.

    Every row is checked first; if any has a problem, nothing is imported and each
    problem is listed with its line. The encoding (UTF-8, UTF-16, Windows-1252) and the
    delimiter (comma, semicolon, tab) are detected.
    """
    import_mode = ImportMode(mode)
    if owner is not None and import_mode is not ImportMode.CREATE:
        raise UsageError("--owner applies when a glossary is created (--mode create)")

    async def work(session: AsyncSession) -> ImportResult:
        owner_id = None if owner is None else (await get_user_by_email(session, owner)).id
        return await store.import_path(
            session,
            file,
            name=name,
            mode=import_mode,
            source_lang=source_lang,
            target_lang=target_lang,
            owner_id=owner_id,
            description=description,
            actor=Actor.cli(),
        )

    try:
        result = run(in_transaction(work))
    except InvalidInput as error:
        if not error.problems:
            raise
        click.echo(f"error: {error}", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(error.exit_code)
    click.echo(_import_summary(result))


def _import_summary(result: ImportResult) -> str:
    info = result.glossary
    pair = f"{info.source_lang} → {info.target_lang}"
    if result.mode is ImportMode.CREATE:
        line = f"Imported {result.imported} entries into the new glossary {info.name!r} ({pair})."
    else:
        verb = "Replaced the entries of" if result.mode is ImportMode.REPLACE else "Merged into"
        changes = f"{result.added} added, {result.updated} changed, {result.unchanged} unchanged"
        if result.mode is ImportMode.REPLACE:
            changes += f", {result.removed} removed"
        line = (
            f"Imported {result.imported} entries. {verb} glossary {info.name!r} ({pair}): "
            f"{changes}; it has {info.entry_count} entries."
        )
    if result.collapsed:
        line += f" {result.collapsed} repeated identical rows were imported once."
    return line


@glossary.command("export")
@click.argument("name")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_command(name: str, file: Path) -> None:
    """Write the glossary NAME to FILE: .csv (UTF-8 for Excel) or .xlsx, by its extension.

    Cells a spreadsheet could run as formulas are written with a leading apostrophe;
    importing the file again gives back exactly the same entries.
    """
    suffix = file.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UsageError(f"{file.name}: export to a .csv or .xlsx file")
    fmt = SUFFIXES[suffix]

    async def work(session: AsyncSession) -> tuple[GlossaryInfo, bytes]:
        info = await store.get_glossary(session, name)
        return info, await store.export_glossary(session, info.id, fmt)

    info, data = run(in_transaction(work))
    _write_atomically(file, data)
    click.echo(f"Exported {info.entry_count} entries of glossary {info.name!r} to {file}.")


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a reader never sees half a file."""
    directory = path.parent if str(path.parent) else Path()
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise UsageError(f"cannot write to {directory}: {error.strerror or error}") from error
    try:
        with os.fdopen(handle, "wb") as output:
            output.write(data)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from error


@glossary.command("list")
def list_command() -> None:
    """List the glossaries: languages, entries, owner, last change, copies at providers."""
    glossaries = run(in_transaction(store.list_glossaries))
    if not glossaries:
        click.echo("No glossaries yet; import one with: workbench glossary import FILE --name NAME")
        return
    rows = [
        (
            info.name,
            f"{info.source_lang} → {info.target_lang}",
            str(info.entry_count),
            _owner(info),
            info.updated_at.strftime("%Y-%m-%d %H:%M UTC"),
            _copies(info) or "-",
        )
        for info in glossaries
    ]
    headers = ("NAME", "LANGUAGES", "ENTRIES", "OWNER", "UPDATED", "REMOTE COPIES")
    click.echo(_table(headers, rows))


@glossary.command("show")
@click.argument("name")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=SHOW_LIMIT,
    show_default=True,
    help="How many entries to show.",
)
def show_command(name: str, limit: int) -> None:
    """Show the glossary NAME and its first entries."""

    async def work(session: AsyncSession) -> tuple[GlossaryInfo, store.EntryPage]:
        info = await store.get_glossary(session, name)
        return info, await store.entries_page(session, info.id, limit=limit)

    info, page = run(in_transaction(work))
    click.echo(f"Glossary:  {info.name}")
    click.echo(f"Languages: {info.source_lang} → {info.target_lang}")
    click.echo(f"Owner:     {_owner(info)}")
    click.echo(f"Entries:   {info.entry_count}")
    click.echo(f"Checksum:  {info.checksum}")
    click.echo(f"Updated:   {info.updated_at.strftime('%Y-%m-%d %H:%M UTC')}")
    if info.description:
        click.echo(f"About:     {info.description}")
    if info.remote_copies:
        click.echo(f"Copies:    {_copies(info)}")
    if not page.entries:
        return
    rows = [
        (
            str(entry.position + 1),
            _cell(entry.source_term),
            _cell(entry.target_term),
            "yes" if entry.case_sensitive else "no",
            _cell(entry.note),
        )
        for entry in page.entries
    ]
    click.echo("")
    click.echo(_table(("#", "SOURCE", "TARGET", "CASE-SENSITIVE", "NOTE"), rows))
    if page.total > len(page.entries):
        click.echo(f"… and {page.total - len(page.entries)} more entries (--limit shows more)")


@glossary.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Delete without asking.")
def delete_command(name: str, yes: bool) -> None:
    """Delete the glossary NAME and all its entries."""
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError(f"deleting glossary {name!r} needs confirmation: add --yes")
        info = run(in_transaction(lambda session: store.get_glossary(session, name)))
        click.confirm(
            f"Delete glossary {info.name!r} and its {info.entry_count} entries?", abort=True
        )

    # Looked up in a transaction of its own: the one that deletes must start as a writer
    # (SQLite cannot turn a reading transaction into a writing one under contention).
    glossary_id = run(in_transaction(lambda session: store.get_glossary(session, name))).id

    async def delete(session: AsyncSession) -> tuple[GlossaryInfo, list[str]]:
        # Copies kept at providers (DeepL) go first: afterwards nothing would name them.
        removed = await sync.delete_all_remote_copies(session, glossary_id)
        return await store.delete_glossary(session, glossary_id, actor=Actor.cli()), removed

    deleted, removed = run(in_transaction(delete))
    copies = f", {len(removed)} copies at providers" if removed else ""
    click.echo(f"Deleted glossary {deleted.name!r} ({deleted.entry_count} entries{copies}).")


def _owner(info: GlossaryInfo) -> str:
    if info.shared:
        return "shared"
    return info.owner_email or str(info.owner_id)


def _copies(info: GlossaryInfo) -> str:
    return ", ".join(
        f"{copy.provider}{'' if copy.current else ' (stale)'}" for copy in info.remote_copies
    )


def _cell(text: str) -> str:
    """A term on one line of a table: line breaks shown as ⏎, long texts shortened."""
    text = text.replace("\r\n", "⏎").replace("\n", "⏎").replace("\t", " ")
    return text if len(text) <= CELL_WIDTH else text[: CELL_WIDTH - 1] + "…"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[index]) for row in (headers, *rows)) for index in range(len(headers))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (headers, *rows)
    ]
    return "\n".join(lines)
