"""Settings from the environment and a ``.env`` file (DESIGN §3).

Secrets are ``SecretStr``: they never appear in a ``repr``, a log line or an error.
``get_settings()`` is cached; tests and long-lived processes that change the environment
call ``get_settings.cache_clear()``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from workbench.errors import ConfigError

DATABASE_FILE = "workbench.db"
SECRET_KEY_FILE = "secret_key"  # noqa: S105  (a file name, not a secret)
PRIVATE_DIR_MODE = 0o700


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    env: Literal["development", "production"] = Field(
        "development", validation_alias=_env("WORKBENCH_ENV")
    )
    data_dir: Path = Field(Path("workbench-data"), validation_alias=_env("WORKBENCH_DATA_DIR"))
    database_url: str | None = Field(None, validation_alias=_env("WORKBENCH_DATABASE_URL"))
    secret_key: SecretStr | None = Field(None, validation_alias=_env("WORKBENCH_SECRET_KEY"))
    # `workbench init --admin-email`: the first admin's password, else prompted or generated.
    admin_password: SecretStr | None = Field(
        None, validation_alias=_env("WORKBENCH_ADMIN_PASSWORD")
    )
    # Where a quota day and month begin and end (an IANA zone name).
    quota_timezone: str = Field("UTC", validation_alias=_env("WORKBENCH_QUOTA_TIMEZONE"))
    # Files uploaded to the Translate page are deleted this long after their upload, once
    # no queued or running job reads them.
    upload_retention_days: float = Field(
        7, gt=0, le=3650, validation_alias=_env("WORKBENCH_UPLOAD_RETENTION_DAYS")
    )
    # A document sent to the HTTP API (``/v2/document``) larger than this is refused (413)
    # before it is read whole.
    max_upload_mb: int = Field(50, ge=1, le=4096, validation_alias=_env("WORKBENCH_MAX_UPLOAD_MB"))
    # Dashboard kernels: each open page holds one process. Past the limit, the user's least
    # recently active idle kernel is shut down for the new page; a kernel no page is
    # connected to is shut down after this many idle minutes (fractions allowed).
    kernels_per_user: int = Field(6, ge=1, validation_alias=_env("WORKBENCH_KERNELS_PER_USER"))
    kernel_idle_minutes: float = Field(
        20, gt=0, validation_alias=_env("WORKBENCH_KERNEL_IDLE_MINUTES")
    )

    deepl_auth_key: SecretStr | None = Field(None, validation_alias=_env("DEEPL_AUTH_KEY"))
    openai_api_key: SecretStr | None = Field(None, validation_alias=_env("OPENAI_API_KEY"))
    google_cloud_api_key: SecretStr | None = Field(
        None, validation_alias=_env("GOOGLE_CLOUD_API_KEY")
    )

    deepl_url: str | None = Field(None, validation_alias=_env("WORKBENCH_DEEPL_URL"))
    openai_url: str | None = Field(None, validation_alias=_env("WORKBENCH_OPENAI_URL"))
    google_url: str | None = Field(None, validation_alias=_env("WORKBENCH_GOOGLE_URL"))
    google_cloud_url: str | None = Field(None, validation_alias=_env("WORKBENCH_GOOGLE_CLOUD_URL"))
    ollama_url: str = Field(
        "http://127.0.0.1:11434", validation_alias=_env("WORKBENCH_OLLAMA_URL", "OLLAMA_HOST")
    )

    # Limits on every input, checked before any work starts (workbench.limits).
    max_uncompressed_mb: int = Field(
        100, ge=1, validation_alias=_env("WORKBENCH_MAX_UNCOMPRESSED_MB")
    )
    max_compression_ratio: int = Field(
        100, ge=1, validation_alias=_env("WORKBENCH_MAX_COMPRESSION_RATIO")
    )
    max_cells: int = Field(2_000_000, ge=1, validation_alias=_env("WORKBENCH_MAX_CELLS"))
    max_nesting: int = Field(100, ge=1, validation_alias=_env("WORKBENCH_MAX_NESTING"))
    max_segments: int = Field(200_000, ge=1, validation_alias=_env("WORKBENCH_MAX_SEGMENTS"))
    max_segment_bytes: int = Field(
        65_536, ge=1, validation_alias=_env("WORKBENCH_MAX_SEGMENT_BYTES")
    )

    @field_validator("data_dir")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("quota_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        value = value.strip()
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as UTC") from exc
        return value

    @field_validator("ollama_url")
    @classmethod
    def _ollama_scheme(cls, value: str) -> str:
        # OLLAMA_HOST is often given as "host:port" without a scheme, as ollama itself accepts.
        value = value.strip().rstrip("/")
        return value if "://" in value else f"http://{value}"

    @field_validator(
        "database_url", "deepl_url", "openai_url", "google_url", "google_cloud_url", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def quota_zone(self) -> ZoneInfo:
        return ZoneInfo(self.quota_timezone)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def async_database_url(self) -> URL:
        """The database URL with its async driver; the SQLite file in the data dir by default."""
        if self.database_url is None:
            return make_url(f"sqlite+aiosqlite:///{self.data_dir / DATABASE_FILE}")
        return to_async_url(self.database_url)


def environment_of(settings: Settings) -> dict[str, str]:
    """These settings as environment variables, for the processes a server starts.

    Dashboard kernels run in the notebooks' folder and workers may start elsewhere: with
    these variables they see exactly the server's settings (the same data dir, database and
    secret), whatever their working directory, and without reading its ``.env`` file.
    Relative paths are made absolute.
    """
    values: dict[str, str] = {}
    for name, field in Settings.model_fields.items():
        value = getattr(settings, name)
        if value is None:
            continue
        if name == "database_url":
            url = to_async_url(value)
            if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
                url = url.set(database=str(Path(url.database).expanduser().resolve()))
            value = url.render_as_string(hide_password=False)
        elif isinstance(value, SecretStr):
            value = value.get_secret_value()
        alias = field.validation_alias
        variable = str(alias.choices[0]) if isinstance(alias, AliasChoices) else name.upper()
        values[variable] = str(value)
    return values


def to_async_url(raw: str) -> URL:
    """Convert any accepted database URL form to its async driver.

    ``postgres://`` and ``postgresql://`` (and sync PostgreSQL drivers) become
    ``postgresql+asyncpg://``; ``sqlite://`` becomes ``sqlite+aiosqlite://``. A libpq
    ``sslmode`` parameter becomes asyncpg's ``ssl``.
    """
    try:
        url = make_url(raw.strip())
    except ArgumentError as exc:
        raise ConfigError(
            "WORKBENCH_DATABASE_URL is not a database URL; use sqlite:///PATH or "
            "postgresql://USER@HOST/DB"
        ) from exc
    backend, _, _driver = url.drivername.partition("+")
    if backend in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+asyncpg")
        if "sslmode" in url.query:
            query = dict(url.query)
            query["ssl"] = query.pop("sslmode")
            url = url.set(query=query)
        return url
    if backend == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    raise ConfigError(
        f"WORKBENCH_DATABASE_URL uses an unsupported database {backend!r}; "
        "use sqlite:///PATH or postgresql://USER@HOST/DB"
    )


def describe_url(url: URL) -> str:
    """The URL as it may be shown to a person: never with its password."""
    return url.render_as_string(hide_password=True)


def secret_key(settings: Settings) -> bytes:
    """The server secret (API-key HMAC, sessions).

    From ``WORKBENCH_SECRET_KEY``; outside production, generated once into the data dir
    with mode 0600 and reused from there.
    """
    if settings.secret_key is not None:
        value = settings.secret_key.get_secret_value()
        if len(value) < 32:
            raise ConfigError("WORKBENCH_SECRET_KEY is too short; use at least 32 characters")
        return value.encode()
    if settings.is_production:
        raise ConfigError("WORKBENCH_SECRET_KEY must be set when WORKBENCH_ENV=production")
    path = settings.data_dir / SECRET_KEY_FILE
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    ensure_data_dir(settings)
    key = secrets.token_urlsafe(48).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process generated it first: use theirs
        return path.read_bytes().strip()
    except OSError as exc:
        raise ConfigError(f"cannot write the secret key to {path}: {exc.strerror}") from exc
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def derived_key(settings: Settings, purpose: str) -> bytes:
    """A key for one purpose (session cookies, kernel sign-in), derived from the secret key.

    Rotating ``WORKBENCH_SECRET_KEY`` changes every derived key, so it signs everyone out.
    """
    return hmac.new(secret_key(settings), f"workbench:{purpose}".encode(), hashlib.sha256).digest()


def ensure_data_dir(settings: Settings) -> Path:
    """Create the data dir if needed, private to its owner (0700), and check it is writable.

    It holds the database (password hashes, API-key HMACs), the secret key and everyone's
    uploads: a data dir made readable by others is made private again.
    """
    path = settings.data_dir
    try:
        path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        info = path.stat()
        if info.st_mode & 0o077 and info.st_uid == os.getuid():
            path.chmod(stat.S_IMODE(info.st_mode) & PRIVATE_DIR_MODE)
    except OSError as exc:
        raise ConfigError(
            f"cannot create the data directory {path}: {exc.strerror}; "
            "set WORKBENCH_DATA_DIR to a writable folder"
        ) from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(
            f"the data directory {path} is not writable; "
            "set WORKBENCH_DATA_DIR to a writable folder"
        )
    return path


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problem = exc.errors()[0]
        name = _env_name(problem["loc"])
        raise ConfigError(f"{name} is not valid: {problem['msg']}") from exc


def variable(field: str) -> str:
    """The environment variable of a setting, for messages that tell how to change it."""
    return _env_name((field,))


def _env_name(location: tuple[int | str, ...]) -> str:
    field = Settings.model_fields.get(str(location[0])) if location else None
    alias = field.validation_alias if field else None
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]
    return ".".join(str(part) for part in location) or "a setting"
