"""What a job costs its user: the quota reserved when it starts, settled when it stops.

A run's reservation is noted on the job row (``options["reservation"]`` and
``reserved_characters``), so whichever worker ends the job, after any number of crashes
and takeovers, settles exactly that reservation, once. A translation (the daily count)
is counted only when the job completes; characters are counted as they were sent.
Jobs run by the operator (no user) record their usage without a quota.
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts import quotas
from workbench.accounts.quotas import Reservation
from workbench.db.models import TranslationJob, UsageEvent

log = logging.getLogger("workbench.batch")


def is_open(job: TranslationJob) -> bool:
    return "reservation" in job.options


async def open_run(
    session: AsyncSession, job: TranslationJob, *, characters: int, translations: int
) -> None:
    """Reserve the user's quota for this run (raises QuotaExceeded, ProviderNotAllowed)."""
    opened: dict[str, int | str] = {
        "translations": translations,
        "billed_before": job.billed_characters,
    }
    if job.user_id is not None:
        reservation = await quotas.reserve(
            session,
            job.user_id,
            provider=job.provider,
            model=job.model,
            translations=translations,
            characters=characters,
            job_id=job.id,
        )
        opened |= {"day": reservation.day.isoformat(), "month": reservation.month.isoformat()}
        job.reserved_characters = characters
    job.options = {**job.options, "reservation": opened}


async def close_run(session: AsyncSession, job: TranslationJob, *, completed: bool) -> None:
    """Settle the run's reservation with what was really sent and record the usage."""
    opened = job.options.get("reservation")
    if opened is None:
        return
    translations = int(opened["translations"]) if completed else 0
    used = job.billed_characters - int(opened["billed_before"])
    if job.user_id is None:
        session.add(
            UsageEvent(
                job_id=job.id,
                provider=job.provider,
                model=job.model,
                characters=used,
                translations=translations,
            )
        )
    else:
        reservation = Reservation(
            user_id=job.user_id,
            provider=job.provider,
            model=job.model,
            translations=int(opened["translations"]),
            characters=job.reserved_characters,
            day=date.fromisoformat(str(opened["day"])),
            month=date.fromisoformat(str(opened["month"])),
            job_id=job.id,
        )
        if used > reservation.characters:
            # Only possible if memory entries vanished between the estimate and the run.
            log.warning(
                "job %s sent %d characters more than it reserved",
                job.id,
                used - reservation.characters,
            )
            used = reservation.characters
        await quotas.settle(session, reservation, translations=translations, characters=used)
    job.options = {name: value for name, value in job.options.items() if name != "reservation"}
    job.reserved_characters = 0
