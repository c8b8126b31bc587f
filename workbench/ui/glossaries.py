"""The Glossaries dashboard: the glossaries a user may see, upload, editing, export, deletion.

An upload is checked first by the glossary services' own reading and validation, which
list every problem with its line and save nothing; Save then imports the file all or
nothing (create, replace or merge). The entries of the selected glossary are shown one
page at a time (searched and paged in the database, so a 100k-entry glossary stays fast)
in an editable grid: each edited cell is saved through the store, which checks and
audits it, and a cell whose change is refused goes back to its stored value. Exports are
links to the server's download handler (:func:`export_url`).
"""

from __future__ import annotations

import asyncio
import html
import importlib
import uuid
import warnings
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import PurePath
from types import ModuleType
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from workbench.errors import InvalidInput, WorkbenchError
from workbench.glossary import store, sync
from workbench.glossary.reading import FileFormat, file_format
from workbench.glossary.rules import FALSE_WORDS, TRUE_WORDS
from workbench.glossary.store import GlossaryInfo, ImportMode, ImportResult, StoredEntry
from workbench.glossary.validation import ValidGlossary
from workbench.ui.component import Component, ask, confirm_row, first_paint, yes_button
from workbench.ui.context import Context
from workbench.ui.i18n import N_
from workbench.ui.tables import html_table, tag

if TYPE_CHECKING:  # imported with the grid, after first paint: see _entries_grid
    import pandas as pd
    from ipydatagrid import DataGrid

PAGE_SIZE = 100
SAMPLE_ROWS = 10
SYNC_PROVIDER = "deepl"  # the provider whose native copies the sync state is about
DOWNLOAD_PATH = "/workbench/download/glossary"

MODE_LABELS = {
    ImportMode.CREATE: N_("Create a new glossary"),
    ImportMode.REPLACE: N_("Replace all entries of a glossary"),
    ImportMode.MERGE: N_("Merge into a glossary (add or update terms)"),
}
# The grid's columns: header (English source text) → StoredEntry field.
GRID_COLUMNS = {
    N_("Source term"): "source_term",
    N_("Target term"): "target_term",
    N_("Case sensitive"): "case_sensitive",
    N_("Note"): "note",
}


class SyncState(StrEnum):
    SYNCED = "synced"  # a copy at the provider has the glossary's present content
    STALE = "stale"  # copies exist, all made from older content
    NOT_SYNCED = "not synced"  # no copy at the provider


SYNC_LABELS = {
    SyncState.SYNCED: N_("Synced"),
    SyncState.STALE: N_("Stale"),
    SyncState.NOT_SYNCED: N_("Not synced"),
}


def sync_state(info: GlossaryInfo, provider: str = SYNC_PROVIDER) -> SyncState:
    """Whether ``provider`` (DeepL) holds a copy of the glossary's present content."""
    copies = [copy for copy in info.remote_copies if copy.provider == provider]
    if any(copy.current for copy in copies):
        return SyncState.SYNCED
    return SyncState.STALE if copies else SyncState.NOT_SYNCED


def export_url(glossary_id: uuid.UUID | str, fmt: str) -> str:
    """Where the server sends glossary ``glossary_id`` exported as ``fmt`` (csv or xlsx)."""
    if fmt not in set(FileFormat):
        raise InvalidInput(f"cannot export to {fmt!r}: use csv or xlsx")
    try:
        key = uuid.UUID(str(glossary_id))
    except ValueError:
        raise InvalidInput(f"{glossary_id!r} is not a glossary id") from None
    return f"{DOWNLOAD_PATH}/{key}.{fmt}"


