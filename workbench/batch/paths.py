"""Where batch jobs may read and write: every path is resolved and confined to roots.

The allowed roots are the data dir, the input's own directory and an output directory
the user named. ``..``, absolute paths elsewhere, symlinks that lead out and NUL bytes
are refused with one clear error; outputs are written atomically (temporary file in the
same directory, then rename), so a failure never leaves half a file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from workbench.errors import PathNotAllowed


def confine(path: str | os.PathLike[str], roots: Iterable[Path]) -> Path:
    """``path`` resolved (symlinks followed), if it lies inside one of ``roots``."""
    raw = os.fspath(path)
    if "\x00" in raw:
        raise PathNotAllowed("a path contains a NUL byte")
    if not raw.strip():
        raise PathNotAllowed("an empty path was given")
    resolved = Path(raw).expanduser().resolve()
    allowed = [Path(root).expanduser().resolve() for root in roots]
    for root in allowed:
        if resolved == root or resolved.is_relative_to(root):
            return resolved
    shown = ", ".join(str(root) for root in allowed) or "(none)"
    raise PathNotAllowed(f"{raw} is outside the allowed folders ({shown})")


def default_output(source: Path, target_lang: str, out_dir: Path | None = None) -> Path:
    """``<name>.<lang>.<ext>`` next to the input, or in ``out_dir``."""
    name = f"{source.stem}.{target_lang}{source.suffix}"
    return (out_dir or source.parent) / name


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
