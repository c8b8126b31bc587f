"""The conda environment and pyproject.toml declare the same dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

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
    # sqlalchemy[asyncio] pulls greenlet on PyPI; conda-forge's sqlalchemy depends on it.
    assert listed == wanted
    pip_part = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert pip_part == ["-e ."]
