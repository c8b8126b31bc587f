"""The workbench from Python and JupyterLab: ``wb = await Workbench.open()``.

Everything here goes through the same engine, jobs and quotas as the CLI and the
dashboards; a translation started from a notebook is a job row, resumed by a worker if
the kernel dies.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from workbench.accounts.users import get_user_by_email
from workbench.batch.engine import Engine, Estimate, text_translations
from workbench.batch.jobs import JobInput, JobSpec, Reading, exit_code
from workbench.batch.paths import file_inputs
from workbench.batch.progress import ProgressBar
from workbench.batch.report import Check
from workbench.config import Settings, ensure_data_dir, get_settings
from workbench.db import Database, migrate
from workbench.db.models import Glossary, JobStatus, TranslationJob
from workbench.errors import (
    LimitReached,
    NotFound,
    ProviderError,
    UsageError,
    WorkbenchError,
)
from workbench.preferences import load as load_preferences

if TYPE_CHECKING:  # annotations only: a caller's frame brings pandas, importing this need not
    import pandas as pd


class Workbench:
    def __init__(self, db: Database, engine: Engine, user_id: uuid.UUID | None) -> None:
        self.db = db
        self.engine = engine
        self.user_id = user_id

    @classmethod
    async def open(cls, *, user: str | None = None, settings: Settings | None = None) -> Workbench:
        """Connect (creating or upgrading the database), acting as ``user`` if given.

        Without a user, work runs as the operator: recorded, but outside any tier quota.
        """
        settings = settings or get_settings()
        ensure_data_dir(settings)
        await migrate.upgrade(settings.async_database_url)
        db = Database.from_settings(settings)
        user_id = None
        if user is not None:
            async with db.session() as session:
                user_id = (await get_user_by_email(session, user)).id
        return cls(db, Engine(db, settings), user_id)

    async def close(self) -> None:
        await self.engine.aclose()
        await self.db.dispose()

    async def __aenter__(self) -> Workbench:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def spec(
        self,
        target_lang: str,
        *,
        provider: str | None = None,
        model: str | None = None,
        glossary: str | None = None,
        source_lang: str | None = None,
        inputs: Sequence[JobInput] = (),
    ) -> JobSpec:
        """A job description with the admin's defaults filled in."""
        async with self.db.session() as session:
            preferences = await load_preferences(session)
            glossary_id = None
            if glossary is not None:
                glossary_id = await session.scalar(
                    select(Glossary.id).where(Glossary.name == glossary)
                )
                if glossary_id is None:
                    raise NotFound(f"no glossary named {glossary!r}")
        chosen = provider or preferences.default_provider
        return JobSpec(
            provider=chosen,
            model=model
            if model is not None
            else (preferences.default_model if chosen == preferences.default_provider else ""),
            target_lang=target_lang,
            source_lang=source_lang or "",
            user_id=self.user_id,
            glossary_id=glossary_id,
            inputs=tuple(inputs),
        )

    async def estimate_texts(
        self, texts: Sequence[str], target_lang: str, **choice: Any
    ) -> Estimate:
        return await self.engine.estimate(await self.spec(target_lang, **choice), list(texts))

    async def translate_texts(
        self, texts: Sequence[str], target_lang: str, *, progress: bool = True, **choice: Any
    ) -> list[str]:
        """The texts translated, in order; each is plain text (``<`` and ``&`` are text,
        not markup) and comes back as plain text."""
        job = await self._run(await self.spec(target_lang, **choice), list(texts), progress)
        found = await self._segments(job.id)
        return [found[t][0] if t in found else t for t in texts]

    async def translate_frame(
        self,
        frame: pd.DataFrame,
        column: str,
        target_lang: str,
        *,
        progress: bool = True,
        **choice: Any,
    ) -> pd.DataFrame:
        """A copy of ``frame`` with ``<column>_<lang>`` and where each translation came from.

        Added columns: the translation, ``provider``, ``model``, ``from_memory`` and
        ``qa_ok`` (false where the QA report has a row for the cell: a glossary term's
        target is missing; None when there was no glossary and nothing to report). Cells
        are plain text (``a < b & c`` is translated as such), empty cells and cells
        without letters are kept as they are.
        """
        if column not in frame.columns:
            raise NotFound(
                f"no column {column!r}; the frame has: {', '.join(map(str, frame.columns))}"
            )
        spec = await self.spec(target_lang, **choice)
        cells = frame[column]
        texts = [value if isinstance(value, str) else "" for value in cells]
        job = await self._run(spec, texts, progress)
        found = await self._segments(job.id)
        result = frame.copy()
        result[f"{column}_{target_lang}"] = [
            found[t][0] if t in found else value for t, value in zip(texts, cells, strict=True)
        ]
        result["provider"] = job.provider
        result["model"] = job.model
        result["from_memory"] = [found[t][1] if t in found else False for t in texts]
        # Whether the report says something about each row's text (readable = plain here).
        flagged = {
            row["source"] for row in job.qa_report or [] if row["check"] != Check.UNTRANSLATED
        }
        result["qa_ok"] = [None if job.qa_report is None else t not in flagged for t in texts]
        return result

    async def translate_files(
        self,
        paths: Sequence[str | Path],
        target_lang: str,
        *,
        columns: Sequence[str] = (),
        header_row: int | None = None,
        translate_fuzzy: bool = False,
        front_matter_keys: Sequence[str] | None = None,
        out_dir: str | Path | None = None,
        progress: bool = True,
        **choice: Any,
    ) -> TranslationJob:
        """Translate files; each is written as ``<name>.<lang>.<ext>`` (next to it or in
        ``out_dir``), with the input's file mode.

        ``columns`` (CSV, XLSX): ``"SRC"`` is translated in place, ``"SRC:DEST"`` fills
        column DEST (created when missing) and leaves SRC alone. ``header_row``: the
        1-based row of the column names (default: found). ``translate_fuzzy`` (PO):
        translate fuzzy entries too instead of keeping them. ``front_matter_keys``
        (Markdown): the front-matter keys whose values are translated (default: title,
        description). What a file leaves untranslated is in ``job.options["notes"]`` and
        the job's QA report.
        """
        reading = Reading(
            columns=tuple(columns),
            header_row=header_row,
            translate_fuzzy=translate_fuzzy,
            front_matter_keys=tuple(front_matter_keys) if front_matter_keys is not None else None,
        )
        inputs = await asyncio.to_thread(
            file_inputs,
            paths,
            target_lang,
            data_dir=self.engine.settings.data_dir,
            out_dir=out_dir,
            reading=reading,
        )
        spec = await self.spec(target_lang, inputs=inputs, **choice)
        return await self._run(spec, None, progress)

    async def _run(self, spec: JobSpec, texts: list[str] | None, progress: bool) -> TranslationJob:
        """Run a job to its end; one that did not complete is raised as its error.

        What was translated before a failure is kept (and paid for once): the message
        says how to resume the job.
        """
        bar = ProgressBar() if progress else None
        try:
            job = await self.engine.translate_now(spec, texts, progress=bar)
        finally:
            if bar is not None:
                bar.close()
        if job.status is JobStatus.COMPLETED:
            return job
        raise _job_error(job)

    async def _segments(self, job_id: uuid.UUID) -> dict[str, tuple[str, bool]]:
        async with self.db.session() as session:
            return await text_translations(session, job_id)


def _job_error(job: TranslationJob) -> WorkbenchError:
    """A job that did not complete, as the kind of error that stopped it (its exit code)."""
    short = job.id.hex[:8]
    resume = f"resume with `workbench jobs resume {short}`"
    if job.status is JobStatus.CANCELLED:
        return WorkbenchError(f"job {short} was cancelled; {resume}")
    reason = (job.error or "unknown error").removeprefix(f"{job.provider}: ")
    message = f"job {short} failed: {reason}; what was translated is kept, {resume}"
    code = exit_code(job)
    if code == LimitReached.exit_code:
        return LimitReached(message)
    if code == UsageError.exit_code:
        return UsageError(message)
    return ProviderError(job.provider, message)
