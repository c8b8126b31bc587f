"""Sign-in for the dashboards, against the workbench's own users (argon2id passwords).

:class:`WorkbenchIdentityProvider` is Voilà's identity provider: a signed session cookie
names the user and their session generation; every request re-reads the user's row, so a
deactivated user is out at their next request. Signing out, a password change, a role
change and deactivation add one to the generation (``users.session_generation``), which
ends every session of that user at once, in every browser. Sessions also end after
:data:`SESSION_HOURS`. The sign-in form gives the same answer for a wrong email and a
wrong password, and attempts are limited per email and per client address, each counted
before its password is checked (:mod:`workbench.server.throttle`).
"""

from __future__ import annotations

import html
import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from jupyter_server.auth.identity import IdentityProvider
from jupyter_server.auth.identity import User as JupyterUser
from sqlalchemy import select
from tornado import web

from workbench.accounts import passwords, users
from workbench.config import get_settings
from workbench.db import Database
from workbench.db.models import Role, User
from workbench.errors import AuthenticationFailed
from workbench.server.throttle import LoginThrottle
from workbench.ui.i18n import LANGUAGE_NAMES, LANGUAGES, Texts, language_or_default
from workbench.ui.pages import home_page
from workbench.ui.style import CSS

log = logging.getLogger(__name__)

COOKIE = "workbench_session"
SESSION_HOURS = 12
_MAX_AGE_DAYS = SESSION_HOURS / 24
MAX_NEXT_LENGTH = 2000

_database: Database | None = None
throttle = LoginThrottle()


def database() -> Database:
    """The server process's database (opened on first use, inside the server's event loop)."""
    global _database
    if _database is None:
        _database = Database.from_settings(get_settings())
    return _database


@dataclass
class SignedInUser(JupyterUser):
    """Voilà's user, with what the workbench needs to authorise a page."""

    user_id: str = ""
    is_admin: bool = False
    language: str = "en"
    generation: int = 0


def session_cookie_value(user_id: uuid.UUID, generation: int, issued: float | None = None) -> str:
    return json.dumps(
        {"user": str(user_id), "generation": generation, "issued": issued or time.time()}
    )


class WorkbenchIdentityProvider(IdentityProvider):
    """Voilà's sign-in, backed by the workbench's users."""

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return True

    @property
    def logout_available(self) -> bool:
        return True

    def get_handlers(self) -> list[tuple[str, object]]:
        return [(r"/login", SignInHandler), (r"/logout", SignOutHandler)]

    def validate_security(self, app: Any, ssl_options: dict[str, Any] | None = None) -> None:
        if app.ip in ("", "0.0.0.0", "::") and ssl_options is None:  # noqa: S104  (a check)
            app.log.warning(
                "The dashboards listen on every address without TLS; "
                "put them behind a reverse proxy with HTTPS (see docs/operations.md)."
            )

    async def get_user(self, handler: web.RequestHandler) -> SignedInUser | None:
        raw = handler.get_secure_cookie(COOKIE, max_age_days=_MAX_AGE_DAYS)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            user_id = uuid.UUID(data["user"])
            generation = int(data["generation"])
            issued = float(data["issued"])
        except (ValueError, KeyError, TypeError):
            return None
        if time.time() - issued > SESSION_HOURS * 3600:
            return None
        async with database().session() as session:
            row = (
                await session.execute(
                    select(
                        User.email,
                        User.role,
                        User.is_active,
                        User.preferred_language,
                        User.session_generation,
                    ).where(User.id == user_id)
                )
            ).one_or_none()
        if row is None or not row.is_active or row.session_generation != generation:
            return None
        return SignedInUser(
            username=row.email,
            user_id=str(user_id),
            is_admin=row.role is Role.ADMIN,
            language=language_or_default(row.preferred_language),
            generation=generation,
        )


