"""Attacks on sessions and the server's edge, replayed over real HTTP against a real
``workbench serve --behind-proxy`` (on SQLite and on PostgreSQL).

Each test plays one finding of the hardening review and checks it no longer holds: old
cookies after sign-out, a password change, deactivation or a role change; forty sign-in
attempts at once; forged proxy headers; odd paths that gave 500s; framing; cookies
without ``Secure`` under HTTPS; a readable data dir and database; uploads kept for ever.
After each attack the server still answers ``GET /login``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import argon2
import httpx
import pandas as pd
import pytest
import tornado.web
from sqlalchemy import select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import ScratchDatabases
from tests.processes import start_serve, stop_group
from workbench.accounts import passwords, users
from workbench.accounts.audit import Actor
from workbench.batch import jobs
from workbench.batch.jobs import JobInput, JobSpec
from workbench.config import Settings, derived_key
from workbench.db import Database
from workbench.db.models import Glossary, JobStatus, Role
from workbench.glossary import store
from workbench.server.identity import COOKIE

START_TIMEOUT = 60
ANSWER_TIMEOUT = 5  # the only bound on "the server still answers"
PASSWORD = "attack test password"
SECRET_KEY = "attack-tests-secret-key-0123456789abcdef"
NEW_PASSWORD = "a new attack test password"
OLD = 8 * 86400  # seconds: older than the 7 days uploads are kept

T = TypeVar("T")
_addresses = itertools.count(1)


def new_address() -> str:
    """A client address of its own, so no test meets another's sign-in attempts."""
    n = next(_addresses)
    return f"198.18.{n // 250}.{n % 250 + 1}"


