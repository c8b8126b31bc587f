"""Settings: URL conversion, secrets kept out of sight, the generated secret key, a data
dir and database files private to their owner."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest

from workbench.config import (
    Settings,
    describe_url,
    ensure_data_dir,
    get_settings,
    secret_key,
    to_async_url,
)
from workbench.db import Database
from workbench.errors import ConfigError


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/wb", "postgresql+asyncpg://u:p@db:5432/wb"),
        ("postgresql://u:p@db/wb", "postgresql+asyncpg://u:p@db/wb"),
        ("postgresql+asyncpg://u@db/wb", "postgresql+asyncpg://u@db/wb"),
        ("postgresql+psycopg2://u@db/wb", "postgresql+asyncpg://u@db/wb"),
        ("postgres://u@db/wb?sslmode=require", "postgresql+asyncpg://u@db/wb?ssl=require"),
        ("sqlite:///relative.db", "sqlite+aiosqlite:///relative.db"),
        ("sqlite:////abs/path/wb.db", "sqlite+aiosqlite:////abs/path/wb.db"),
        ("sqlite+aiosqlite:////abs/wb.db", "sqlite+aiosqlite:////abs/wb.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("  postgresql://u@db/wb  ", "postgresql+asyncpg://u@db/wb"),
    ],
)
def test_every_accepted_url_form_gets_its_async_driver(given: str, expected: str) -> None:
    assert to_async_url(given).render_as_string(hide_password=False) == expected


@pytest.mark.parametrize("given", ["mysql://u@db/wb", "not a url", "oracle://x"])
def test_unsupported_urls_are_one_clear_error(given: str) -> None:
    with pytest.raises(ConfigError, match="WORKBENCH_DATABASE_URL"):
        to_async_url(given)


def test_password_in_url_is_never_shown() -> None:
    url = to_async_url("postgresql://admin:s3cr3t-pw@db/wb")
    assert "s3cr3t-pw" not in describe_url(url)
    assert "s3cr3t-pw" not in repr(url)


def test_default_database_is_sqlite_in_the_data_dir(isolated_settings: Path) -> None:
    url = get_settings().async_database_url
    assert url.drivername == "sqlite+aiosqlite"
    assert url.database == str(isolated_settings / "workbench.db")


def test_database_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", "postgres://u@h/d")
    assert get_settings().async_database_url.drivername == "postgresql+asyncpg"


def test_secrets_never_appear_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPL_AUTH_KEY", "deepl-secret-value")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-secret-value")
    monkeypatch.setenv("WORKBENCH_SECRET_KEY", "x" * 40)
    settings = get_settings()
    shown = repr(settings) + str(settings) + str(settings.model_dump())
    for secret in ("deepl-secret-value", "sk-openai-secret-value", "x" * 40):
        assert secret not in shown
    assert settings.deepl_auth_key is not None
    assert settings.deepl_auth_key.get_secret_value() == "deepl-secret-value"


def test_ollama_host_without_scheme_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_HOST", "0.0.0.0:11434")
    assert get_settings().ollama_url == "http://0.0.0.0:11434"
    monkeypatch.setenv("WORKBENCH_OLLAMA_URL", "http://gpu-box:11434/")
    get_settings.cache_clear()
    assert get_settings().ollama_url == "http://gpu-box:11434"


def test_invalid_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_ENV", "staging")
    with pytest.raises(ConfigError, match="WORKBENCH_ENV"):
        get_settings()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("WORKBENCH_KERNELS_PER_USER", "0"),
        ("WORKBENCH_KERNELS_PER_USER", "many"),
        ("WORKBENCH_KERNEL_IDLE_MINUTES", "0"),
        ("WORKBENCH_KERNEL_IDLE_MINUTES", "-5"),
    ],
)
def test_kernel_limits_must_be_positive(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=f"^{variable} is not valid: "):
        get_settings()


def test_kernel_limits_have_their_defaults_and_take_minutes_in_fractions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = get_settings()
    assert (settings.kernels_per_user, settings.kernel_idle_minutes) == (6, 20)
    monkeypatch.setenv("WORKBENCH_KERNEL_IDLE_MINUTES", "0.5")
    get_settings.cache_clear()
    assert get_settings().kernel_idle_minutes == 0.5


def test_secret_key_is_generated_once_with_private_mode(isolated_settings: Path) -> None:
    first = secret_key(get_settings())
    second = secret_key(Settings())
    assert first == second
    assert len(first) >= 32
    mode = stat.S_IMODE((isolated_settings / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_secret_key_from_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_SECRET_KEY", "k" * 32)
    assert secret_key(get_settings()) == b"k" * 32


def test_short_secret_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="too short"):
        secret_key(get_settings())


def test_production_requires_a_secret_key(
    monkeypatch: pytest.MonkeyPatch, isolated_settings: Path
) -> None:
    monkeypatch.setenv("WORKBENCH_ENV", "production")
    with pytest.raises(ConfigError, match="WORKBENCH_SECRET_KEY must be set"):
        secret_key(get_settings())
    assert not (isolated_settings / "secret_key").exists()


def test_the_data_dir_is_made_private(isolated_settings: Path) -> None:
    assert ensure_data_dir(get_settings()) == isolated_settings
    assert stat.S_IMODE(isolated_settings.stat().st_mode) == 0o700


def test_a_data_dir_readable_by_others_is_made_private(isolated_settings: Path) -> None:
    isolated_settings.mkdir()
    isolated_settings.chmod(0o755)
    ensure_data_dir(get_settings())
    assert stat.S_IMODE(isolated_settings.stat().st_mode) == 0o700


def test_sqlite_files_are_private_new_or_old(isolated_settings: Path) -> None:
    """A new database file and its WAL files are 0600; one left 0644 is made 0600."""

    async def write(database: Database) -> None:
        async with database.engine.begin() as conn:
            await conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
            await conn.exec_driver_sql("INSERT INTO t VALUES (1)")

    async def modes_while_open() -> dict[str, int]:
        database = Database.from_settings()
        try:
            await write(database)
            return {
                path.name: stat.S_IMODE(path.stat().st_mode)
                for path in isolated_settings.glob("workbench.db*")
            }
        finally:
            await database.dispose()

    private = dict.fromkeys(("workbench.db", "workbench.db-shm", "workbench.db-wal"), 0o600)
    assert asyncio.run(modes_while_open()) == private
    (isolated_settings / "workbench.db").chmod(0o644)  # as an earlier version left it
    assert asyncio.run(modes_while_open()) == private
