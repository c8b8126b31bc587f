"""Who calls the API: ``Authorization: DeepL-Auth-Key <workbench key>``, checked per request.

A workbench API key (``wb_<prefix>_<secret>``) is sent the way DeepL's clients send
theirs; :func:`workbench.accounts.api_keys.prove_api_key` proves it (HMAC), refuses a
revoked or expired key or a deactivated owner, and records its use (``last_used_at``).

Scopes: translating and listing languages need ``translate``; ``/v2/usage`` accepts
``usage`` or ``translate``, because a client that translates needs to see what it has
left (DeepL's clients ask before they send) and shows nothing of anyone else's.

Every authenticated request counts against the owner's tier requests-per-minute and the
key's own limit (:func:`workbench.accounts.ratelimit.admit_api_request`), kept in the
database so that several API processes share them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.accounts.api_keys import ApiScope, prove_api_key
from workbench.accounts.ratelimit import admit_api_request
from workbench.db import Database, begin_write
from workbench.errors import AuthenticationFailed, PermissionDenied, RateLimitExceeded

SCHEME = "DeepL-Auth-Key"
MAX_HEADER = 512  # a workbench key is ~60 characters


@dataclass(frozen=True)
class Caller:
    """A proven key: its owner, its public prefix and what it is pinned to (if anything)."""

    user_id: uuid.UUID
    key_prefix: str
    provider: str | None = None
    model: str | None = None


def key_from_header(value: str | None) -> str:
    """The key of an ``Authorization: DeepL-Auth-Key <key>`` header, else 403."""
    if not value:
        raise AuthenticationFailed(
            f"missing API key: send the header 'Authorization: {SCHEME} <your workbench key>'"
        )
    scheme, _, key = value.strip()[:MAX_HEADER].partition(" ")
    if scheme.lower() != SCHEME.lower() or not key.strip():
        raise AuthenticationFailed(
            f"unsupported authorization: send 'Authorization: {SCHEME} <your workbench key>'"
        )
    return key.strip()


async def authenticate(db: Database, key: str, scopes: Sequence[ApiScope]) -> Caller:
    """The caller of a valid key having one of ``scopes``; its use is recorded and
    counted against the owner's tier rate and the key's own (429 beyond either)."""
    async with db.session() as session:
        # One write transaction: the key's check, its use and the rate limits' hits.
        await begin_write(session)
        row, user = await prove_api_key(session, key)
        if not any(scope.value in row.scopes for scope in scopes):
            wanted = " or ".join(repr(scope.value) for scope in scopes)
            await session.commit()  # the key's use is recorded all the same
            raise PermissionDenied(f"the API key {row.prefix} does not have the {wanted} scope")
        try:
            # Counted in the database, so the limit holds across every API process.
            await admit_api_request(session, user.id, row)
        except RateLimitExceeded:
            await session.commit()  # the refused request's hits were undone; its use stays
            raise
        await session.commit()
    return Caller(user.id, row.prefix, row.provider or None, row.model or None)
