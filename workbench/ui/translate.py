"""The Translate dashboard: files or pasted text through a provider, as a worker job.

Uploads are saved under ``<data dir>/uploads/<user id>/<random>/<safe name>`` so the
``workbench worker`` process can read them; each run writes its outputs under
``<data dir>/outputs/<user id>/<random>/``. The estimate is the engine's own
(:meth:`Engine.estimate`); a run is :meth:`Engine.submit` (a queued job row), so closing
the tab never stops it. The page then polls the job row for its progress, offers
cancelling, and links the outputs and the glossary QA report, which the server serves
at :func:`output_url` and :func:`qa_url`. The history lists the user's jobs with their
downloads and resumes failed or cancelled ones. The comparison of providers on a
sample lives in :mod:`workbench.ui.compare`.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import ipywidgets as widgets

from workbench.accounts.quotas import Allowance, check_provider_allowed
from workbench.accounts.subscriptions import current_subscription
from workbench.batch import jobs, uploads
from workbench.batch.engine import Engine, Estimate
from workbench.batch.formats import FORMATS
from workbench.batch.formats.base import FormatOptions
from workbench.batch.formats.csvfile import Csv
from workbench.batch.formats.csvfile import column_names as csv_columns
from workbench.batch.formats.xlsx import Xlsx
from workbench.batch.formats.xlsx import column_names as xlsx_columns
from workbench.batch.jobs import JobInput, JobSpec, Reading
from workbench.batch.paths import confine, file_inputs, write_atomically
from workbench.batch.uploads import safe_filename
from workbench.db.models import JobStatus, TranslationJob
from workbench.errors import AccessRevoked, InvalidInput, PermissionDenied
from workbench.glossary.store import GlossaryInfo, list_glossaries
from workbench.limits import InputLimits
from workbench.preferences import Preferences
from workbench.preferences import load as load_preferences
from workbench.providers.languages import primary_subtag
from workbench.ui.compare import (
    COMPARE_ORIGIN,
    ComparePanel,
    Pair,
    ProviderChoices,
    closest_code,
    language_options,
    load_catalog,
    model_options,
    provider_choices,
    unconfigured_note,
)
from workbench.ui.component import Component, confirm_row, yes_button
from workbench.ui.context import Context
from workbench.ui.i18n import N_
from workbench.ui.labels import provider_label
from workbench.ui.tables import Head, Raw, html_table, tag

# The page reads its job's row this often: a bar that moves every quarter second feels
# live, and a job a worker has just started shows at once. One read is one row by key.
POLL_SECONDS = 0.25
HISTORY_PAGE = 20
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
PASTED_NAME = "pasted-text.txt"
DEFAULT_TARGET = "fr"
TABULAR = tuple(Csv.extensions + Xlsx.extensions)
UPLOAD_ACCEPT = ",".join(sorted(FORMATS))

STATUS_LABELS: dict[JobStatus, str] = {
    JobStatus.QUEUED: N_("Queued"),
    JobStatus.RUNNING: N_("Running"),
    JobStatus.COMPLETED: N_("Completed"),
    JobStatus.FAILED: N_("Failed"),
    JobStatus.CANCELLED: N_("Cancelled"),
}


def output_url(job_id: uuid.UUID | str, index: int) -> str:
    """Where the server serves the job's ``index``-th output (an index into ``job.outputs``)."""
    return f"/workbench/download/job/{job_id}/{int(index)}"


def qa_url(job_id: uuid.UUID | str) -> str:
    """Where the server serves the job's glossary QA report, as CSV."""
    return f"/workbench/download/job/{job_id}/qa"


def table_columns(name: str, data: bytes, limits: InputLimits) -> list[str]:
    """The column headers a CSV or XLSX file offers (every sheet's, for a workbook), each
    header found below any title rows as the format finds it."""
    reader = xlsx_columns if PurePosixPath(name).suffix.lower() in Xlsx.extensions else csv_columns
    try:
        return reader(data, FormatOptions(limits=limits))
    except InvalidInput as refusal:
        raise InvalidInput(f"{name}: {refusal}") from refusal


def column_specs(sources: tuple[str, ...], target: str) -> tuple[str, ...]:
    """The format's column options: each source in place, or ``SRC:DEST`` into ``target``."""
    target = target.strip()
    return tuple(f"{source}:{target}" if target else source for source in sources)


