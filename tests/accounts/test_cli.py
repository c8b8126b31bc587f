"""`workbench users|keys|tiers` and `init --admin-email` as an operator runs them.

The round trip runs real processes against real databases on both backends, independent
commands side by side. The wider matrix of commands and mistakes goes through the same
entry point (:func:`workbench.cli.main`) in this process, because starting the CLI costs
about two seconds.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.engine import URL

from workbench.accounts.api_keys import verify_api_key
from workbench.accounts.passwords import authenticate
from workbench.cli import main
from workbench.config import get_settings
from workbench.db import Database
from workbench.db.models import AuditEntry
from workbench.errors import AuthenticationFailed

KEY = re.compile(r"wb_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")
GENERATED = re.compile(r"Generated password for (\S+) \(shown once, store it now\): (\S+)")


def workbench(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    # stdin is a pipe, never the terminal pytest runs in: nothing may prompt.
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args],
        env={**os.environ, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


Call = tuple[tuple[str, ...], dict[str, str]] | tuple[tuple[str, ...], dict[str, str], str]


def together(*calls: Call) -> list[subprocess.CompletedProcess[str]]:
    """Run independent commands side by side; (args, env[, stdin]) each."""

    def one(call: Call) -> subprocess.CompletedProcess[str]:
        return workbench(*call[0], env=call[1], stdin=call[2] if len(call) == 3 else "")

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def one_line_error(done: subprocess.CompletedProcess[str], exit_code: int = 2) -> str:
    assert done.returncode == exit_code, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def database_env(url: URL) -> dict[str, str]:
    plain = url.set(drivername=url.get_backend_name())  # the form a person would write
    return {"WORKBENCH_DATABASE_URL": plain.render_as_string(hide_password=False)}


def test_round_trip(db_url: URL) -> None:
    env = database_env(db_url)

    init, added = together(
        (("init", "--admin-email", "Boss@Example.org"), env),
        (("users", "add", "Ada@Example.org", "--password-stdin"), env, "correct horse battery\n"),
    )
    first = ok(init)
    assert "Created admin boss@example.org." in first
    generated = GENERATED.search(first)
    assert generated is not None
    assert generated.group(1) == "boss@example.org"
    admin_password = generated.group(2)
    assert ok(added).strip() == "Added ada@example.org (translator, tier free)."

    set_tier, key_made, user_list, ghost, gold = together(
        (("users", "set-tier", "ada@example.org", "pro", "--expires", "2099-01-01"), env),
        (("keys", "create", "ada@example.org", "--name", "laptop"), env),
        (("users", "list", "--search", "ADA"), env),
        (("users", "set-tier", "ghost@example.org", "pro"), env),
        (("users", "set-tier", "ada@example.org", "gold"), env),
    )
    assert "ada@example.org is now on the pro tier until 2099-01-01" in ok(set_tier)
    keys = KEY.findall(ok(key_made))
    assert len(keys) == 1, key_made.stdout
    key = keys[0]
    prefix = key[:15]
    rows = ok(user_list)
    assert "ada@example.org" in rows
    assert "boss@example.org" not in rows
    assert "1 user(s); page 1 of 1" in rows
    assert one_line_error(ghost) == "error: no user with the email ghost@example.org"
    assert one_line_error(gold) == "error: no tier named 'gold'; the tiers are: free, pro"

    async def signs_in() -> None:
        async with Database(db_url) as db, db.session() as session:
            assert (await authenticate(session, "boss@example.org", admin_password)).email
            assert (await authenticate(session, "ada@example.org", "correct horse battery")).email
            assert (await verify_api_key(session, key)).email == "ada@example.org"
            await session.commit()

    asyncio.run(signs_in())

    key_list, revoked = together(
        (("keys", "list", "ada@example.org"), env),
        (("keys", "revoke", prefix), env),
    )
    listed = ok(key_list)  # from before or after the revocation: both list the key
    assert prefix in listed
    assert "laptop" in listed
    assert re.search(r"\b(active|revoked)\b", listed)
    assert key[16:] not in listed
    assert f"API key {prefix} is revoked" in ok(revoked)

    async def revoked_and_audited() -> None:
        async with Database(db_url) as db, db.session() as session:
            with pytest.raises(AuthenticationFailed, match="revoked"):
                await verify_api_key(session, key)
            actors = set(await session.scalars(select(AuditEntry.actor_email)))
            actions = set(await session.scalars(select(AuditEntry.action)))
        assert len(actors) == 1
        assert actors.pop().startswith("cli:")
        assert {"user.create", "user.set_tier", "api_key.create", "api_key.revoke"} <= actions

    asyncio.run(revoked_and_audited())


def in_process(*args: str, env: dict[str, str], stdin: str = "") -> tuple[int, str, str]:
    """`workbench ARGS` through the same entry point, without starting a process."""
    get_settings.cache_clear()
    try:
        with CliRunner().isolation(input=stdin, env=env) as (out, err, _both):
            try:
                main(list(args))
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 1
            else:
                code = 0
            return code, out.getvalue().decode(), err.getvalue().decode()
    finally:
        get_settings.cache_clear()


ERRORS = [
    (("users", "set-tier", "ghost@example.org", "pro"), "no user with the email ghost@example.org"),
    (
        ("users", "set-tier", "ada@example.org", "gold"),
        "no tier named 'gold'; the tiers are: free, pro",
    ),
    (("users", "deactivate", "Ghost@example.org"), "no user with the email ghost@example.org"),
    (("users", "set-password", "ghost@example.org"), "no user with the email ghost@example.org"),
    (("users", "list", "--tier", "gold"), "no tier named 'gold'"),
    (("users", "add", "ADA@example.org"), "a user with the email ada@example.org already exists"),
    (("users", "add", "new@example.org", "--tier", "gold"), "no tier named 'gold'"),
    (("users", "add", "new@", "--admin"), "'new@' is not a valid email address"),
    (
        ("users", "set-tier", "ada@example.org", "pro", "--expires", "soon"),
        "--expires must be a date",
    ),
    (("users", "set-tier", "ada@example.org", "pro", "--expires", "2001-01-01"), "in the future"),
    (
        ("users", "set-tier", "ada@example.org", "free", "--expires", "2099-01-01"),
        "does not expire",
    ),
    (("keys", "create", "ghost@example.org"), "no user with the email ghost@example.org"),
    (("keys", "create", "ada@example.org", "--scope", "admin"), "unknown scope(s) 'admin'"),
    (
        ("keys", "create", "ada@example.org", "--provider", "bing"),
        "unknown provider 'bing'; the providers are: pseudo, google",
    ),
    (
        ("keys", "create", "ada@example.org", "--model", "gpt-4o"),
        "a key's model needs its provider",
    ),
    (
        ("keys", "create", "ada@example.org", "--rate", "0"),
        "the key's rate must be 1 to 100,000 requests per minute",
    ),
    (("keys", "list", "ghost@example.org"), "no user with the email ghost@example.org"),
    (("keys", "revoke", "wb_000000000000"), "no API key with the prefix 'wb_000000000000'"),
    (
        ("tiers", "set", "pro", "--daily-limit", "lots"),
        "--daily-limit must be a whole number or 'none'",
    ),
    (("tiers", "set", "pro", "--price", "9.999"), "price must be an amount such as 9.99"),
    (("tiers", "set", "pro", "--providers", "deepl,bing"), "unknown provider(s) 'bing'"),
    (("tiers", "set", "pro", "--currency", "euro"), "three-letter ISO 4217 code"),
    (("tiers", "set", "Gold Plan"), "'Gold Plan' is not a valid tier name"),
    (("tiers", "delete", "free"), "the tier 'free' cannot be deleted"),
    (("tiers", "delete", "gold"), "no tier named 'gold'"),
]


def test_errors_are_one_clear_line_with_exit_2(db_url: URL) -> None:
    env = database_env(db_url)
    code, _out, err = in_process(
        "users", "add", "ada@example.org", "--password-stdin", env=env, stdin="a fine password\n"
    )
    assert code == 0, err
    for args, expected in ERRORS:
        code, out, err = in_process(*args, env=env)
        assert code == 2, (args, out, err)
        assert "Traceback" not in err
        lines = err.strip().splitlines()
        assert len(lines) == 1, (args, err)
        assert lines[0].startswith("error: ")
        assert expected in lines[0], (args, lines[0])
    code, _out, err = in_process(
        "users", "add", "weak@example.org", "--password-stdin", env=env, stdin="short\n"
    )
    assert (code, err.strip()) == (
        2,
        "error: password refused: it must have at least 10 characters",
    )


def test_the_last_admin_cannot_lock_everyone_out(db_url: URL) -> None:
    env = {**database_env(db_url), "WORKBENCH_ADMIN_PASSWORD": "the admin password"}
    assert in_process("init", "--admin-email", "boss@example.org", env=env)[0] == 0
    for args in (
        ("users", "deactivate", "boss@example.org"),
        ("users", "set-role", "boss@example.org", "translator"),
    ):
        code, _out, err = in_process(*args, env=env)
        assert code == 2
        assert "last active admin" in err
    code, out, _err = in_process("users", "show", "boss@example.org", env=env)
    assert code == 0
    assert "role:                  admin" in out


def test_more_commands(db_url: URL) -> None:
    env = database_env(db_url)
    code, out, err = in_process(
        "init", "--admin-email", "boss@example.org",
        env={**env, "WORKBENCH_ADMIN_PASSWORD": "the admin password"},
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert "Created admin boss@example.org." in out
    assert "Generated password" not in out  # it came from WORKBENCH_ADMIN_PASSWORD
    code, out, _ = in_process("init", "--admin-email", "BOSS@example.org", env=env)
    assert code == 0
    assert "Admin boss@example.org already exists; its password is unchanged." in out

    code, out, _ = in_process("users", "add", "bob@example.org", "--admin", env=env)
    assert code == 0
    assert "Added bob@example.org (admin, tier free)." in out
    assert GENERATED.search(out) is not None

    code, out, _ = in_process(
        "tiers", "set", "team", "--daily-limit", "none", "--monthly-chars", "2_000_000",
        "--price", "9.99", "--currency", "usd", "--providers", "deepl,openai", "--rpm", "60",
        "--label-fr", "Équipe", env=env,
    )  # fmt: skip
    assert code == 0
    assert out.startswith("Created tier team: 9.99 USD/month, unlimited translations/day")
    assert in_process("users", "set-tier", "bob@example.org", "team", env=env)[0] == 0
    code, out, _ = in_process("tiers", "list", env=env)
    assert re.search(
        r"team\s+Team / Équipe\s+9\.99 USD\s+unlimited\s+2,000,000\s+60\s+deepl,openai\s+1", out
    )

    steps = [
        (
            ("users", "set-role", "bob@example.org", "translator"),
            "bob@example.org is now translator.",
        ),
        (("users", "deactivate", "bob@example.org"), "bob@example.org is now deactivated."),
        (("users", "activate", "bob@example.org"), "bob@example.org is now active."),
        (("users", "reset-count", "bob@example.org"), "back to 0"),
        (("users", "list", "--role", "translator", "--active"), "bob@example.org"),
        (("users", "show", "bob@example.org"), "translations today:    0 of unlimited"),
        (("users", "delete", "bob@example.org", "--yes"), "Deleted bob@example.org."),
        (("users", "list", "--tier", "team"), "No users match."),
        (("tiers", "delete", "team"), "Deleted tier team."),
    ]
    for args, expected in steps:
        code, out, err = in_process(*args, env=env)
        assert code == 0, (args, err)
        assert expected in out, (args, out)

    code, out, _ = in_process(
        "users", "set-password", "boss@example.org", "--password-stdin",
        env=env, stdin="another admin secret\n",
    )  # fmt: skip
    assert (code, out.strip()) == (0, "Password of boss@example.org changed.")

    code, out, err = in_process(
        "keys", "create", "boss@example.org", "--provider", "pseudo", "--model", "accents",
        "--rate", "30", env=env,
    )  # fmt: skip
    assert code == 0, err
    assert "provider pseudo, model accents, 30 requests per minute" in out
    code, _out, err = in_process(
        "keys", "create", "boss@example.org", "--provider", "deepl", env=env
    )
    assert (code, err.strip()) == (
        3,
        "error: the free tier does not include the provider deepl; it includes: pseudo, google",
    )


def test_input_errors_are_one_line(tmp_path: Path) -> None:
    fresh = {"WORKBENCH_DATA_DIR": str(tmp_path / "never-initialised")}
    outcomes = together(
        (("init", "--admin-email", "not-an-email"), {}),
        (("users", "list"), fresh),
    )
    lines = [one_line_error(done) for done in outcomes]
    assert "'not-an-email' is not a valid email address" in lines[0]
    assert "run `workbench init` first" in lines[1]
    assert not (tmp_path / "never-initialised" / "workbench.db").exists()
