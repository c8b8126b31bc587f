"""Where batch jobs may read and write: every path is resolved and confined to roots.

The allowed roots are the data dir, the input's own directory and an output directory
the user named. ``..``, absolute paths elsewhere, symlinks that lead out and NUL bytes
are refused with one clear error; outputs are written atomically (temporary file in the
same directory, then rename), so a failure never leaves half a file.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from workbench.batch.jobs import JobInput, Reading
from workbench.errors import InvalidInput, PathNotAllowed


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
    """``<name>.<lang>.<ext>`` next to the input, or in ``out_dir``; a gettext template
    (``.pot``) translated is a catalog, ``<name>.<lang>.po``."""
    suffix = ".po" if source.suffix.lower() == ".pot" else source.suffix
    name = f"{source.stem}.{target_lang}{suffix}"
    return (out_dir or source.parent) / name


def file_inputs(
    paths: Iterable[str | os.PathLike[str]],
    target_lang: str,
    *,
    data_dir: Path,
    out_dir: str | os.PathLike[str] | None = None,
    reading: Reading | None = None,
) -> list[JobInput]:
    """Job inputs for files a person named, each read and written inside allowed roots.

    The roots are the data dir, the file's own folder and ``out_dir``; outputs are
    ``<name>.<lang>.<ext>`` next to each file or in ``out_dir``. Every file is read as
    ``reading`` says (columns, header row, fuzzy entries, front-matter keys).
    """
    target_dir = confine(out_dir, [Path(out_dir)]) if out_dir is not None else None
    inputs = []
    for raw in paths:
        source = Path(os.fspath(raw)).expanduser().resolve()
        roots = [data_dir, source.parent, *([target_dir] if target_dir is not None else [])]
        source = confine(source, roots)
        if not source.is_file():
            raise InvalidInput(f"{raw}: no such file")
        output = confine(default_output(source, target_lang, target_dir), roots)
        if output == source:
            raise InvalidInput(f"{raw}: the output would overwrite the input")
        inputs.append(JobInput(str(source), str(output), reading or Reading()))
    return inputs


def write_atomically(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``path`` whole or not at all, with permission bits ``mode``.

    A translated file gets its input's mode (:func:`mode_of`): a file a team shares stays
    readable by the team. The default, owner only, is for what the workbench keeps.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            # Set on the open file before it gets its name: no moment with other bits.
            os.fchmod(out.fileno(), mode)
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def mode_of(path: Path) -> int:
    """The permission bits of ``path`` (not its type, setuid or sticky bits)."""
    return stat.S_IMODE(path.stat().st_mode) & 0o777