@dataclass
class Upload:
    """A file the user uploaded, saved where workers read it."""

    path: Path
    columns: widgets.SelectMultiple | None  # which columns to translate (CSV, XLSX)
    widget: widgets.Widget
    # The column the translation goes into (created when missing); empty: in place.
    target: widgets.Combobox | None = None

    @property
    def name(self) -> str:
        return self.path.name


class TranslatePage(Component):
    css_class = "wb-translate"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        t = self.t
        self.choices: ProviderChoices | None = None
        self.preferences = Preferences()
        self.glossaries: list[GlossaryInfo] = []
        self.uploads: list[Upload] = []
        self.job_id: uuid.UUID | None = None  # the job whose progress is shown
        self._pasted: tuple[str, Path] | None = None
        self._listing = 0
        self._follower: asyncio.Task[Any] | None = None
        self._history_limit = HISTORY_PAGE
        # build: input
        self.upload = widgets.FileUpload(
            accept=UPLOAD_ACCEPT,
            multiple=True,
            description=t._("Upload files"),
            layout=widgets.Layout(width="auto"),
        )
        self.upload.add_class("wb-translate-upload")
        self.files_box = widgets.VBox()
        self.files_box.add_class("wb-translate-files")
        self.clear_files = widgets.Button(description=t._("Remove the files"), icon="trash")
        self.clear_files.add_class("wb-translate-clear-files")
        self.text = widgets.Textarea(
            description=t._("Text"),
            placeholder=t._(
                "…or paste text here. Each paragraph is one segment: separate them "
                "with a blank line."
            ),
            layout=widgets.Layout(width="100%", height="8em"),
        )
        self.text.add_class("wb-translate-text")
        # build: choices
        self.provider = widgets.Dropdown(description=t._("Provider"))
        self.provider.add_class("wb-translate-provider")
        self.provider_note = widgets.HTML()
        self.provider_note.add_class("wb-translate-provider-note")
        self.model = widgets.Dropdown(description=t._("Model"), disabled=True)
        self.model.add_class("wb-translate-model")
        self.model_note = widgets.HTML()
        self.source = widgets.Dropdown(
            description=t._("Source language"),
            options=[(t._("Detect automatically"), "")],
            value="",
        )
        self.source.add_class("wb-translate-source")
        self.target = widgets.Dropdown(description=t._("Target language"))
        self.target.add_class("wb-translate-target")
        self.glossary = widgets.Dropdown(
            description=t._("Glossary"), options=[(t._("No glossary"), None)], value=None
        )
        self.glossary.add_class("wb-translate-glossary")
        # build: estimate and run
        self.estimate_button = widgets.Button(description=t._("Estimate"), icon="calculator")
        self.estimate_button.add_class("wb-translate-estimate")
        self.estimate_box = widgets.HTML()
        self.estimate_box.add_class("wb-translate-estimate-box")
        self.run_button = widgets.Button(
            description=t._("Translate"), button_style="primary", icon="play"
        )
        self.run_button.add_class("wb-translate-run")
        # build: progress of the current job
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description=t._("Progress"))
        self.progress.add_class("wb-translate-progress")
        self.progress_label = widgets.HTML()
        self.progress_label.add_class("wb-translate-progress-label")
        self.cancel_button = widgets.Button(
            description=t._("Cancel the job"), button_style="warning", icon="stop"
        )
        self.cancel_button.add_class("wb-translate-cancel")
        self.confirm_cancel = yes_button(t._("Yes, cancel it"), "wb-translate-cancel-yes")
        self.cancel_row, _keep = confirm_row(
            self,
            t._("Cancel this job? What is translated so far is kept."),
            self.confirm_cancel,
        )
        self.downloads = widgets.HTML()
        self.downloads.add_class("wb-translate-downloads")
        # build: history
        self.history = widgets.HTML()
        self.history.add_class("wb-translate-history")
        self.refresh_button = widgets.Button(description=t._("Refresh"), icon="refresh")
        self.more_button = widgets.Button(description=t._("Show more"))
        self.resume_choice = widgets.Dropdown(description=t._("Job"), options=[])
        self.resume_choice.add_class("wb-translate-resume-job")
        self.resume_button = widgets.Button(description=t._("Resume"), icon="repeat")
        self.resume_button.add_class("wb-translate-resume")
        self.compare = ComparePanel(
            ctx, self.status, self.tasks, self.pair, after=self.refresh_history
        )
        # layout
        for control in (self.provider, self.model, self.source, self.target, self.glossary):
            control.style = {"description_width": "9em"}
            control.layout = widgets.Layout(width="32em")

        self.progress_box = widgets.VBox(
            [
                widgets.HTML(tag("h3", t._("Current job"))),
                widgets.HBox([self.progress, self.progress_label]),
                widgets.HBox([self.cancel_button]),
                self.cancel_row,
                self.downloads,
            ],
            layout=widgets.Layout(display="none"),
        )
        self.resume_row = widgets.HBox([self.resume_choice, self.resume_button])
        self.widget = widgets.VBox(
            [
                self.status.widget,
                widgets.HTML(tag("h3", t._("What to translate"))),
                widgets.HBox([self.upload, self.clear_files]),
                self.files_box,
                self.text,
                widgets.HTML(tag("h3", t._("How"))),
                widgets.HBox([self.provider, self.provider_note]),
                widgets.HBox([self.model, self.model_note]),
                widgets.HBox([self.source, self.target]),
                self.glossary,
                widgets.HBox([self.estimate_button, self.run_button]),
                self.estimate_box,
                self.progress_box,
                widgets.HTML(tag("h3", t._("Your jobs"))),
                self.history,
                widgets.HBox([self.refresh_button, self.more_button]),
                self.resume_row,
                self.compare.widget,
            ]
        )
        self.widget.add_class(self.css_class)
        # wire
        self.upload.observe(self.tasks.on_change(self._uploaded), names="value")
        self.clear_files.on_click(lambda _button: self._clear_files())
        self.source.observe(lambda _change: self._offer_glossaries(), names="value")
        self.target.observe(lambda _change: self._offer_glossaries(), names="value")
        self.estimate_button.on_click(self.tasks.on_click(self._estimate))
        self.run_button.on_click(self.tasks.on_click(self._run))
        self.cancel_button.on_click(self._ask_cancel)
        self.confirm_cancel.on_click(self.tasks.on_click(self._cancel))
        self.refresh_button.on_click(self.tasks.on_click(self.refresh_history))
        self.more_button.on_click(self.tasks.on_click(self._more_history))
        self.resume_button.on_click(self.tasks.on_click(self._resume))

    async def load(self) -> None:
        async with self.ctx.db.session() as session:
            self.preferences = await load_preferences(session)
            self.choices = await provider_choices(
                session, self.ctx.settings, self.ctx.user.id, self.preferences
            )
            self.glossaries = await list_glossaries(session, viewer=self.ctx.actor)
        choices = self.choices
        self.provider.options = [(provider_label(self.t, name), name) for name in choices.names]
        default = choices.default()
        self.provider.value = default
        self.provider_note.value = unconfigured_note(self.t, choices)
        if default is None:
            self.status.error(
                self.t._("Your plan includes no provider this server can use; ask an admin.")
            )
            self.run_button.disabled = self.estimate_button.disabled = True
        # Wired only now: filling the options above is not the user choosing.
        self.provider.observe(self.tasks.on_change(self._choose_provider), names="value")
        if default is not None:
            self.tasks.run(self._choose_provider(default))
        self.compare.offer(choices)
        await self.refresh_history()
        async with self.ctx.db.session() as session:
            active = await jobs.list_jobs(
                session, user_id=self.ctx.user.id, status=JobStatus.RUNNING, limit=1
            ) or await jobs.list_jobs(
                session, user_id=self.ctx.user.id, status=JobStatus.QUEUED, limit=1
            )
        if active:
            self.follow(active[0].id)

    def pair(self) -> Pair:
        """The languages and glossary chosen, for the comparison."""
        return Pair(self.source.value or "", self.target.value or "", self.glossary.value)

    # --- choices -------------------------------------------------------------------------

    async def _choose_provider(self, name: str | None) -> None:
        """List the provider's models and languages live, keeping the user's choices."""
        if not name:
            return
        self._listing += 1
        ticket = self._listing
        self.model.disabled = True
        self.model_note.value = html.escape(self.t._("Listing the models…"))
        catalog = await load_catalog(name, self.ctx.settings)
        if ticket != self._listing:  # another provider was chosen meanwhile
            return
        prefs = self.preferences
        preferred = prefs.default_model if name == prefs.default_provider else ""
        options, value = model_options(self.t, catalog, preferred)
        self.model.options = options
        self.model.value = value
        self.model.disabled = len(options) < 2
        self.model_note.value = (
            "<small>"
            + html.escape(self.t._("Could not list the models: {error}", error=catalog.problem))
            + "</small>"
            if catalog.problem
            else ""
        )
        source, target = self.source.value, self.target.value
        sources = language_options(self.t, catalog.sources)
        targets = language_options(self.t, catalog.targets)
        self.source.options = [(self.t._("Detect automatically"), ""), *sources]
        self.source.value = closest_code(source, [code for _label, code in sources]) or ""
        target_codes = [code for _label, code in targets]
        self.target.options = targets
        self.target.value = (
            closest_code(target or DEFAULT_TARGET, target_codes)
            or closest_code(DEFAULT_TARGET, target_codes)
            or (target_codes[0] if target_codes else None)
        )
        self._offer_glossaries()

    def _offer_glossaries(self) -> None:
        """Only the glossaries for the chosen pair (any source when it is detected)."""
        source, target = self.source.value or "", self.target.value or ""
        matching = [
            glossary
            for glossary in self.glossaries
            if target
            and primary_subtag(glossary.target_lang) == primary_subtag(target)
            and (not source or primary_subtag(glossary.source_lang) == primary_subtag(source))
        ]
        current = self.glossary.value
        self.glossary.options = [
            (self.t._("No glossary"), None),
            *(
                (
                    self.t._(
                        "{name} ({source} → {target}, {count} terms)",
                        name=glossary.name,
                        source=glossary.source_lang,
                        target=glossary.target_lang,
                        count=self.t.number(glossary.entry_count),
                    ),
                    glossary.id,
                )
                for glossary in matching
            ),
        ]
        ids = [glossary.id for glossary in matching]
        self.glossary.value = current if current in ids else None

    # --- input ---------------------------------------------------------------------------

    async def _uploaded(self, files: tuple[dict[str, Any], ...]) -> None:
        if not files:
            return
        try:
            for item in files:
                await self._add_upload(str(item["name"]), bytes(item["content"]))
        finally:
            self.upload.value = ()

    async def _add_upload(self, name: str, data: bytes) -> None:
        t = self.t
        safe = safe_filename(name)
        suffix = PurePosixPath(safe).suffix.lower()
        if suffix not in FORMATS:
            raise InvalidInput(
                t._(
                    "{file}: this type of file cannot be translated. Supported: {types}.",
                    file=name,
                    types=", ".join(sorted(FORMATS)),
                )
            )
        if len(data) > MAX_UPLOAD_BYTES:
            raise InvalidInput(
                t._(
                    "{file} is too large; the limit is {size} MB.",
                    file=name,
                    size=t.number(MAX_UPLOAD_BYTES // (1024 * 1024)),
                )
            )
        columns = (
            await asyncio.to_thread(table_columns, safe, data, InputLimits.of(self.ctx.settings))
            if suffix in TABULAR
            else None
        )
        path = await asyncio.to_thread(self._save, safe, data)
        chooser = target = None
        parts: list[widgets.Widget] = [
            widgets.HTML(
                f"<b>{html.escape(path.name)}</b> <small>({html.escape(self._size(len(data)))})"
                "</small>"
            )
        ]
        if columns is not None:
            chooser = widgets.SelectMultiple(
                options=columns,
                value=columns[:1] if len(columns) == 1 else (),
                description=t._("Columns"),
                rows=min(6, max(2, len(columns))),
            )
            chooser.add_class("wb-translate-columns")
            target = widgets.Combobox(
                options=columns,
                placeholder=t._("the same column"),
                description=t._("Into column"),
                ensure_option=False,
            )
            target.add_class("wb-translate-target-column")
            parts += [chooser, target]
        self.uploads.append(Upload(path, chooser, widgets.HBox(parts), target))
        self.files_box.children = tuple(upload.widget for upload in self.uploads)
        self.status.ok(t._("{file} is ready to translate.", file=path.name))

    def _save(self, name: str, data: bytes) -> Path:
        root = uploads.user_folder(self.ctx.settings, self.ctx.user.id)
        path = confine(root / secrets.token_hex(8) / name, [root])
        write_atomically(path, data)
        return path

    def _size(self, size: int) -> str:
        if size < 1024 * 1024:
            return self.t._("{size} KB", size=self.t.number(max(1, round(size / 1024))))
        return self.t._("{size} MB", size=self.t.number(size / (1024 * 1024), 1))

    def _clear_files(self) -> None:
        self.uploads = []
        self.files_box.children = ()

    def _pasted_file(self, text: str) -> Path:
        """The pasted text as a plain-text input (saved again only when it changed)."""
        if self._pasted is None or self._pasted[0] != text:
            self._pasted = (text, self._save(PASTED_NAME, text.encode("utf-8")))
        return self._pasted[1]

    def _inputs(self, target: str) -> list[JobInput]:
        """Job inputs for the uploads and the pasted text, outputs in a fresh folder."""
        t = self.t
        text = self.text.value
        if not self.uploads and not text.strip():
            raise InvalidInput(t._("Upload a file or paste some text first."))
        for upload in self.uploads:
            if upload.columns is not None and not upload.columns.value:
                raise InvalidInput(
                    t._("Choose the column(s) to translate in {file}.", file=upload.name)
                )
            into = upload.target.value.strip() if upload.target is not None else ""
            if into and upload.columns is not None and len(upload.columns.value) > 1:
                raise InvalidInput(
                    t._(
                        "Choose one column to fill {column} from in {file}.",
                        column=into,
                        file=upload.name,
                    )
                )
        data_dir = self.ctx.settings.data_dir
        out_dir = data_dir / "outputs" / str(self.ctx.user.id) / secrets.token_hex(8)
        items: list[JobInput] = []
        for upload in self.uploads:
            columns = (
                column_specs(
                    tuple(upload.columns.value),
                    upload.target.value if upload.target is not None else "",
                )
                if upload.columns is not None
                else ()
            )
            items += file_inputs(
                [upload.path],
                target,
                data_dir=data_dir,
                out_dir=out_dir,
                reading=Reading(columns=columns),
            )
        if text.strip():
            items += file_inputs(
                [self._pasted_file(text)], target, data_dir=data_dir, out_dir=out_dir
            )
        return items

    async def _spec(self) -> JobSpec:
        t = self.t
        provider, target = self.provider.value, self.target.value
        if not provider:
            raise InvalidInput(t._("Choose a provider."))
        if not target:
            raise InvalidInput(t._("Choose the language to translate into."))
        async with self.ctx.db.session() as session:
            # The tier as it is now: an admin may have changed it since the page opened.
            tier = (await current_subscription(session, self.ctx.user.id)).tier
        check_provider_allowed(tier, provider)
        inputs = await asyncio.to_thread(self._inputs, target)
        return JobSpec(
            provider=provider,
            target_lang=target,
            source_lang=self.source.value or "",
            model=self.model.value or "",
            user_id=self.ctx.user.id,
            glossary_id=self.glossary.value,
            inputs=tuple(inputs),
        )

    # --- estimate and run ------------------------------------------------------------------

    async def _estimate(self) -> None:
        spec = await self._spec()
        async with Engine(self.ctx.db, self.ctx.settings) as engine:
            estimate = await engine.estimate(spec)
        self.estimate_box.value = self._estimate_html(estimate)
        self.status.ok(self.t._("Estimate ready."))

    def _estimate_html(self, estimate: Estimate) -> str:
        t = self.t
        rows = [
            ("segments", t._("Segments to translate"), t.number(estimate.segments)),
            ("characters", t._("Characters"), t.number(estimate.characters)),
            ("from_memory", t._("From translation memory"), t.number(estimate.from_memory)),
            (
                "billed_characters",
                t._("Characters to bill"),
                t.number(estimate.billed_characters),
            ),
            ("cost", t._("Estimated cost"), t.money(estimate.cost, estimate.currency)),
        ]
        warnings = []
        allowance = estimate.allowance
        if allowance is not None:
            rows += [
                (
                    "translations_left",
                    t._("Translations left today"),
                    self._left(allowance.translations_left, allowance.translation_limit),
                ),
                (
                    "characters_left",
                    t._("Characters left this month"),
                    self._left(allowance.characters_left, allowance.character_limit),
                ),
            ]
            warnings = self._over_quota(estimate, allowance)
        table = html_table(
            (),
            [
                (Head(label), Raw(f'<span data-key="{key}">{html.escape(value)}</span>'))
                for key, label, value in rows
            ],
            css_class="wb-estimate",
        )
        notes = "".join(
            f'<div class="wb-status wb-status-error">{html.escape(w)}</div>' for w in warnings
        )
        return table + notes

    def _left(self, left: int | None, limit: int | None) -> str:
        if left is None or limit is None:
            return self.t._("Unlimited")
        return self.t._("{left} of {limit}", left=self.t.number(left), limit=self.t.number(limit))

    def _over_quota(self, estimate: Estimate, allowance: Allowance) -> list[str]:
        t = self.t
        found = []
        left = allowance.translations_left
        if left is not None and estimate.translations > left:
            found.append(t._("This job needs more translations than you have left today."))
        left = allowance.characters_left
        if left is not None and estimate.billed_characters > left:
            found.append(t._("This job needs more characters than you have left this month."))
        return found

    async def _run(self) -> None:
        spec = await self._spec()
        async with Engine(self.ctx.db, self.ctx.settings) as engine:
            job, estimate = await engine.submit(spec)
        self.estimate_box.value = self._estimate_html(estimate)
        self.status.ok(
            self.t._(
                "Job {job} queued: a worker translates it, even if you close this page.",
                job=job.id.hex[:8],
            )
        )
        await self.refresh_history()
        self.follow(job.id)

    # --- progress --------------------------------------------------------------------------

    def follow(self, job_id: uuid.UUID) -> None:
        """Show this job's progress (only one job is followed at a time)."""
        if self._follower is not None and not self._follower.done():
            self._follower.cancel()
        self.job_id = job_id
        self._follower = self.tasks.run(self._poll(job_id))

    async def _poll(self, job_id: uuid.UUID) -> None:
        self.progress_box.layout.display = "flex"
        self.downloads.value = ""
        self.cancel_button.disabled = False
        first: tuple[float, int] | None = None
        while True:
            async with self.ctx.db.session() as session:
                job = await jobs.get_job(session, job_id)
            rate = None
            if job.status is JobStatus.RUNNING or first is not None:
                now = time.monotonic()
                if first is None:
                    first = (now, job.done_segments)
                elif now > first[0]:
                    rate = (job.done_segments - first[1]) / (now - first[0])
            self._show_progress(job, rate)
            if job.status not in jobs.ACTIVE:
                break
            await asyncio.sleep(POLL_SECONDS)
        self.cancel_button.disabled = True
        self.cancel_row.layout.display = "none"
        self.downloads.value = self._downloads_html(job)
        name = job.id.hex[:8]
        if job.status is JobStatus.COMPLETED:
            self.status.ok(self.t._("Job {job} is complete.", job=name))
        elif job.status is JobStatus.CANCELLED:
            self.status.show(self.t._("Job {job} was cancelled.", job=name))
        else:
            self.status.error(
                self.t._("Job {job} failed: {error}", job=name, error=job.error or "?")
            )
        await self.refresh_history()

    def _show_progress(self, job: TranslationJob, rate: float | None) -> None:
        t = self.t
        total, done = job.total_segments, min(job.done_segments, job.total_segments)
        self.progress.max = max(1, total)
        self.progress.value = done if total else 1
        fraction = done / total if total else 1.0
        if rate is None and job.started_at is not None and job.finished_at is not None:
            seconds = (job.finished_at - job.started_at).total_seconds()
            rate = done / seconds if seconds > 0 else None
        parts = [
            t._(STATUS_LABELS[job.status]),
            t._("{done} of {total} segments", done=t.number(done), total=t.number(total)),
            t.percent(fraction),
        ]
        if rate is not None:
            parts.append(t._("{rate} segments/s", rate=t.number(rate, 1)))
        if job.status is JobStatus.QUEUED:
            parts.append(t._("waiting for a worker"))
        self.progress.bar_style = {
            JobStatus.COMPLETED: "success",
            JobStatus.FAILED: "danger",
            JobStatus.CANCELLED: "warning",
        }.get(job.status, "info")
        self.progress_label.value = html.escape(" · ".join(parts))

    def _ask_cancel(self, _button: widgets.Button) -> None:
        self.cancel_row.layout.display = "flex"

    async def _cancel(self) -> None:
        if self.job_id is None:
            return
        with self._yours():
            async with self.ctx.db.session() as session:
                job = await jobs.cancel_job(session, self.job_id, actor=self.ctx.actor)
        self.status.show(self.t._("Cancelling job {job}…", job=job.id.hex[:8]))

    @contextlib.contextmanager
    def _yours(self) -> Iterator[None]:
        """The service refuses another user's job; say so in the page's language."""
        try:
            yield
        except AccessRevoked:  # not about the job: the status area says what happened
            raise
        except PermissionDenied:
            raise PermissionDenied(self.t._("This job is not yours.")) from None

    def _downloads_html(self, job: TranslationJob) -> str:
        if job.status is not JobStatus.COMPLETED:
            return ""
        links = [
            f'<a href="{html.escape(output_url(job.id, index))}" download>'
            f"{html.escape(Path(str(item['output'])).name)}</a>"
            for index, item in enumerate(job.outputs)
        ]
        if job.qa_report is not None:
            label = self.t._("QA report ({count} issues)", count=self.t.number(len(job.qa_report)))
            links.append(
                f'<a href="{html.escape(qa_url(job.id))}" download>{html.escape(label)}</a>'
            )
        if not links:
            return ""
        return '<span class="wb-translate-downloads">' + " · ".join(links) + "</span>"

    # --- history ---------------------------------------------------------------------------

    async def refresh_history(self) -> None:
        async with self.ctx.db.session() as session:
            rows = await jobs.list_jobs(
                session, user_id=self.ctx.user.id, limit=self._history_limit
            )
        self.history.value = self._history_html(rows)
        self.more_button.disabled = len(rows) < self._history_limit
        stopped = [job for job in rows if job.status in jobs.STOPPED]
        self.resume_choice.options = [
            (
                f"{self.t.when(job.created_at)} · {self._files(job)} · "
                f"{self.t._(STATUS_LABELS[job.status])}",
                job.id,
            )
            for job in stopped
        ]
        self.resume_row.layout.display = "flex" if stopped else "none"

    async def _more_history(self) -> None:
        self._history_limit += HISTORY_PAGE
        await self.refresh_history()

    def _files(self, job: TranslationJob) -> str:
        if job.inputs:
            return ", ".join(Path(str(item["path"])).name for item in job.inputs)
        if job.options.get("origin") == COMPARE_ORIGIN:
            return self.t._("Comparison sample")
        return self.t._("Texts")

    def _history_html(self, rows: list[TranslationJob]) -> str:
        t = self.t
        if not rows:
            empty = t._("No jobs yet.")
            return f"<p>{html.escape(empty)}</p>"
        heads = [
            t._("When"),
            t._("Files"),
            t._("Provider"),
            t._("Languages"),
            t._("Status"),
            t._("Progress"),
            t._("Characters"),
            t._("Cost"),
            t._("Downloads"),
        ]
        body = []
        for job in rows:
            provider = provider_label(t, job.provider) + (f" · {job.model}" if job.model else "")
            source = job.source_lang or t._("auto")
            languages = f"{source} → {job.target_lang}"
            fraction = job.done_segments / job.total_segments if job.total_segments else 1.0
            status = html.escape(t._(STATUS_LABELS[job.status]))
            if job.error:
                status += f"<br><small>{html.escape(job.error)}</small>"
            body.append(
                (
                    t.when(job.created_at),
                    self._files(job),
                    provider,
                    languages,
                    Raw(status),
                    f"{t.number(job.done_segments)}/{t.number(job.total_segments)} "
                    f"({t.percent(fraction)})",
                    t.number(job.characters),
                    t.money(job.cost_estimate, self.preferences.currency),
                    Raw(self._downloads_html(job)),
                )
            )
        return html_table(
            heads,
            body,
            css_class="wb-translate-jobs",
            row_attributes=[{"data-job": str(job.id)} for job in rows],
        )

    async def _resume(self) -> None:
        job_id = self.resume_choice.value
        if job_id is None:
            raise InvalidInput(self.t._("Choose a failed or cancelled job to resume."))
        with self._yours():
            async with self.ctx.db.session() as session:
                job = await jobs.resume_job(session, job_id, actor=self.ctx.actor)
        self.status.ok(self.t._("Job {job} queued again.", job=job.id.hex[:8]))
        await self.refresh_history()
        self.follow(job.id)


__all__ = ["TranslatePage", "output_url", "qa_url", "safe_filename"]
