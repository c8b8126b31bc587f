"""A living demo data set for a newcomer: ``workbench serve --demo`` on an empty database.

An admin and a translator (passwords printed once), about fifty users over both tiers,
thirty days of usage on several providers, a few finished jobs and a shared glossary.
Deterministic apart from the passwords, and only ever added to a database without users.
"""

from __future__ import annotations

import random
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts import users
from workbench.accounts.audit import Actor
from workbench.accounts.passwords import hash_password
from workbench.db import Database, begin_write
from workbench.db.base import utcnow
from workbench.db.models import JobStatus, Role, TranslationJob, UsageEvent, User
from workbench.glossary import store

ADMIN_EMAIL = "admin@example.com"
TRANSLATOR_EMAIL = "translator@example.com"
DEMO_USERS = 50
DAYS = 30
_PROVIDERS = ("pseudo", "deepl", "openai", "google_cloud")
_FIRST = ("alice", "bruno", "chloe", "david", "emma", "farid", "gina", "hugo", "ines", "jules")
_LAST = ("martin", "bernard", "dubois", "thomas", "robert", "petit", "durand", "leroy")
GLOSSARY_TERMS = (
    ("invoice", "facture"),
    ("purchase order", "bon de commande"),
    ("workbench", "atelier"),
    ("glossary", "glossaire"),
    ("translation memory", "mémoire de traduction"),
    ("quota", "quota"),
    ("subscription", "abonnement"),
    ("customer", "client"),
)


@dataclass(frozen=True)
class DemoAccounts:
    admin_email: str
    admin_password: str
    translator_email: str
    translator_password: str


async def seed_demo(database: Database, admin_password: str | None = None) -> DemoAccounts | None:
    """Add the demo data set; None (and nothing added) when the database has users."""
    actor = Actor(id=None, email="demo", is_admin=True)
    rng = random.Random(7)  # noqa: S311  (demo data, not secrets)
    admin_password = admin_password or secrets.token_urlsafe(12)
    translator_password = secrets.token_urlsafe(12)
    others_hash = await hash_password(secrets.token_urlsafe(24))
    async with database.session() as session:
        await begin_write(session)
        if await session.scalar(select(func.count()).select_from(User)):
            return None
        admin = await users.add_user(
            session, ADMIN_EMAIL, admin_password, actor=actor, role=Role.ADMIN, tier="pro"
        )
        translator = await users.add_user(
            session, TRANSLATOR_EMAIL, translator_password, actor=actor
        )
        people = await _add_people(session, rng, others_hash)
        await _add_usage(session, rng, [admin.id, translator.id, *people])
        await _add_jobs(session, rng, translator.id)
        await store.import_frame(
            session,
            pd.DataFrame(GLOSSARY_TERMS, columns=["source_term", "target_term"]),
            name="Demo glossary",
            source_lang="en",
            target_lang="fr",
            description="Terms the demo enforces",
            actor=Actor.of(admin),
        )
        await session.commit()
    return DemoAccounts(ADMIN_EMAIL, admin_password, TRANSLATOR_EMAIL, translator_password)


async def _add_people(session: AsyncSession, rng: random.Random, hashed: str) -> list[uuid.UUID]:
    rows: list[dict[str, Any]] = []
    for n in range(DEMO_USERS):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        created = utcnow() - timedelta(days=rng.randint(1, 400))
        rows.append(
            {
                "id": uuid.uuid4(),
                "email": f"{first}.{last}{n}@example.com",
                "hashed_password": hashed,
                "tier": "pro" if rng.random() < 0.3 else "free",
                "role": Role.TRANSLATOR,
                "is_active": rng.random() > 0.1,
                "created_at": created,
                "updated_at": created,
            }
        )
    await session.execute(insert(User), rows)
    return [row["id"] for row in rows]


async def _add_usage(session: AsyncSession, rng: random.Random, user_ids: list[uuid.UUID]) -> None:
    rows = []
    today = utcnow()
    for day in range(DAYS):
        busy = 0.6 + 0.4 * rng.random() + (0.3 if (DAYS - day) % 7 < 5 else 0)
        for _ in range(int(12 * busy)):
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "user_id": rng.choice(user_ids),
                    "provider": rng.choices(_PROVIDERS, weights=(2, 5, 3, 2))[0],
                    "characters": rng.randint(200, 20_000),
                    "translations": 1,
                    "created_at": today - timedelta(days=day, minutes=rng.randint(0, 600)),
                }
            )
    await session.execute(insert(UsageEvent), rows)


async def _add_jobs(session: AsyncSession, rng: random.Random, user_id: uuid.UUID) -> None:
    for n in range(3):
        finished = utcnow() - timedelta(days=n + 1)
        segments = rng.randint(50, 500)
        session.add(
            TranslationJob(
                user_id=user_id,
                provider="pseudo",
                target_lang="fr",
                source_lang="en",
                status=JobStatus.COMPLETED,
                total_segments=segments,
                done_segments=segments,
                characters=segments * 40,
                billed_characters=segments * 40,
                started_at=finished - timedelta(minutes=2),
                finished_at=finished,
            )
        )
    await session.flush()