def safe_next(target: str | None) -> str | None:
    """A same-site path to return to after sign-in, or None (no open redirects, and nothing
    that cannot go in a header: a CR or LF would split the redirect's)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if len(target) > MAX_NEXT_LENGTH or not target.isprintable():
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc:
        return None
    return target


def request_language(handler: web.RequestHandler) -> str:
    chosen = handler.get_argument("lang", None)
    if chosen in LANGUAGES:
        return chosen
    header = handler.request.headers.get("Accept-Language", "")
    for part in header.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


class SignInHandler(web.RequestHandler):
    """``/login``: the sign-in form (GET) and its submission (POST)."""

    def get(self) -> None:
        self._page(Texts(request_language(self)))

    async def post(self) -> None:
        self.check_xsrf_cookie()
        texts = Texts(request_language(self))
        email = self.get_body_argument("email", "").strip().lower()
        password = self.get_body_argument("password", "")
        keys = [("email", email), ("address", str(self.request.remote_ip))]
        wait = throttle.reserve(keys)  # counted now, before the password is checked
        if wait > 0:
            minutes = max(1, round(wait / 60))
            self.set_status(429)
            message = texts._(
                "Too many sign-in attempts. Try again in {minutes} minutes.", minutes=minutes
            )
            self._page(texts, message, email)
            return
        try:
            async with database().session() as session:
                user = await passwords.authenticate(session, email, password)
                await session.commit()
        except AuthenticationFailed:
            log.info("sign-in refused for %r from %s", email[:100], self.request.remote_ip)
            self.set_status(401)
            self._page(texts, texts._("Wrong email or password."), email)
            return
        throttle.succeeded(keys)
        self.set_secure_cookie(  # Secure under HTTPS: the edge adds it to every cookie
            COOKIE,
            session_cookie_value(user.id, user.session_generation),
            expires_days=None,  # a browser-session cookie; the server ends it after SESSION_HOURS
            httponly=True,
            samesite="Lax",
        )
        target = (
            safe_next(self.get_argument("next", None)) or home_page(user.role is Role.ADMIN).path
        )
        self.redirect(target)

    def _page(self, texts: Texts, error: str = "", email: str = "") -> None:
        next_path = safe_next(self.get_argument("next", None)) or ""
        problem = (
            f'<div class="wb-status wb-status-error" role="alert">{html.escape(error)}</div>'
            if error
            else ""
        )
        other = "fr" if texts.lang == "en" else "en"
        title, brand = texts._("Sign in"), texts._("Translation Workbench")
        email_label, password_label = texts._("Email"), texts._("Password")
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.write(
            f"""<!doctype html>
<html lang="{texts.lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {brand}</title>{CSS}
<style>body{{font-family:system-ui,sans-serif;background:#f4f6f9;margin:0}}
form{{max-width:22em;margin:8vh auto;background:#fff;padding:2em;border-radius:8px;
box-shadow:0 1px 4px #0002}} label{{display:block;margin:.8em 0 .2em}}
input{{width:100%;padding:.5em;box-sizing:border-box}} button{{margin-top:1.2em;width:100%;
padding:.6em;background:#1f3a5f;color:#fff;border:0;border-radius:4px;font-size:1em}}
.wb-lang{{text-align:right;font-size:.9em}}</style></head>
<body><form method="post" action="/login?lang={texts.lang}" class="wb-login">
<div class="wb-lang"><a href="/login?lang={other}">{LANGUAGE_NAMES[other]}</a></div>
<h1>{brand}</h1>{problem}
{self.xsrf_form_html()}
<input type="hidden" name="next" value="{html.escape(next_path)}">
<label for="email">{email_label}</label>
<input id="email" name="email" type="email" autocomplete="username" required
 value="{html.escape(email)}" autofocus>
<label for="password">{password_label}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">{title}</button>
</form></body></html>"""
        )


class SignOutHandler(web.RequestHandler):
    """``/logout``: end the user's sessions everywhere and go back to the sign-in form."""

    async def get(self) -> None:
        user = await self.settings["identity_provider"].get_user(self)
        if isinstance(user, SignedInUser):
            async with database().session() as session:
                await users.end_sessions(session, uuid.UUID(user.user_id))
                await session.commit()
        self.clear_cookie(COOKIE)
        self.redirect("/login")
