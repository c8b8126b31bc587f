"""``workbench translate``, ``workbench jobs …`` and ``workbench worker``."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

import click

from workbench.batch import jobs
from workbench.db.models import JobStatus, TranslationJob
from workbench.logs import configure_logging, log_level_option

if TYPE_CHECKING:
    from workbench.batch.engine import Estimate
    from workbench.notebook import Workbench

# The engine, pandas and the file-format libraries are imported by the commands that use
# them, so `workbench --help` and the quick commands start fast.

T = TypeVar("T")


def _run(work: Callable[[Workbench], Awaitable[T]], user: str | None = None) -> T:
    from workbench.notebook import Workbench

    async def go() -> T:
        async with await Workbench.open(user=user) as wb:
            return await work(wb)

    return asyncio.run(go())


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--to",
    "target",
    required=True,
    metavar="LANG",
    help="Target language, e.g. fr, pt-BR or pt_BR, sr@latin.",
)
@click.option("--from", "source", default=None, metavar="LANG", help="Source language.")
@click.option(
    "--provider", default=None, help="pseudo, google, google_cloud, deepl, openai, ollama."
)
@click.option("--model", default=None, help="The provider's model (see `workbench providers`).")
@click.option("--glossary", default=None, metavar="NAME", help="Enforce this glossary.")
@click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="SRC[:DEST]",
    help="CSV/XLSX column to translate (repeat for several). SRC alone is translated in "
    "place; SRC:DEST fills column DEST (created when missing) and leaves SRC as it is, "
    "e.g. --column en:fr.",
)
@click.option(
    "--header-row",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="CSV/XLSX: the row holding the column names, counting from 1 "
    "(default: found automatically).",
)
@click.option(
    "--fuzzy",
    "translate_fuzzy",
    is_flag=True,
    help="PO: translate fuzzy entries too (by default they are kept as they are, "
    "like every entry that has a translation).",
)
@click.option(
    "--front-matter",
    "front_matter_keys",
    multiple=True,
    metavar="KEY",
    help="Markdown: a front-matter key whose value is translated (repeat for several; "
    "default: title and description).",
)
@click.option(
    "--out",
    "out_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Folder for the outputs (default: next to each input).",
)
@click.option(
    "--as",
    "user",
    default=None,
    metavar="EMAIL",
    help="Run as this user: their tier and quota apply.",
)
@click.option(
    "--queue",
    is_flag=True,
    help="Only queue the job (estimate and quota as usual) and print its id; "
    "`workbench worker` runs it. Inputs and outputs must be where the workers can reach them.",
)
def translate(
    inputs: tuple[str, ...],
    target: str,
    source: str | None,
    provider: str | None,
    model: str | None,
    glossary: str | None,
    columns: tuple[str, ...],
    header_row: int | None,
    translate_fuzzy: bool,
    front_matter_keys: tuple[str, ...],
    out_dir: str | None,
    user: str | None,
    queue: bool,
) -> None:
    """Translate files now, with a progress bar; each output is INPUT.<lang>.<ext> (a .pot
    template gives a .po catalog), with the input's file permissions.

    Formats: CSV and XLSX (--column, --header-row), TXT, Markdown (--front-matter), JSON
    catalogs, PO (--fuzzy), DOCX, SRT. Markup, placeholders and formatting are kept; what
    a file leaves untranslated is said on stderr, one line each. Translations already
    paid for come from the translation memory. The QA report (glossary terms missing,
    codes the provider could not keep, parts left untranslated) is counted in the
    summary; the dashboards download it.

    \b
    Examples:
      workbench translate guide.md --to fr
      workbench translate strings.csv --to de --column en:de
      workbench translate messages.po --to pt_BR --fuzzy
    """

    from workbench.batch.jobs import Reading
    from workbench.batch.paths import file_inputs
    from workbench.batch.progress import ProgressBar

    reading = Reading(
        columns=columns,
        header_row=header_row,
        translate_fuzzy=translate_fuzzy,
        front_matter_keys=front_matter_keys or None,
    )

    async def work(wb: Workbench) -> TranslationJob:
        items = await asyncio.to_thread(
            file_inputs,
            inputs,
            target,
            data_dir=wb.engine.settings.data_dir,
            out_dir=out_dir,
            reading=reading,
        )
        spec = await wb.spec(
            target,
            provider=provider,
            model=model,
            glossary=glossary,
            source_lang=source,
            inputs=items,
        )
        if queue:
            job, estimate = await wb.engine.submit(spec)
            _show_estimate(job, estimate)
            return job
        bar = ProgressBar(file=sys.stderr)
        try:
            return await wb.engine.translate_now(spec, progress=bar, on_submitted=_show_estimate)
        finally:
            bar.close()

    job = _run(work, user)
    if queue:
        click.echo(f"job {job.id.hex[:8]} queued")
        return
    _summary(job)
    if job.status is not JobStatus.COMPLETED:
        raise click.exceptions.Exit(jobs.exit_code(job))


def _show_estimate(job: TranslationJob, estimate: Estimate) -> None:
    for note in estimate.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(
        f"{estimate.segments} segments to translate ({estimate.from_memory} from memory), "
        f"{estimate.billed_characters} characters to send, "
        f"estimated cost {estimate.cost:.2f} {estimate.currency}",
        err=True,
    )


def _summary(job: TranslationJob) -> None:
    click.echo(f"job {job.id.hex[:8]} {job.status.value}")
    click.echo(
        f"  segments {job.total_segments}, from memory {job.memory_hits}, "
        f"characters billed {job.billed_characters}, estimated cost {job.cost_estimate:.2f}"
    )
    if job.qa_report:
        counts = Counter(row["check"] for row in job.qa_report)
        found = ", ".join(f"{check} {count}" for check, count in sorted(counts.items()))
        click.echo(f"  QA report: {found}")
    for output in job.outputs:
        click.echo(f"  wrote {output['output']}")
    if job.error:
        click.echo(f"error: {job.error}", err=True)


@click.group("jobs")
def jobs_group() -> None:
    """List, inspect, cancel and resume translation jobs."""


@jobs_group.command("list")
@click.option("--status", type=click.Choice([s.value for s in JobStatus]), default=None)
@click.option("--limit", default=20, show_default=True)
def list_jobs(status: str | None, limit: int) -> None:
    """The latest jobs, newest first."""

    async def work(wb: Workbench) -> list[TranslationJob]:
        async with wb.db.session() as session:
            chosen = JobStatus(status) if status else None
            return await jobs.list_jobs(session, status=chosen, limit=limit)

    rows = _run(work)
    if not rows:
        click.echo("no jobs")
        return
    click.echo(f"{'id':8}  {'status':9}  {'provider':12}  {'to':5}  {'done':>11}  created")
    for job in rows:
        done = f"{job.done_segments}/{job.total_segments}"
        created = job.created_at.strftime("%Y-%m-%d %H:%M")
        click.echo(
            f"{job.id.hex[:8]}  {job.status.value:9}  {job.provider:12}  "
            f"{job.target_lang:5}  {done:>11}  {created}"
        )


@jobs_group.command("show")
@click.argument("job_id")
def show_job(job_id: str) -> None:
    """One job in full."""

    async def work(wb: Workbench) -> TranslationJob:
        async with wb.db.session() as session:
            return await jobs.find_job(session, job_id)

    job = _run(work)
    fields = {
        "id": str(job.id),
        "status": job.status.value,
        "provider": job.provider,
        "model": job.model or "(default)",
        "languages": f"{job.source_lang or 'auto'} -> {job.target_lang}",
        "segments": f"{job.done_segments}/{job.total_segments} ({job.memory_hits} from memory)",
        "characters": f"{job.characters} ({job.billed_characters} billed)",
        "estimated cost": f"{job.cost_estimate:.2f}",
        "attempts": str(job.attempts),
        "created": job.created_at.isoformat(timespec="seconds"),
        "finished": job.finished_at.isoformat(timespec="seconds") if job.finished_at else "-",
    }
    for name, value in fields.items():
        click.echo(f"{name:>15}: {value}")
    for item in job.inputs:
        click.echo(f"{'input':>15}: {item['path']} -> {item['output']}")
    for note in job.options.get("notes", []):
        click.echo(f"{'note':>15}: {note['file']}: {note['text']}")
    if job.error:
        click.echo(f"{'error':>15}: {job.error}")


@jobs_group.command("cancel")
@click.argument("job_id")
def cancel_job(job_id: str) -> None:
    """Cancel a queued or running job (it stops before its next chunk)."""
    _change(job_id, jobs.cancel_job, "cancelled")


@jobs_group.command("resume")
@click.argument("job_id")
def resume_job(job_id: str) -> None:
    """Queue a failed or cancelled job again; a worker continues where it stopped."""
    _change(job_id, jobs.resume_job, "queued again")


def _change(job_id: str, change: Callable[..., Awaitable[TranslationJob]], done: str) -> None:
    async def work(wb: Workbench) -> uuid.UUID:
        async with wb.db.session() as session:
            job = await jobs.find_job(session, job_id)
        async with wb.db.session() as session:
            await change(session, job.id)
        return job.id

    click.echo(f"job {_run(work).hex[:8]} {done}")


@click.command()
@click.option("--concurrency", default=1, show_default=True, help="Jobs run at the same time.")
@click.option("--until-idle", is_flag=True, help="Exit once no job is queued or running.")
@click.option(
    "--poll",
    default=jobs.POLL_SECONDS,
    show_default=True,
    help="Seconds between looks at the queue when idle.",
)
@click.option(
    "--lease",
    default=jobs.LEASE.total_seconds(),
    show_default=True,
    help="Seconds after which a silent worker's chunks are taken over.",
)
@log_level_option
def worker(concurrency: int, until_idle: bool, poll: float, lease: float, log_level: str) -> None:
    """Run queued translation jobs until stopped (Ctrl-C or SIGTERM stop it cleanly).

    Logs one line when a job starts and one when it ends (its id, user, provider,
    segments and seconds).
    """
    if concurrency < 1:
        raise click.BadParameter("must be at least 1", param_hint="--concurrency")
    configure_logging(log_level)

    from workbench.batch.engine import Engine
    from workbench.batch.worker import Worker
    from workbench.cli_support import open_database

    async def go() -> int:
        async with (
            open_database() as db,
            Engine(db, lease=timedelta(seconds=lease)) as engine,
        ):
            runner = Worker(engine, concurrency=concurrency, poll_interval=poll)
            runner.install_signal_handlers()
            click.echo(f"worker {runner.worker_id} waiting for jobs", err=True)
            await runner.run(until_idle=until_idle)
            return runner.segments

    segments = asyncio.run(go())
    click.echo(f"worker stopped after translating {segments} segments", err=True)
