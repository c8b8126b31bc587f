"""Downloads from the dashboards: a job's outputs and QA report, a glossary's export.

``/workbench/download/job/<job id>/<n>`` is the job's n-th output file,
``/workbench/download/job/<job id>/qa`` its QA report (CSV), and
``/workbench/download/glossary/<glossary id>.<csv|xlsx>`` a glossary export. Signed-in
users get their own jobs (admins every job) and the glossaries they can see; job files
are served only from inside the data dir.
"""

from __future__ import annotations

import mimetypes
import re
import uuid
from pathlib import Path
from urllib.parse import quote

from tornado import web

from workbench.accounts.audit import Actor
from workbench.batch.paths import confine
from workbench.batch.report import to_csv
from workbench.config import get_settings
from workbench.db.models import TranslationJob, User
from workbench.errors import NotFound, PathNotAllowed
from workbench.glossary import store
from workbench.server.identity import SignedInUser, database

_CHUNK = 256 * 1024
_INDEX = re.compile(r"[0-9]{1,6}")


class DownloadHandler(web.RequestHandler):
    async def prepare(self) -> None:
        provider = self.settings["identity_provider"]
        self.current_user = await provider.get_user(self)
        if not isinstance(self.current_user, SignedInUser):
            raise web.HTTPError(403)

    async def get(self, kind: str, rest: str) -> None:
        user: SignedInUser = self.current_user
        if kind == "job":
            job_part, _, item = rest.partition("/")
            await self._job(user, _uuid(job_part), item)
        else:
            name, _, fmt = rest.rpartition(".")
            await self._glossary(user, _uuid(name), fmt)

    async def _job(self, user: SignedInUser, job_id: uuid.UUID, item: str) -> None:
        async with database().session() as session:
            job = await session.get(TranslationJob, job_id)
        if job is None or (not user.is_admin and str(job.user_id) != user.user_id):
            raise web.HTTPError(404)
        if item == "qa":
            self._attachment(f"qa-{job_id}.csv", "text/csv; charset=utf-8")
            self.write(to_csv(job.qa_report or []))
            return
        # ASCII digits only: "²" is a digit to str.isdigit() but not to int().
        if _INDEX.fullmatch(item) is None or int(item) >= len(job.outputs or []):
            raise web.HTTPError(404)
        try:
            path = confine(job.outputs[int(item)]["output"], [get_settings().data_dir])
        except (PathNotAllowed, KeyError) as exc:
            raise web.HTTPError(404) from exc
        if not path.is_file():
            raise web.HTTPError(404)
        await self._send_file(path)

    async def _glossary(self, user: SignedInUser, glossary_id: uuid.UUID, fmt: str) -> None:
        if fmt not in ("csv", "xlsx"):
            raise web.HTTPError(404)
        async with database().session() as session:
            viewer_row = await session.get(User, uuid.UUID(user.user_id))
            if viewer_row is None:
                raise web.HTTPError(403)
            viewer = Actor.of(viewer_row)
            try:
                info = await store.get_glossary(session, glossary_id, viewer=viewer)
                data = await store.export_glossary(session, glossary_id, fmt, viewer=viewer)
            except NotFound as exc:
                raise web.HTTPError(404) from exc
        kind = "text/csv" if fmt == "csv" else mimetypes.types_map.get(".xlsx", "")
        self._attachment(f"{_filename(info.name)}.{fmt}", kind or "application/octet-stream")
        self.write(data)

    async def _send_file(self, path: Path) -> None:
        kind, _ = mimetypes.guess_type(path.name)
        self._attachment(path.name, kind or "application/octet-stream")
        with path.open("rb") as file:
            while chunk := file.read(_CHUNK):
                self.write(chunk)
                await self.flush()

    def _attachment(self, filename: str, content_type: str) -> None:
        self.set_header("Content-Type", content_type)
        self.set_header("Content-Disposition", f"attachment; filename*=UTF-8''{_quote(filename)}")
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError as exc:
        raise web.HTTPError(404) from exc


def _filename(name: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name).strip("._")
    return safe or "glossary"


def _quote(filename: str) -> str:
    return quote(filename, safe="")
