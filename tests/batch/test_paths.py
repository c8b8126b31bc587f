"""Path confinement: traversal payloads are refused, legitimate paths pass."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workbench.batch.paths import confine, default_output, write_atomically
from workbench.errors import PathNotAllowed


@pytest.fixture
def root(tmp_path: Path) -> Path:
    allowed = tmp_path / "allowed"
    (allowed / "sub").mkdir(parents=True)
    (allowed / "sub" / "file.txt").write_text("ok")
    (tmp_path / "secret.txt").write_text("secret")
    (allowed / "link-out").symlink_to(tmp_path / "secret.txt")
    (allowed / "dir-out").symlink_to(tmp_path)
    (allowed / "link-in").symlink_to(allowed / "sub" / "file.txt")
    return allowed


TRAVERSALS = [
    "../secret.txt",
    "sub/../../secret.txt",
    "sub/../../../../../../etc/passwd",
    "/etc/passwd",
    "link-out",
    "dir-out/secret.txt",
    "sub/file.txt\x00.png",
    "",
    "   ",
]


@pytest.mark.parametrize("payload", TRAVERSALS)
def test_traversal_payloads_are_refused(root: Path, payload: str) -> None:
    target = payload if payload.startswith("/") or not payload.strip() else str(root / payload)
    with pytest.raises(PathNotAllowed):
        confine(target, [root])


def test_relative_traversal_from_the_working_directory(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(root / "sub")
    assert confine("file.txt", [root]) == root / "sub" / "file.txt"
    with pytest.raises(PathNotAllowed, match="outside the allowed folders"):
        confine("../../secret.txt", [root])


@pytest.mark.parametrize("inside", ["sub/file.txt", "sub/new-output.txt", "link-in", "."])
def test_paths_inside_are_resolved(root: Path, inside: str) -> None:
    resolved = confine(root / inside, [root])
    assert resolved.is_relative_to(root.resolve())
    assert resolved.is_absolute()


def test_any_of_several_roots(root: Path, tmp_path: Path) -> None:
    other = tmp_path / "out"
    other.mkdir()
    assert confine(other / "x.csv", [root, other]) == other / "x.csv"


def test_default_output_name(tmp_path: Path) -> None:
    source = tmp_path / "docs" / "guide.md"
    assert default_output(source, "fr") == tmp_path / "docs" / "guide.fr.md"
    assert default_output(source, "de", tmp_path / "out") == tmp_path / "out" / "guide.de.md"
    # A template translated into a language is that language's catalog.
    assert default_output(tmp_path / "app.pot", "pt_BR") == tmp_path / "app.pt_BR.po"


def test_atomic_write_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "result.txt"
    write_atomically(target, b"complete")
    assert target.read_bytes() == b"complete"
    assert os.listdir(target.parent) == ["result.txt"]