@dataclass
class Served:
    url: str
    backend: str
    db_url: URL
    data_dir: Path
    env: dict[str, str]
    log: Path
    uploads: dict[str, Path]  # expired, recent, in use (by a queued job)

    def query(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """``await work(session)`` on the server's database, committed."""

        async def run() -> T:
            database = Database(self.db_url)
            try:
                async with database.session() as session:
                    result = await work(session)
                    await session.commit()
                    return result
            finally:
                await database.dispose()

        return asyncio.run(run())

    def add_user(self, role: Role = Role.TRANSLATOR) -> str:
        email = f"user-{uuid.uuid4().hex[:10]}@example.org"

        async def add(session: AsyncSession) -> None:
            await users.add_user(session, email, PASSWORD, actor=Actor.cli(), role=role)

        self.query(add)
        return email

    def user_id(self, email: str) -> uuid.UUID:
        async def find(session: AsyncSession) -> uuid.UUID:
            return (await users.get_user(session, email)).id

        return self.query(find)

    def client(self, address: str | None = None, **headers: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            timeout=60,
            headers={"X-Forwarded-For": address or new_address(), **headers},
        )

    def answers(self) -> None:
        """The server still serves the sign-in page, promptly."""
        assert httpx.get(f"{self.url}/login", timeout=ANSWER_TIMEOUT).status_code == 200


def form_token(client: httpx.Client) -> str:
    page = client.get("/login")
    assert page.status_code == 200, page.text
    token = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
    assert token, page.text
    return token[1]


def sign_in(client: httpx.Client, email: str, password: str = PASSWORD) -> str:
    """Sign in through the form; the session cookie's value."""
    answer = client.post(
        "/login", data={"email": email, "password": password, "_xsrf": form_token(client)}
    )
    assert answer.status_code == 302, answer.text
    cookie = client.cookies.get(COOKIE)
    assert cookie
    return cookie


def opens_dashboards(served: Served, cookie: str) -> bool:
    """Whether ``cookie`` is a live session: ``/`` leads to a dashboard, not to sign-in.

    A dead one is also sent to sign-in by a dashboard itself, without a kernel started.
    """
    with httpx.Client(base_url=served.url, timeout=60, cookies={COOKIE: cookie}) as client:
        home = client.get("/")
        assert home.status_code == 302
        if home.headers["Location"].startswith("/voila/render/"):
            return True
        assert home.headers["Location"] == "/login"
        page = client.get("/voila/render/translate.ipynb")
        assert page.status_code == 302
        assert page.headers["Location"].startswith("/login")
        return False


# --- the server ---------------------------------------------------------------------------


def _old_upload(root: Path, user_id: uuid.UUID, name: str, age: float) -> Path:
    folder = root / "uploads" / str(user_id) / uuid.uuid4().hex[:16]
    folder.mkdir(parents=True)
    path = folder / name
    path.write_text("Hello.\n")
    when = time.time() - age
    for item in (path, folder):
        os.utime(item, (when, when))
    return folder


async def _prepare(db_url: URL, data_dir: Path) -> dict[str, Path]:
    """Users and uploads of an installation made before this version."""
    database = Database(db_url)
    try:
        async with database.session() as session:
            await users.add_user(  # stays an admin, so others can be demoted
                session, "admin@example.org", PASSWORD, actor=Actor.cli(), role=Role.ADMIN
            )
            owner = await users.add_user(
                session, "uploader@example.org", PASSWORD, actor=Actor.cli()
            )
            folders = {
                "expired": _old_upload(data_dir, owner.id, "old.txt", OLD),
                "recent": _old_upload(data_dir, owner.id, "new.txt", 3600),
                "in use": _old_upload(data_dir, owner.id, "busy.txt", OLD),
            }
            busy = folders["in use"] / "busy.txt"
            job = await jobs.create_job(
                session,
                JobSpec(
                    "pseudo",
                    "fr",
                    user_id=owner.id,
                    inputs=(JobInput(str(busy), str(busy.with_suffix(".fr.txt"))),),
                ),
            )
            job.status = JobStatus.QUEUED
            await session.commit()
    finally:
        await database.dispose()
    return folders


@pytest.fixture(scope="module")
def served(
    scratch: ScratchDatabases, template_url: URL, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """``workbench serve --behind-proxy --no-worker`` over an installation made before
    this version: a data dir and SQLite file readable by everyone, uploads of all ages."""
    root = tmp_path_factory.mktemp(f"attacks-{scratch.backend}")
    data_dir = root / "data"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    env.update(
        WORKBENCH_DATA_DIR=str(data_dir),
        WORKBENCH_SECRET_KEY=SECRET_KEY,
        NO_PROXY="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    if scratch.backend == "sqlite":
        assert template_url.database is not None
        database_file = data_dir / "workbench.db"
        shutil.copyfile(template_url.database, database_file)
        database_file.chmod(0o644)
        db_url = make_url(f"sqlite+aiosqlite:///{database_file}")
    else:
        db_url = scratch.clone(template_url)
        env["WORKBENCH_DATABASE_URL"] = db_url.render_as_string(hide_password=False)

    previous = passwords.current_parameters()
    passwords.use_parameters(argon2.profiles.CHEAPEST)
    try:
        uploads = asyncio.run(_prepare(db_url, data_dir))
    finally:
        passwords.use_parameters(previous)
    if scratch.backend == "sqlite":
        for part in data_dir.glob("workbench.db*"):
            part.chmod(0o644)  # as an earlier version left them

    log = root / "serve.log"
    process, port = start_serve(env, root, log, "--behind-proxy", "--no-worker")
    url = f"http://127.0.0.1:{port}"
    previous = passwords.current_parameters()
    passwords.use_parameters(argon2.profiles.CHEAPEST)
    try:
        yield Served(url, scratch.backend, db_url, data_dir, env, log, uploads)
    finally:
        passwords.use_parameters(previous)
        stop_group(process)
        if scratch.backend == "postgresql":
            scratch.drop(db_url)
    assert "Traceback" not in log.read_text()


# --- finding 8: sessions end ----------------------------------------------------------


def test_sign_out_ends_every_session_of_the_user(served: Served) -> None:
    email = served.add_user()
    with served.client() as first, served.client() as second:
        cookie = sign_in(first, email)
        elsewhere = sign_in(second, email)  # the same user in another browser
        assert opens_dashboards(served, cookie)
        assert opens_dashboards(served, elsewhere)
        assert first.get("/logout").headers["Location"] == "/login"
    assert not opens_dashboards(served, cookie)  # a copy kept by whoever stole it
    assert not opens_dashboards(served, elsewhere)
    with served.client() as again:
        assert opens_dashboards(served, sign_in(again, email))
    served.answers()


def test_a_password_change_from_the_command_line_ends_the_sessions(served: Served) -> None:
    email = served.add_user()
    with served.client() as client:
        cookie = sign_in(client, email)
    assert opens_dashboards(served, cookie)
    changed = subprocess.run(
        [sys.executable, "-m", "workbench", "users", "set-password", email, "--password-stdin"],
        input=NEW_PASSWORD + "\n",
        env=served.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert changed.returncode == 0, changed.stderr
    assert not opens_dashboards(served, cookie)
    with served.client() as client:
        assert opens_dashboards(served, sign_in(client, email, NEW_PASSWORD))
    served.answers()


@pytest.mark.parametrize("change", ["deactivate", "demote"])
def test_deactivation_and_a_role_change_end_the_sessions(served: Served, change: str) -> None:
    role = Role.ADMIN if change == "demote" else Role.TRANSLATOR
    email = served.add_user(role)
    with served.client() as client:
        cookie = sign_in(client, email)
    assert opens_dashboards(served, cookie)

    async def act(session: AsyncSession) -> None:
        if change == "deactivate":
            await users.set_active(session, email, False, actor=Actor.cli())
        else:
            await users.set_role(session, email, Role.TRANSLATOR, actor=Actor.cli())

    served.query(act)
    assert not opens_dashboards(served, cookie)
    served.answers()


def test_a_cookie_without_the_current_generation_is_refused(served: Served) -> None:
    """Cookies signed with the server's own secret: one from before sessions had a
    generation, one from a past generation, and the current one (which opens)."""
    user_id = served.user_id(served.add_user())
    secret = derived_key(Settings(secret_key=SECRET_KEY), "session-cookie")

    def cookie(**fields: object) -> str:
        value = json.dumps({"user": str(user_id), "issued": time.time(), **fields})
        return tornado.web.create_signed_value(secret, COOKIE, value).decode()

    assert opens_dashboards(served, cookie(generation=0))
    assert not opens_dashboards(served, cookie())
    assert not opens_dashboards(served, cookie(generation=-1))
    assert not opens_dashboards(served, cookie(generation="0; DROP"))
    served.answers()


# --- finding 9: the sign-in throttle under a race -----------------------------------


def test_forty_attempts_at_once_admit_at_most_the_limit(served: Served) -> None:
    """39 wrong passwords and the right one, sent together for one email: five at most
    are checked (the email's limit); every other is told to wait."""
    email = served.add_user()
    address = new_address()
    with served.client(address) as client:
        token, xsrf = form_token(client), client.cookies.get("_xsrf")
    guesses = [f"wrong guess {n}" for n in range(39)] + [PASSWORD]

    async def attempt_all() -> list[int]:
        async with httpx.AsyncClient(
            base_url=served.url,
            timeout=120,
            headers={"X-Forwarded-For": address},
            cookies={"_xsrf": xsrf or ""},
            limits=httpx.Limits(max_connections=len(guesses)),
        ) as client:
            answers = await asyncio.gather(
                *(
                    client.post("/login", data={"email": email, "password": guess, "_xsrf": token})
                    for guess in guesses
                )
            )
        return [answer.status_code for answer in answers]

    statuses = asyncio.run(attempt_all())
    checked = [status for status in statuses if status != 429]
    assert len(checked) <= 5, statuses
    assert set(checked) <= {302, 401}
    assert statuses.count(429) >= 35
    served.answers()


# --- finding 11: the proxy's headers ------------------------------------------------


def test_behind_the_proxy_only_the_rightmost_forwarded_for_entry_counts(served: Served) -> None:
    """The client writes whatever it likes into X-Real-IP and the left of X-Forwarded-For;
    the proxy appends the address it saw. Only that one counts: twenty failures from it,
    each with another forged address, exhaust it."""
    proxy_saw = new_address()
    with served.client() as client:
        token = form_token(client)
        for n in range(20):
            forged = f"10.9.{n}.1"
            answer = client.post(
                "/login",
                data={"email": f"nobody{n}@example.org", "password": "x", "_xsrf": token},
                headers={"X-Forwarded-For": f"{forged}, {proxy_saw}", "X-Real-IP": forged},
            )
            assert answer.status_code == 401, answer.text
        refused = client.post(
            "/login",
            data={"email": "nobody-else@example.org", "password": "x", "_xsrf": token},
            headers={"X-Forwarded-For": f"10.9.99.1, {proxy_saw}", "X-Real-IP": "10.9.99.1"},
        )
        assert refused.status_code == 429
        # another address, as the proxy saw it, may still try (the forged one is the same)
        other = client.post(
            "/login",
            data={"email": "nobody-else@example.org", "password": "x", "_xsrf": token},
            headers={"X-Forwarded-For": f"{proxy_saw}, {new_address()}"},
        )
        assert other.status_code == 401
    log = served.log.read_text()
    assert f"from {proxy_saw}" in log
    assert "from 10.9." not in log
    served.answers()


# --- finding 11: odd requests, framing, cookies -----------------------------------


def _job_of(served: Served, email: str) -> uuid.UUID:
    async def make(session: AsyncSession) -> uuid.UUID:
        owner = await users.get_user(session, email)
        job = await jobs.create_job(session, JobSpec("pseudo", "fr", user_id=owner.id))
        job.status = JobStatus.COMPLETED
        return job.id

    return served.query(make)


def test_odd_paths_and_parameters_never_give_a_500(served: Served) -> None:
    email = served.add_user()
    job = _job_of(served, email)
    long = "a" * 6000
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"/workbench/download/job/{job}/%C2%B2", {}),
        ("GET", f"/workbench/download/job/{job}/%D9%A3", {}),  # an Arabic-Indic 3
        ("GET", f"/workbench/download/job/{job}/{'9' * 5000}", {}),
        ("GET", f"/workbench/download/job/{job}/-1", {}),
        ("GET", f"/workbench/download/job/{job}/%00", {}),
        ("GET", f"/workbench/download/job/{job}/qa/x", {}),
        ("GET", "/workbench/download/job/not-a-job/0", {}),
        ("GET", f"/workbench/download/job/{uuid.uuid4()}/0", {}),
        ("GET", "/workbench/download/glossary/%ff.csv", {}),
        ("GET", f"/workbench/download/glossary/{uuid.uuid4()}.exe", {}),
        ("GET", "/workbench/download/glossary/.csv", {}),
        ("GET", "/login?next=%0d%0aSet-Cookie:%20a=b", {}),
        ("GET", "/login?next=/%0aLocation:%20//evil.example", {}),
        ("GET", "/login?lang=%00&next=%ff", {}),
        ("GET", f"/login?next=/{long}", {}),
        ("GET", "/logout?next=%0d%0a", {}),
        ("GET", "/voila/render/%00.ipynb", {}),
        ("GET", "/voila/render/..%2f..%2fsecret_key", {}),
        ("GET", "/voila/render/users.ipynb%00", {}),
        ("GET", "/voila/render/%C2%B2.ipynb", {}),
        ("GET", "/voila/tree/%ff", {}),
        ("GET", "/voila/static/..%2f..%2f..%2fetc%2fpasswd", {}),
        ("GET", "/voila/files/%2e%2e/%2e%2e/secret_key", {}),
        ("GET", "/%ff%fe", {}),
        ("GET", f"/{long}", {}),
        ("GET", "/?%ff=%fe", {}),
        ("PUT", "/login", {}),
        ("DELETE", "/logout", {}),
        ("POST", "/login", {"data": {"email": "a@example.org", "password": "x"}}),
        ("POST", "/workbench/download/job/x/0", {}),
    ]
    with served.client() as client:
        sign_in(client, email)
        token = form_token(client)
        requests += [
            (
                "POST",
                "/login?next=%0d%0aSet-Cookie:%20a=b",
                {"data": {"email": email, "password": PASSWORD, "_xsrf": token}},
            ),
            (
                "POST",
                "/login",
                {"data": {"email": "x" * 100_000, "password": "y" * 100_000, "_xsrf": token}},
            ),
            ("GET", "/", {"headers": {"Cookie": f"{COOKIE}=not a signed value"}}),
            ("GET", "/", {"headers": {"X-Forwarded-For": "unknown, not-an-ip"}}),
            ("GET", "/", {"headers": {"X-Forwarded-Proto": "gopher"}}),
        ]
        failures = []
        for method, path, options in requests:
            answer = client.request(method, path, **options)
            if answer.status_code >= 500:
                failures.append(f"{method} {path[:80]}: {answer.status_code}")
        assert not failures
        # the sign-in with a CR LF in next= still signs in, and goes home
        crlf = client.post(
            "/login?next=%0d%0aSet-Cookie:%20a=b",
            data={"email": email, "password": PASSWORD, "_xsrf": form_token(client)},
        )
        assert crlf.status_code == 302
        assert crlf.headers["Location"] == "/voila/render/translate.ipynb"
        assert "a=b" not in crlf.headers.get_list("Set-Cookie")
    served.answers()


def _framing_refused(answer: httpx.Response) -> bool:
    policy = answer.headers.get("Content-Security-Policy", "")
    rules = [rule.strip() for rule in policy.split(";")]
    ancestors = [rule for rule in rules if rule.startswith("frame-ancestors")]
    return answer.headers.get("X-Frame-Options") == "DENY" and ancestors == [
        "frame-ancestors 'none'"
    ]


def test_no_page_can_be_framed(served: Served) -> None:
    admin = served.add_user(Role.ADMIN)
    translator = served.add_user()

    async def glossary_id(session: AsyncSession) -> uuid.UUID:
        await store.import_frame(
            session,
            pd.DataFrame({"source_term": ["cat"], "target_term": ["chat"]}),
            name=f"framing {uuid.uuid4().hex[:6]}",
            source_lang="en",
            target_lang="fr",
        )
        return (await session.scalars(select(Glossary.id).order_by(Glossary.created_at))).all()[-1]

    glossary = served.query(glossary_id)
    pages: dict[str, httpx.Response] = {}
    with served.client() as anonymous:
        pages["sign-in"] = anonymous.get("/login")
        pages["no form token"] = anonymous.post(
            "/login", data={"email": "x@example.org", "password": "x"}
        )
        pages["wrong password"] = anonymous.post(
            "/login",
            data={"email": "x@example.org", "password": "x", "_xsrf": form_token(anonymous)},
        )
        pages["home, signed out"] = anonymous.get("/")
        pages["no such path"] = anonymous.get("/no/such/path")
    with served.client() as client:
        sign_in(client, translator)
        pages["dashboard"] = client.get("/voila/render/glossaries.ipynb")
        pages["403 page"] = client.get("/voila/render/users.ipynb")
        pages["404 page"] = client.get("/voila/render/nothing.ipynb")
        pages["download"] = client.get(f"/workbench/download/glossary/{glossary}.csv")
        pages["download 404"] = client.get(f"/workbench/download/glossary/{uuid.uuid4()}.csv")
        assets = re.findall(r'(?:src|href)="(/voila/static/[^"?]+)', pages["dashboard"].text)
        assert assets
        pages["static file"] = client.get(assets[0])
    with served.client() as client:
        sign_in(client, admin)
        pages["admin dashboard"] = client.get("/voila/render/users.ipynb")
    statuses = {name: answer.status_code for name, answer in pages.items()}
    assert statuses == {
        "sign-in": 200,
        "no form token": 403,
        "wrong password": 401,
        "home, signed out": 302,
        "no such path": 404,
        "dashboard": 200,
        "403 page": 403,
        "404 page": 404,
        "download": 200,
        "download 404": 404,
        "static file": 200,
        "admin dashboard": 200,
    }
    assert [name for name, answer in pages.items() if not _framing_refused(answer)] == []
    served.answers()


def _cookies(answer: httpx.Response) -> dict[str, set[str]]:
    """Each Set-Cookie's name and its flags, lower-cased."""
    found = {}
    for header in answer.headers.get_list("Set-Cookie"):
        name = header.split("=", 1)[0].strip()
        found[name] = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
    return found


def _cookie_values(answer: httpx.Response) -> dict[str, str]:
    return {
        header.split("=", 1)[0].strip(): header.split("=", 1)[1].split(";")[0]
        for header in answer.headers.get_list("Set-Cookie")
    }


def test_every_cookie_is_secure_when_the_proxy_says_https(served: Served) -> None:
    """The proxy speaks HTTPS to the browser and HTTP to us. (A client that honours Secure
    sends those cookies back over HTTPS only: here they are sent back by hand.)"""
    email = served.add_user()
    with served.client(**{"X-Forwarded-Proto": "https"}) as client:
        form = client.get("/login")
        assert "secure" in _cookies(form)["_xsrf"]
        xsrf = _cookie_values(form)["_xsrf"]
        token = re.search(r'name="_xsrf" value="([^"]+)"', form.text)
        assert token
        signed = client.post(
            "/login",
            data={"email": email, "password": PASSWORD, "_xsrf": token[1]},
            headers={"Cookie": f"_xsrf={xsrf}"},
        )
        assert signed.status_code == 302
        assert {"secure", "httponly"} <= _cookies(signed)[COOKIE]
        session = f"{COOKIE}={_cookie_values(signed)[COOKIE]}"
        signed_out = client.get("/logout", headers={"Cookie": session})
        assert "secure" in _cookies(signed_out)[COOKIE]
    # plain HTTP, or a scheme in any other header, is not HTTPS
    for headers in ({}, {"X-Scheme": "https"}, {"X-Forwarded-Proto": "https, http"}):
        with served.client(**headers) as client:
            assert "secure" not in _cookies(client.get("/login"))["_xsrf"]
    served.answers()


# --- finding 11: files on disk ---------------------------------------------------------


def test_the_data_dir_and_database_files_are_private(served: Served) -> None:
    with served.client() as client:
        sign_in(client, served.add_user())  # a write: SQLite's WAL files are in use
    assert stat.S_IMODE(served.data_dir.stat().st_mode) == 0o700
    if served.backend == "sqlite":
        parts = sorted(served.data_dir.glob("workbench.db*"))
        assert [part.name for part in parts] == [
            "workbench.db",
            "workbench.db-shm",
            "workbench.db-wal",
        ]
        assert {part.name: stat.S_IMODE(part.stat().st_mode) for part in parts} == {
            part.name: 0o600 for part in parts
        }
    served.answers()


def test_expired_uploads_are_deleted_unless_a_job_still_reads_them(served: Served) -> None:
    """``serve`` sweeps at start: the folder to go may still be going when we look."""
    expired = served.uploads["expired"]
    deadline = time.monotonic() + START_TIMEOUT
    while expired.exists():
        assert time.monotonic() < deadline, served.log.read_text()
        time.sleep(0.2)
    assert served.uploads["recent"].is_dir()
    assert served.uploads["in use"].is_dir()
    served.answers()