class GlossariesPage(Component):
    css_class = "wb-glossaries"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        t = self.t
        self.glossaries: dict[uuid.UUID, GlossaryInfo] = {}
        self.entries: list[StoredEntry] = []  # the page of entries in the grid
        self.offset = 0
        self.total = 0
        self.checked = False  # the current upload passed the check
        self._filling = False  # options being set by code, not chosen by the user
        self._reverting = False  # a refused cell edit being put back
        self._fields = {t._(label): field for label, field in GRID_COLUMNS.items()}

        # build: the list
        self.table = widgets.HTML()
        self.select = widgets.Dropdown(description=t._("Glossary"), options=[])
        self.select.add_class("wb-glossaries-select")
        self.details = widgets.HTML()
        self.export_csv = widgets.Button(description=t._("Export CSV"), icon="download")
        self.export_csv.add_class("wb-glossaries-export-csv-button")
        self.export_xlsx = widgets.Button(description=t._("Export XLSX"), icon="download")
        self.export_xlsx.add_class("wb-glossaries-export-xlsx-button")
        self.export_link = widgets.HTML()
        self.delete_glossary = widgets.Button(
            description=t._("Delete glossary"), button_style="danger", icon="trash"
        )
        self.delete_glossary.add_class("wb-glossaries-delete")
        self.delete_glossary_yes = yes_button(t._("Yes, delete it"), "wb-glossaries-delete-yes")
        self.delete_glossary_row, _ = confirm_row(
            self, t._("Delete this glossary and all its entries?"), self.delete_glossary_yes
        )

        # build: the entries
        self.search = widgets.Text(
            description=t._("Search"),
            placeholder=t._("Part of a source or target term"),
            continuous_update=False,
        )
        self.search.add_class("wb-glossaries-search")
        self.search_button = widgets.Button(description=t._("Search"), icon="search")
        self.grid: DataGrid | None = None  # made when a glossary first opens
        self.grid_box = widgets.Box(layout=widgets.Layout(height="24em", width="100%"))
        self.previous = widgets.Button(description=t._("Previous"), icon="arrow-left")
        self.previous.add_class("wb-glossaries-previous")
        self.next = widgets.Button(description=t._("Next"), icon="arrow-right")
        self.next.add_class("wb-glossaries-next")
        self.page_label = widgets.HTML()
        self.page_label.add_class("wb-glossaries-page")
        self.new_source = widgets.Text(description=t._("Source term"))
        self.new_source.add_class("wb-glossaries-new-source")
        self.new_target = widgets.Text(description=t._("Target term"))
        self.new_target.add_class("wb-glossaries-new-target")
        self.new_case = widgets.Checkbox(description=t._("Case sensitive"), indent=False)
        self.new_case.add_class("wb-glossaries-new-case")
        self.new_note = widgets.Text(description=t._("Note"))
        self.new_note.add_class("wb-glossaries-new-note")
        self.add = widgets.Button(description=t._("Add entry"), icon="plus")
        self.add.add_class("wb-glossaries-add")
        self.entry = widgets.Dropdown(description=t._("Entry"), options=[])
        self.entry.add_class("wb-glossaries-entry")
        self.delete_entry = widgets.Button(
            description=t._("Delete entry"), button_style="danger", icon="trash"
        )
        self.delete_entry.add_class("wb-glossaries-delete-entry")
        self.delete_entry_yes = yes_button(t._("Yes, delete it"), "wb-glossaries-delete-entry-yes")
        self.delete_entry_row, _ = confirm_row(
            self, t._("Delete this entry?"), self.delete_entry_yes
        )

        # build: the upload
        self.upload = widgets.FileUpload(
            accept=".csv,.xlsx", multiple=False, description=t._("Choose a file")
        )
        self.upload.add_class("wb-glossaries-upload")
        self.name = widgets.Combobox(
            description=t._("Name"),
            placeholder=t._("A new name, or an existing glossary"),
            ensure_option=False,
        )
        self.name.add_class("wb-glossaries-name")
        self.mode = widgets.Dropdown(
            description=t._("Mode"),
            options=[(t._(label), mode.value) for mode, label in MODE_LABELS.items()],
            value=ImportMode.CREATE.value,
        )
        self.mode.add_class("wb-glossaries-mode")
        self.source_lang = widgets.Text(
            description=t._("Source language"), placeholder=t._("e.g. en")
        )
        self.source_lang.add_class("wb-glossaries-source-lang")
        self.target_lang = widgets.Text(
            description=t._("Target language"), placeholder=t._("e.g. fr")
        )
        self.target_lang.add_class("wb-glossaries-target-lang")
        self.check = widgets.Button(description=t._("Check the file"), icon="check")
        self.check.add_class("wb-glossaries-check")
        self.save = widgets.Button(
            description=t._("Save"), button_style="primary", icon="save", disabled=True
        )
        self.save.add_class("wb-glossaries-save")
        self.preview = widgets.HTML()
        self.preview.add_class("wb-glossaries-preview")

        # layout
        wide = {"description_width": "10em"}
        for field in (self.select, self.name, self.mode, self.source_lang, self.target_lang):
            field.style = wide
        self.mode.layout.width = "34em"
        self.name.layout.width = "34em"
        self.select.layout.width = "34em"
        self.languages = widgets.HBox(
            [self.source_lang, self.target_lang], layout=widgets.Layout(display="none")
        )
        self.editor = widgets.VBox(
            [
                widgets.HTML(tag("h3", t._("Entries"))),
                widgets.HBox([self.search, self.search_button]),
                self.grid_box,
                widgets.HBox(
                    [self.previous, self.page_label, self.next],
                    layout=widgets.Layout(align_items="center"),
                ),
                widgets.HTML(tag("b", t._("New entry"))),
                widgets.HBox(
                    [self.new_source, self.new_target, self.new_case, self.new_note, self.add],
                    layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
                ),
                widgets.HBox([self.entry, self.delete_entry]),
                self.delete_entry_row,
            ]
        )
        self.selected = widgets.VBox(
            [
                self.details,
                widgets.HBox(
                    [self.export_csv, self.export_xlsx, self.export_link, self.delete_glossary],
                    layout=widgets.Layout(align_items="center", flex_flow="row wrap"),
                ),
                self.delete_glossary_row,
                self.editor,
            ],
            layout=widgets.Layout(display="none"),  # until a glossary opens
        )
        importer = widgets.VBox(
            [
                widgets.HTML(tag("h3", t._("Upload a CSV or XLSX file"))),
                widgets.HTML(
                    "<p>"
                    + html.escape(
                        t._(
                            "Columns source_term and target_term, optionally source_lang, "
                            "target_lang, case_sensitive and note. The file is checked first; "
                            "nothing is saved until you click Save."
                        )
                    )
                    + "</p>"
                ),
                self.upload,
                self.name,
                self.mode,
                self.languages,
                widgets.HBox([self.check, self.save]),
                self.preview,
            ]
        )
        self.widget = widgets.VBox(
            [
                self.status.widget,
                widgets.HTML(tag("h3", t._("Glossaries"))),
                self.table,
                self.select,
                self.selected,
                importer,
            ]
        )
        self.widget.add_class(self.css_class)

        # wire
        self.select.observe(self._on_select, names="value")
        self.export_csv.on_click(self.tasks.on_click(lambda: self._export(FileFormat.CSV)))
        self.export_xlsx.on_click(self.tasks.on_click(lambda: self._export(FileFormat.XLSX)))
        self.delete_glossary.on_click(self._ask_delete_glossary)
        self.delete_glossary_yes.on_click(self.tasks.on_click(self._delete_glossary))
        self.search.observe(self._on_search, names="value")
        self.search_button.on_click(self.tasks.on_click(self._search))
        self.previous.on_click(self._turning(-1))
        self.next.on_click(self._turning(+1))
        self.add.on_click(self.tasks.on_click(self._add_entry))
        self.delete_entry.on_click(self._ask_delete_entry)
        self.delete_entry_yes.on_click(self.tasks.on_click(self._delete_entry))
        self.upload.observe(self._on_upload, names="value")
        self.mode.observe(self._on_mode, names="value")
        self.check.on_click(self.tasks.on_click(self._check))
        self.save.on_click(self._on_save)

    async def load(self) -> None:
        await self._refresh_list()
        self.tasks.run(self._open_selected())

    async def _open_selected(self) -> None:
        # The list is the first paint; the selected glossary opens once it shows, because
        # its grid (~0.5 s to import, and a large script for the browser) would hold it back.
        await first_paint(self.table)
        await self._open(self.select.value)

    # --- the list ------------------------------------------------------------------------

    async def _refresh_list(self, select: uuid.UUID | None = None) -> None:
        """Read the glossaries again; keep (or make) ``select`` the selected one."""
        async with self.ctx.db.session() as session:
            found = await store.list_glossaries(session, viewer=self.ctx.actor)
        self.glossaries = {info.id: info for info in found}
        wanted = select if select is not None else self.select.value
        if wanted not in self.glossaries:
            wanted = found[0].id if found else None
        self._filling = True
        try:
            self.select.options = [(info.name, info.id) for info in found]
            self.select.value = wanted
        finally:
            self._filling = False
        self.name.options = [info.name for info in found]
        self.table.value = self._table_html(found)

    def _table_html(self, found: Sequence[GlossaryInfo]) -> str:
        t = self.t
        if not found:
            return (
                "<p>"
                + html.escape(t._("No glossary yet: upload a CSV or XLSX file below."))
                + "</p>"
            )
        headers = (
            t._("Name"),
            t._("Languages"),
            t._("Owner"),
            t._("Entries"),
            t._("Last change"),
            t._("DeepL"),
        )
        rows = [
            (
                info.name,
                f"{info.source_lang} → {info.target_lang}",
                t._("Shared") if info.shared else (info.owner_email or ""),
                t.number(info.entry_count),
                t.when(info.updated_at),
                t._(SYNC_LABELS[sync_state(info)]),
            )
            for info in found
        ]
        return html_table(headers, rows, css_class="wb-glossaries-table")

    def _on_select(self, change: dict[str, Any]) -> None:
        if not self._filling:
            self.tasks.run(self._open(change["new"]))

    async def _open(self, glossary_id: uuid.UUID | None) -> None:
        """Show glossary ``glossary_id`` (None: no glossary) from its first page."""
        self.export_link.value = ""
        self.delete_glossary_row.layout.display = "none"
        self.delete_entry_row.layout.display = "none"
        info = self.glossaries.get(glossary_id) if glossary_id is not None else None
        if info is None:
            self.selected.layout.display = "none"
            self.details.value = ""
            self._show_entries([], 0, 0)
            return
        grid = await self._entries_grid()
        self.selected.layout.display = "flex"
        self._show_details(info)
        editable = self._can_edit(info)
        grid.editable = editable
        for control in (self.add, self.delete_entry, self.delete_glossary):
            control.disabled = not editable
        self._filling = True
        try:
            self.search.value = ""
        finally:
            self._filling = False
        await self._load_page(0)

    def _show_details(self, info: GlossaryInfo) -> None:
        t = self.t
        owner = t._("Shared") if info.shared else (info.owner_email or "")
        lines = [
            f"<b>{html.escape(info.name)}</b> · {html.escape(info.source_lang)} → "
            f"{html.escape(info.target_lang)} · {html.escape(owner)}",
            html.escape(
                t._(
                    "Entries: {count} · last change: {when} · DeepL: {state}",
                    count=t.number(info.entry_count),
                    when=t.when(info.updated_at),
                    state=t._(SYNC_LABELS[sync_state(info)]),
                )
            ),
        ]
        if info.description:
            lines.append(f"<i>{html.escape(info.description)}</i>")
        if not self._can_edit(info):
            lines.append(html.escape(t._("You can read this glossary but not change it.")))
        self.details.value = '<div class="wb-glossaries-details">' + "<br>".join(lines) + "</div>"

    def _can_edit(self, info: GlossaryInfo) -> bool:
        # The store decides (and refuses); this only keeps controls that would fail disabled.
        return self.ctx.is_admin or info.owner_id == self.ctx.user.id

    def _current(self) -> GlossaryInfo:
        info = self.glossaries.get(self.select.value) if self.select.value is not None else None
        if info is None:
            raise InvalidInput(self.t._("Choose a glossary first."))
        return info

    async def _export(self, fmt: FileFormat) -> None:
        info = self._current()
        css = f"wb-glossaries-export-{fmt.value}"
        text = (
            self.t._("Download the CSV file")
            if fmt is FileFormat.CSV
            else self.t._("Download the XLSX file")
        )
        url = html.escape(export_url(info.id, fmt.value))
        self.export_link.value = f'<a href="{url}" download class="{css}">{html.escape(text)}</a>'

    def _ask_delete_glossary(self, _button: widgets.Button) -> None:
        info = self.glossaries.get(self.select.value) if self.select.value is not None else None
        if info is None:
            return
        question = self.t._(
            "Delete the glossary {name} and all its entries ({count})?",
            name=info.name,
            count=self.t.number(info.entry_count),
        )
        ask(self.delete_glossary_row, question)

    async def _delete_glossary(self) -> None:
        info = self._current()
        async with self.ctx.db.session() as session:
            if self._can_edit(info):
                # Copies kept at providers (DeepL) go first: afterwards nothing names them.
                await sync.delete_all_remote_copies(session, info.id, self.ctx.settings)
            deleted = await store.delete_glossary(session, info.id, actor=self.ctx.actor)
            await session.commit()
        self.status.ok(self.t._("Deleted the glossary {name}.", name=deleted.name))
        await self._refresh_list()
        await self._open(self.select.value)

    # --- the entries ---------------------------------------------------------------------

    async def _entries_grid(self) -> DataGrid:
        """The grid of entries, made the first time a glossary opens.

        ipydatagrid, and the pandas it needs, take ~0.5 s to import: a worker thread does it,
        so the page is not held back (as the home page draws its charts).
        """
        if self.grid is not None:
            return self.grid
        ipydatagrid = await asyncio.to_thread(_import_ipydatagrid)
        if self.grid is None:  # another glossary may have opened during the import
            self.grid = ipydatagrid.DataGrid(
                self._frame([]),
                editable=True,
                selection_mode="cell",
                auto_fit_columns=True,
                layout=widgets.Layout(height="24em", width="100%"),
            )
            self.grid.add_class("wb-glossaries-grid")
            self.grid.on_cell_change(self._on_cell_change)
            self.grid.observe(self._on_grid_selection, names="selections")
            self.grid_box.children = (self.grid,)
        return self.grid

    def _frame(self, entries: Sequence[StoredEntry], offset: int = 0) -> pd.DataFrame:
        import pandas as pd

        columns = {
            self.t._(label): [getattr(entry, field) for entry in entries]
            for label, field in GRID_COLUMNS.items()
        }
        frame = pd.DataFrame(columns, index=pd.RangeIndex(offset + 1, offset + 1 + len(entries)))
        frame.index.name = "#"
        flag = self.t._("Case sensitive")
        frame[flag] = frame[flag].astype(bool)
        for label, field in GRID_COLUMNS.items():
            if field != "case_sensitive":
                frame[self.t._(label)] = frame[self.t._(label)].astype(str)
        return frame

    async def _load_page(self, offset: int) -> None:
        info = self._current()
        async with self.ctx.db.session() as session:
            page = await store.entries_page(
                session,
                info.id,
                offset=max(offset, 0),
                limit=PAGE_SIZE,
                search=self.search.value.strip() or None,
                viewer=self.ctx.actor,
            )
        if page.offset and page.offset >= page.total:  # past the end after a deletion
            await self._load_page(_last_page(page.total))
            return
        self._show_entries(list(page.entries), page.offset, page.total)

    def _show_entries(self, entries: list[StoredEntry], offset: int, total: int) -> None:
        t = self.t
        self.entries, self.offset, self.total = entries, offset, total
        if self.grid is not None:  # none until a glossary opens
            self.grid.data = self._frame(entries, offset)
        pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        self.page_label.value = html.escape(
            t._(
                "Page {page} of {pages}",
                page=t.number(offset // PAGE_SIZE + 1),
                pages=t.number(pages),
            )
            + " · "
            + t._("Entries: {count}", count=t.number(total))
        )
        self._update_paging()
        self._filling = True
        try:
            self.entry.options = [
                (f"{entry.source_term} → {entry.target_term}", entry.id) for entry in entries
            ]
            self.entry.value = entries[0].id if entries else None
        finally:
            self._filling = False

    def _update_paging(self) -> None:
        self.previous.disabled = self.offset <= 0
        self.next.disabled = self.offset + PAGE_SIZE >= self.total

    def _turning(self, step: int) -> Callable[[widgets.Button], None]:
        def clicked(_button: widgets.Button) -> None:
            self.previous.disabled = self.next.disabled = True
            self.tasks.run(self._turn(step))

        return clicked

    async def _turn(self, step: int) -> None:
        try:
            await self._load_page(self.offset + step * PAGE_SIZE)
        finally:
            self._update_paging()

    def _on_search(self, _change: dict[str, Any]) -> None:
        if not self._filling:
            self.tasks.run(self._search())

    async def _search(self) -> None:
        if self.select.value is not None:
            await self._load_page(0)

    def _on_cell_change(self, change: dict[str, Any]) -> None:
        """What the grid calls for an edited cell: save it (as a task) unless it is a revert."""
        if not self._reverting:
            self.tasks.run(self._save_cell(change))

    async def _save_cell(self, change: dict[str, Any]) -> None:
        t = self.t
        shown = self.entries
        row, column = int(change["row"]), str(change["column"])
        field = self._fields.get(column)
        if field is None or not 0 <= row < len(shown):
            return
        entry = shown[row]
        old = getattr(entry, field)
        try:
            value = _cell_value(field, change["value"], t._("Case sensitive is true or false."))
            changed: dict[str, Any] = {field: value}
            async with self.ctx.db.session() as session:
                stored = await store.update_entry(
                    session, entry.id, **changed, actor=self.ctx.actor
                )
                await session.commit()
        except WorkbenchError as error:
            if shown is self.entries:
                self._set_cell(row, column, old)
            self.status.error(t._("The change was not saved: {reason}", reason=str(error)))
            return
        if shown is self.entries:
            shown[row] = stored
            if getattr(stored, field) != value:  # the store cleaned it (spaces, line breaks)
                self._set_cell(row, column, getattr(stored, field))
        self.status.ok(
            t._("Saved: {source} → {target}.", source=stored.source_term, target=stored.target_term)
        )
        await self._refresh_current()

    def _set_cell(self, row: int, column: str, value: object) -> None:
        if self.grid is None:  # cannot be: only an edit in the grid leads here
            return
        self._reverting = True
        try:
            self.grid.set_cell_value_by_index(column, row, value)
        finally:
            self._reverting = False

    async def _refresh_current(self) -> None:
        """Read the list again after an entry changed (count, checksum, sync state)."""
        await self._refresh_list()
        info = self.glossaries.get(self.select.value) if self.select.value is not None else None
        if info is not None:
            self._show_details(info)

    def _on_grid_selection(self, change: dict[str, Any]) -> None:
        selections = change["new"]
        if selections:
            row = int(selections[-1].get("r1", -1))
            if 0 <= row < len(self.entries):
                self.entry.value = self.entries[row].id

    async def _add_entry(self) -> None:
        info = self._current()
        async with self.ctx.db.session() as session:
            stored = await store.add_entry(
                session,
                info.id,
                store.Entry(
                    source_term=self.new_source.value,
                    target_term=self.new_target.value,
                    case_sensitive=self.new_case.value,
                    note=self.new_note.value,
                ),
                actor=self.ctx.actor,
            )
            await session.commit()
        for field in (self.new_source, self.new_target, self.new_note):
            field.value = ""
        self.new_case.value = False
        self.status.ok(
            self.t._(
                "Added {source} → {target}.", source=stored.source_term, target=stored.target_term
            )
        )
        await self._refresh_current()
        # The new entry is last in glossary order: show the page it is on.
        searching = bool(self.search.value.strip())
        await self._load_page(0 if searching else _last_page(self._current().entry_count))

    def _ask_delete_entry(self, _button: widgets.Button) -> None:
        entry = self._chosen_entry()
        if entry is None:
            return
        question = self.t._(
            "Delete the entry {source} → {target}?",
            source=entry.source_term,
            target=entry.target_term,
        )
        ask(self.delete_entry_row, question)

    def _chosen_entry(self) -> StoredEntry | None:
        return next((entry for entry in self.entries if entry.id == self.entry.value), None)

    async def _delete_entry(self) -> None:
        entry = self._chosen_entry()
        if entry is None:
            raise InvalidInput(self.t._("Choose an entry first."))
        async with self.ctx.db.session() as session:
            await store.delete_entry(session, entry.id, actor=self.ctx.actor)
            await session.commit()
        self.status.ok(
            self.t._(
                "Deleted {source} → {target}.", source=entry.source_term, target=entry.target_term
            )
        )
        await self._refresh_current()
        await self._load_page(self.offset)

    # --- the upload ----------------------------------------------------------------------

    def _uploaded(self) -> tuple[bytes, str]:
        if not self.upload.value:
            raise InvalidInput(self.t._("Choose a CSV or XLSX file first."))
        upload = self.upload.value[0]
        return bytes(upload["content"]), str(upload["name"])

    def _on_upload(self, change: dict[str, Any]) -> None:
        self.checked = False
        self.save.disabled = True
        self.preview.value = ""
        if change["new"] and not self.name.value.strip():
            self.name.value = PurePath(str(change["new"][0]["name"])).stem

    def _on_mode(self, change: dict[str, Any]) -> None:
        # Replace and merge change an existing glossary: the selected one unless one is named.
        names = {info.name for info in self.glossaries.values()}
        chosen = self.glossaries.get(self.select.value) if self.select.value is not None else None
        replacing = change["new"] != ImportMode.CREATE.value
        if replacing and chosen is not None and self.name.value.strip() not in names:
            self.name.value = chosen.name

    async def _check(self) -> None:
        t = self.t
        data, filename = self._uploaded()
        self.checked = False
        self.save.disabled = True
        try:
            valid = await asyncio.to_thread(
                store.check_file, data, filename, self.source_lang.value, self.target_lang.value
            )
        except InvalidInput as error:
            self.preview.value = self._problems_html(error)
            self.status.error(t._("The file has problems; nothing was saved."))
            return
        self.checked = True
        self.save.disabled = False
        lacks_languages = valid.source_lang is None or valid.target_lang is None
        if lacks_languages or self.source_lang.value or self.target_lang.value:
            self.languages.layout.display = "flex"
        self.preview.value = self._sample_html(valid, filename, lacks_languages)
        self.status.ok(
            t._(
                "The file is valid (entries: {count}). Nothing is saved until you click Save.",
                count=t.number(len(valid)),
            )
        )

    def _problems_html(self, error: InvalidInput) -> str:
        intro = self.t._("The file was not saved. Fix these problems and check it again:")
        items = "".join(f"<li>{html.escape(line)}</li>" for line in error.problems or [str(error)])
        return (
            f'<div role="alert"><p>{html.escape(intro)}</p>'
            f'<ul class="wb-glossaries-problems">{items}</ul></div>'
        )

    def _sample_html(self, valid: ValidGlossary, filename: str, lacks_languages: bool) -> str:
        t = self.t
        unknown = t._("not in the file")
        pair = f"{valid.source_lang or unknown} → {valid.target_lang or unknown}"
        notes = [t._("Valid entries: {count} ({pair}).", count=t.number(len(valid)), pair=pair)]
        if valid.collapsed:
            notes.append(
                t._(
                    "Identical repeated rows are kept once: {count}.",
                    count=t.number(valid.collapsed),
                )
            )
        if lacks_languages:
            notes.append(
                t._(
                    "The file has no language columns: for a new glossary, give the source "
                    "and target languages."
                )
            )
        unit = t._("Line") if file_format(filename) is FileFormat.CSV else t._("Row")
        headers = (unit, *(t._(label) for label in GRID_COLUMNS))
        sample = valid.entries.head(SAMPLE_ROWS)
        rows = [
            (
                str(int(valid.places[index])),
                source,
                target,
                t._("Yes") if flag else t._("No"),
                note,
            )
            for index, (source, target, flag, note) in enumerate(
                sample.itertuples(index=False, name=None)
            )
        ]
        caption = t._("The first entries:")
        return (
            "".join(f"<p>{html.escape(note)}</p>" for note in notes)
            + f"<p>{html.escape(caption)}</p>"
            + html_table(headers, rows, css_class="wb-glossaries-sample")
        )

    def _on_save(self, _button: widgets.Button) -> None:
        # Not the usual guard's busy handling: Save must stay disabled after it succeeded.
        self.save.disabled = True
        self.tasks.run(self._save(), busy=[self.check])

    async def _save(self) -> None:
        t = self.t
        saved = False
        try:
            data, filename = self._uploaded()
            if not self.checked:
                raise InvalidInput(t._("Check the file before saving it."))
            mode = ImportMode(self.mode.value)
            source = self.source_lang.value.strip() or None
            target = self.target_lang.value.strip() or None
            async with self.ctx.db.session() as session:
                try:
                    result = await store.import_file(
                        session,
                        data,
                        filename,
                        name=self.name.value,
                        mode=mode,
                        source_lang=source,
                        target_lang=target,
                        actor=self.ctx.actor,
                    )
                except InvalidInput as error:
                    if error.problems:
                        self.preview.value = self._problems_html(error)
                    raise
                await session.commit()
            saved = True
        finally:
            self.save.disabled = saved or not self.checked
        self.checked = False
        self.status.ok(self._import_summary(result))
        self.preview.value = ""
        await self._refresh_list(select=result.glossary.id)
        await self._open(result.glossary.id)

    def _import_summary(self, result: ImportResult) -> str:
        t = self.t
        info = result.glossary
        if result.mode is ImportMode.CREATE:
            return t._(
                "Saved the new glossary {name} (entries: {count}).",
                count=t.number(result.imported),
                name=info.name,
            )
        if result.mode is ImportMode.REPLACE:
            return t._(
                "Replaced the entries of {name}: {added} added, {updated} changed, "
                "{unchanged} unchanged, {removed} removed.",
                name=info.name,
                added=t.number(result.added),
                updated=t.number(result.updated),
                unchanged=t.number(result.unchanged),
                removed=t.number(result.removed),
            )
        return t._(
            "Merged into {name}: {added} added, {updated} changed, {unchanged} unchanged.",
            name=info.name,
            added=t.number(result.added),
            updated=t.number(result.updated),
            unchanged=t.number(result.unchanged),
        )


def _import_ipydatagrid() -> ModuleType:
    with warnings.catch_warnings():
        # bqscales, which ipydatagrid imports, declares a trait the way traitlets deprecated:
        # a warning about that package's code at import time, nothing our code can change.
        warnings.filterwarnings(
            "ignore", "metadata .* was set from the constructor", DeprecationWarning
        )
        return importlib.import_module("ipydatagrid")


def _cell_value(field: str, value: object, flag_error: str) -> str | bool:
    """A grid cell's new value as the store takes it."""
    if field != "case_sensitive":
        return "" if value is None else str(value)
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise InvalidInput(flag_error)
    return word in TRUE_WORDS


def _last_page(total: int) -> int:
    return max((total - 1) // PAGE_SIZE, 0) * PAGE_SIZE
