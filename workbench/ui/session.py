"""Who is signed in, as the dashboard kernel sees it.

The server signs the user in (``workbench.server.identity``) and, before Voilà starts a
dashboard's kernel, puts one cell at the top of the notebook that calls :func:`sign_in`
with a short-lived token signed by the server's secret. The kernel checks the signature
and from then on acts, and is audited, as that user. A kernel started by Voilà without a
valid token has nobody signed in and every dashboard refuses to build.

The token carries the user's session generation (``users.session_generation``): once the
user signs out, changes their password or has their role or activity changed, a page
signed in before refuses to build, and its every action is refused
(:meth:`~workbench.accounts.audit.Actor.authorize`).

Outside Voilà (JupyterLab, nbval) the person running the kernel can already open the
database, so the dashboards act as ``WORKBENCH_USER`` (an email) or else the first admin.
"""

from __future__ import annotations

import json
import os
import uuid

import tornado.web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workbench.accounts.users import get_user
from workbench.config import Settings, derived_key, get_settings
from workbench.db.models import Role, User
from workbench.errors import AuthenticationFailed, PermissionDenied

TOKEN_NAME = "workbench-kernel"  # noqa: S105  (the signed value's name, not a secret)
TOKEN_MAX_AGE_DAYS = 1 / 24  # the kernel starts within seconds of the page request
USER_ENV = "WORKBENCH_USER"
_VOILA_ENV = "VOILA_SERVER_URL"  # Voilà sets it in every kernel it starts

_signed_in: tuple[uuid.UUID, int] | None = None  # the user and their session generation


def kernel_token(settings: Settings, user_id: uuid.UUID, generation: int) -> str:
    """The token the server hands to a kernel it starts for ``user_id``'s session."""
    payload = json.dumps({"user": str(user_id), "generation": generation})
    signed = tornado.web.create_signed_value(derived_key(settings, TOKEN_NAME), TOKEN_NAME, payload)
    return signed.decode()


def sign_in(token: str, settings: Settings | None = None) -> None:
    """Called by the cell the server puts first in every dashboard it serves."""
    global _signed_in  # one kernel serves one signed-in user
    secret = derived_key(settings or get_settings(), TOKEN_NAME)
    value = tornado.web.decode_signed_value(
        secret, TOKEN_NAME, token, max_age_days=TOKEN_MAX_AGE_DAYS
    )
    expired = AuthenticationFailed("this page's sign-in expired; reload the page to sign in again")
    if value is None:
        raise expired
    try:
        data = json.loads(value)
        _signed_in = (uuid.UUID(data["user"]), int(data["generation"]))
    except (ValueError, KeyError, TypeError):  # signed by an older version: sign in again
        raise expired from None


def sign_out() -> None:
    global _signed_in
    _signed_in = None


def signed_in_generation() -> int | None:
    """The session generation this kernel was signed in with; None outside Voilà."""
    return _signed_in[1] if _signed_in is not None else None


def under_voila() -> bool:
    return _VOILA_ENV in os.environ


async def signed_in_user(session: AsyncSession) -> User:
    """The active user this kernel acts for, or :class:`PermissionDenied`."""
    if _signed_in is not None:
        user = await session.get(User, _signed_in[0], populate_existing=True)
        if user is not None and user.is_active and user.session_generation != _signed_in[1]:
            raise PermissionDenied(
                "this page's sign-in has ended (signed out, or the password or role changed); "
                "reload the page to sign in again"
            )
    elif under_voila():
        raise PermissionDenied("nobody is signed in; open the dashboards through the sign-in page")
    elif email := os.environ.get(USER_ENV, "").strip():
        user = await get_user(session, email)
    else:
        user = await session.scalar(
            select(User)
            .where(User.role == Role.ADMIN, User.is_active)
            .order_by(User.created_at, User.email)
            .limit(1)
        )
        if user is None:
            raise PermissionDenied(
                "there is no admin yet; run `workbench init --admin-email EMAIL` first"
            )
    if user is None or not user.is_active:
        raise PermissionDenied("this account is not active; ask an admin")
    return user
