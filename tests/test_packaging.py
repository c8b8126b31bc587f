"""Dependencies: pyproject.toml's ranges, the conda environment and the committed lock agree."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    name = re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0]
    return name.lower().replace("_", "-")


def test_environment_yml_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        wanted |= {_name(r) for r in extra}

    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = {_name(d) for d in environment["dependencies"] if isinstance(d, str)}
    listed -= {"python", "pip"}
    pip_part = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    # The package itself last, editable; before it what only PyPI has.
    assert pip_part[-1] == "-e ."
    listed |= {_name(d) for d in pip_part[:-1]}
    # sqlalchemy[asyncio] pulls greenlet on PyPI; conda-forge's sqlalchemy depends on it.
    assert listed == wanted


# --- the lock ---------------------------------------------------------------------------


def _locked(name: str) -> dict[str, list[tuple[str, str]]]:
    """requirements/<name>.txt as {package: [(version, marker)]}, checking every pin has hashes."""
    pins: dict[str, list[tuple[str, str]]] = {}
    text = (ROOT / "requirements" / f"{name}.txt").read_text()
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        first = block.splitlines()[0]
        if first.startswith("#") or not first.strip():
            continue
        match = re.match(r"([A-Za-z0-9_.\-]+)==([^ ;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\", first)
        assert match, f"{name}.txt: not a hashed pin: {first}"
        assert "--hash=sha256:" in block, f"{name}.txt: {match[1]} has no hash"
        pins.setdefault(_name(match[1]), []).append((match[2], (match[3] or "").strip()))
    return pins


def _requirements(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = list(project["project"]["dependencies"])
    if extra:
        listed += project["project"]["optional-dependencies"][extra]
    listed += project["build-system"]["requires"]
    return [Requirement(r) for r in listed]


@pytest.mark.parametrize(("lock", "extra"), [("run", None), ("test", "test")])
def test_the_lock_pins_every_dependency_within_its_range(lock: str, extra: str | None) -> None:
    pins = _locked(lock)
    for requirement in _requirements(extra):
        versions = pins.get(_name(requirement.name))
        assert versions, f"{requirement.name} is not in requirements/{lock}.txt: run scripts/lock"
        for version, _marker in versions:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"requirements/{lock}.txt pins {requirement.name}=={version}, outside "
                f"{requirement.specifier}: run scripts/lock"
            )


def test_run_and_test_locks_agree_on_shared_versions() -> None:
    run, test = _locked("run"), _locked("test")
    assert set(run) <= set(test)
    for name, versions in run.items():
        assert versions == test[name], name


def test_everything_installs_from_the_lock() -> None:
    install = (ROOT / "scripts" / "venv.sh").read_text()
    assert "--require-hashes" in install
    assert "venv_from_lock requirements/run.txt" in (ROOT / "scripts" / "install").read_text()
    assert "venv_from_lock requirements/test.txt" in (ROOT / "scripts" / "test").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.count("--require-hashes --no-deps -r") == 2
    assert "--no-build-isolation" in dockerfile
