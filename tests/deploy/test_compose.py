"""The deployment files: compose.yaml is valid Compose, every setting is documented,
the image runs what compose runs, as a user that is not root, with nothing secret in it."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

import jsonschema

from tests.deploy.conftest import COMPOSE_FILE, ROOT, compose
from workbench.config import Settings

SCHEMA = Path(__file__).with_name("compose-spec.json")
ENV_EXAMPLE = ROOT / "deploy" / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"

# Read by the package itself, outside Settings (the notebooks in JupyterLab).
OTHER_SETTINGS = {"WORKBENCH_USER"}


def documented() -> dict[str, str]:
    """Each variable of .env.example (set or commented out) with the comment above it."""
    found: dict[str, str] = {}
    comment: list[str] = []
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=", line)
        if match:
            found.setdefault(match[1], " ".join(comment))
        elif line.startswith("#"):
            comment.append(line.lstrip("# "))
        else:
            comment = []
    return found


def referenced() -> set[str]:
    """Every variable compose.yaml interpolates (``$$`` is a literal dollar for the shell)."""
    text = COMPOSE_FILE.read_text().replace("$$", "")
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text))


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def test_compose_file_follows_the_compose_specification() -> None:
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft201909Validator(schema)
    errors = sorted(validator.iter_errors(compose()), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_schema_catches_a_mistake() -> None:
    broken = compose()
    broken["services"]["worker"]["depends_on"]["migrate"]["condition"] = "finished"
    validator = jsonschema.Draft201909Validator(json.loads(SCHEMA.read_text()))
    assert list(validator.iter_errors(broken))


def test_every_variable_compose_uses_is_documented() -> None:
    variables = documented()
    missing = referenced() - variables.keys()
    assert not missing, f"not in deploy/.env.example: {sorted(missing)}"
    assert all(variables[name] for name in referenced()), "each needs a comment"


def test_every_workbench_setting_is_documented() -> None:
    names = set(OTHER_SETTINGS)
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names.update(choice for choice in getattr(alias, "choices", ()) if isinstance(choice, str))
    assert {"WORKBENCH_SECRET_KEY", "DEEPL_AUTH_KEY", "OLLAMA_HOST"} <= names
    missing = names - documented().keys()
    assert not missing, f"not in deploy/.env.example: {sorted(missing)}"


def test_env_example_holds_no_secret_values() -> None:
    for line in ENV_EXAMPLE.read_text().splitlines():
        if re.match(r"^[A-Z_]*(KEY|PASSWORD)=", line):
            assert line.endswith("="), f"a real-looking secret in .env.example: {line}"


def test_workbench_services_share_the_data_volume_and_wait_for_the_migration() -> None:
    services = compose()["services"]
    for name in ("migrate", "dashboards", "worker"):
        service = services[name]
        assert "workbench-data:/data" in service["volumes"]
        assert service["environment"]["WORKBENCH_DATA_DIR"] == "/data"
        assert service["env_file"] == ".env"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("dashboards", "worker"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"
    assert "--no-worker" in services["dashboards"]["command"]
    # Scaling with --scale needs no fixed container name or host port.
    assert "container_name" not in services["worker"]
    assert "ports" not in services["worker"]
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]


def test_the_proxy_forwards_to_the_dashboards_with_tls() -> None:
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "{$WORKBENCH_DOMAIN}" in caddyfile
    assert "reverse_proxy dashboards:8866" in caddyfile
    proxy = compose()["services"]["proxy"]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert "443:443" in proxy["ports"]


def _proxied_to_the_api(path: str) -> bool:
    """Whether the Caddyfile's ``@api`` matcher (Caddy's path globs) takes ``path``."""
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    (patterns,) = re.findall(r"^\s*@api path (.+)$", caddyfile, flags=re.MULTILINE)
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns.split())


def _example_path(route: str) -> str:
    """A concrete path a tornado route pattern matches (each group filled in)."""
    path = re.sub(r"\([^)]*\)", "abc", route.replace("\\.", "."))
    return path.replace("/?", "").rstrip("$")


def test_the_proxy_sends_every_api_path_to_the_api_and_nothing_else() -> None:
    from workbench.api.app import api_handlers
    from workbench.api.service import ApiServices

    routes = [route for route, *_ in api_handlers(ApiServices())]
    assert "/v2/translate" in routes
    missed = [route for route in routes if not _proxied_to_the_api(_example_path(route))]
    assert not missed, f"the proxy sends these API routes to the dashboards: {missed}"
    for dashboards_path in (
        "/",
        "/login",
        "/voila/render/users.ipynb",
        "/workbench/download/job/x",
    ):
        assert not _proxied_to_the_api(dashboards_path), dashboards_path
    services = compose()["services"]
    assert services["api"]["command"][:2] == ["workbench", "api"]
    assert services["api"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert "api" in services["proxy"]["depends_on"]
    assert "reverse_proxy api:8867" in (ROOT / "deploy" / "Caddyfile").read_text()


def test_the_image_runs_what_compose_runs_as_a_user_without_secrets() -> None:
    instructions = dockerfile_instructions()
    runtime = instructions[max(i for i, (op, _) in enumerate(instructions) if op == "FROM") :]
    assert runtime[0][1].startswith("python:3.11-slim")
    users = [argument for op, argument in runtime if op == "USER"]
    assert users
    assert users[-1] not in ("root", "0")
    assert ("EXPOSE", "8866") in runtime
    healthcheck = next(argument for op, argument in runtime if op == "HEALTHCHECK")
    assert healthcheck.endswith('CMD ["workbench", "healthcheck"]')
    command = json.loads(next(argument for op, argument in runtime if op == "CMD"))
    # Compose adds --behind-proxy: it puts the proxy in front; the image alone has none.
    assert [*command, "--behind-proxy"] == compose()["services"]["dashboards"]["command"]
    for op, argument in instructions:
        if op in ("ENV", "ARG"):
            assert not re.search(r"SECRET|PASSWORD|_KEY", argument), argument


def test_the_build_copies_what_the_wheel_needs_and_nothing_ignored() -> None:
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    copied = [
        part
        for op, argument in dockerfile_instructions()
        if op == "COPY" and not argument.startswith("--from")
        for part in argument.split()[:-1]
    ]
    # The wheel packages the dashboards and the migrations (pyproject's force-include).
    assert {"pyproject.toml", "README.md", "workbench", "alembic", "notebooks"} <= set(copied)
    for path in copied:
        assert (ROOT / path).exists(), path
        assert not any(fnmatch.fnmatch(path, pattern) for pattern in ignored), path
    for secret in (".env", "workbench-data", ".git"):
        assert secret in ignored
