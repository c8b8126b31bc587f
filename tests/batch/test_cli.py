"""`workbench translate`, `jobs` and `worker` as a user runs them: real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import URL


@pytest.fixture
def run(db_url: URL, isolated_settings: Path):  # type: ignore[no-untyped-def]
    env = {**os.environ, "WORKBENCH_DATABASE_URL": db_url.render_as_string(hide_password=False)}

    def workbench(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "workbench.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return workbench


def one_line_error(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_translate_a_file_then_again_from_memory(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "notes.md"
    source.write_text("# Title\n\nA paragraph of text.\n")
    first = run("translate", str(source), "--to", "fr")
    assert first.returncode == 0, first.stderr
    output = tmp_path / "notes.fr.md"
    assert output.read_text().startswith("# [")
    assert "completed" in first.stdout
    assert f"wrote {output}" in first.stdout
    assert "2 segments to translate (0 from memory)" in first.stderr
    assert "100%" in first.stderr  # the progress bar reached the end

    again = run("translate", str(source), "--to", "fr")
    assert again.returncode == 0, again.stderr
    assert "from memory 2, characters billed 0" in again.stdout

    listed = run("jobs", "list")
    assert listed.returncode == 0
    assert listed.stdout.count("completed") == 2
    job_id = listed.stdout.splitlines()[1].split()[0]
    shown = run("jobs", "show", job_id)
    assert shown.returncode == 0
    assert "pseudo" in shown.stdout
    assert str(source) in shown.stdout


def test_a_gettext_locale_name_is_a_target(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "app.pot"
    source.write_text('msgid "Save the file"\nmsgstr ""\n')
    done = run("translate", str(source), "--to", "sr@latin")
    assert done.returncode == 0, done.stderr
    written = (tmp_path / "app.sr@latin.po").read_text()
    assert '"Language: sr@latin\\n"' in written
    assert '#, fuzzy\nmsgid "Save the file"\nmsgstr "[' in written
    refused = one_line_error(run("translate", str(source), "--to", "sr@klingon"), 2)
    assert "'sr@klingon' is not a language code" in refused


def test_translate_csv_columns_into_an_output_folder(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "strings.csv"
    source.write_text("id,text,note\n1,Hello,keep\n2,World,keep\n")
    out = tmp_path / "out"
    done = run("translate", str(source), "--to", "de", "--column", "text", "--out", str(out))
    assert done.returncode == 0, done.stderr
    rows = (out / "strings.de.csv").read_text().splitlines()
    assert rows[0] == "id,text,note"
    assert rows[1].startswith("1,[")
    assert rows[1].endswith(",keep")


def test_translate_a_column_into_a_new_one(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "strings.csv"
    source.write_bytes(b"Menu,,\r\nkey,en,note\r\nopen,Open,x\r\n")
    out = tmp_path / "out"
    done = run("translate", str(source), "--to", "fr", "--column", "en:fr", "--out", str(out))
    assert done.returncode == 0, done.stderr
    written = (out / "strings.fr.csv").read_bytes()
    assert written.startswith(b"Menu,,\r\nkey,en,note,fr\r\nopen,Open,x,[")
    # Told the header is the first row, the file has no column "en" there.
    told = run("translate", str(source), "--to", "fr", "--column", "en", "--header-row", "1")
    assert (
        one_line_error(told, 2) == "error: strings.csv: column 'en' not found; the file has: 'Menu'"
    )


@pytest.mark.parametrize(
    ("setup", "args", "fragment"),
    [
        (None, ["missing.txt", "--to", "fr"], "no such file"),
        ("a.exe", ["a.exe", "--to", "fr"], "unsupported file type .exe"),
        ("a.csv", ["a.csv", "--to", "fr"], "--column"),
        ("a.txt", ["a.txt", "--to", "fr", "--provider", "babelfish"], "unknown provider"),
        ("a.txt", ["a.txt", "--to", "fr", "--as", "nobody@example.org"], "nobody@example.org"),
        ("a.txt", ["a.txt", "--to", "fr", "--glossary", "nope"], "no glossary named 'nope'"),
        ("a.txt", ["a.txt", "--to", "fr", "--provider", "deepl"], "DEEPL_AUTH_KEY"),
    ],
)
def test_translate_mistakes_are_one_line_and_exit_2(  # type: ignore[no-untyped-def]
    run, tmp_path: Path, setup: str | None, args: list[str], fragment: str
) -> None:
    if setup is not None:
        (tmp_path / setup).write_text("id,text\n1,Hello\n" if setup.endswith(".csv") else "Hi")
    paths = [str(tmp_path / a) if a.endswith((".txt", ".exe", ".csv")) else a for a in args]
    line = one_line_error(run("translate", *paths), 2)
    assert fragment in line


def test_an_output_symlink_leading_out_is_refused(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "a.txt").write_text("Hello")
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("precious")
    (folder / "a.fr.txt").symlink_to(outside)
    line = one_line_error(run("translate", str(folder / "a.txt"), "--to", "fr"), 2)
    assert "outside the allowed folders" in line
    assert outside.read_text() == "precious"


def test_over_quota_exits_3(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("users", "add", "small@example.org", "--tier", "free").returncode == 0
    assert run("tiers", "set", "free", "--monthly-chars", "5").returncode == 0
    (tmp_path / "a.txt").write_text("More than five characters.")
    line = one_line_error(
        run("translate", str(tmp_path / "a.txt"), "--to", "fr", "--as", "small@example.org"), 3
    )
    assert "character" in line


def test_jobs_commands_refuse_unknown_and_wrong_state_jobs(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert "no job starts with" in one_line_error(run("jobs", "show", "abcdef12"), 2)
    assert "first 6 to 8" in one_line_error(run("jobs", "cancel", "xyz"), 2)
    (tmp_path / "a.txt").write_text("Hello")
    assert run("translate", str(tmp_path / "a.txt"), "--to", "fr").returncode == 0
    job_id = run("jobs", "list").stdout.splitlines()[1].split()[0]
    assert "only queued or running" in one_line_error(run("jobs", "cancel", job_id), 2)
    assert "only failed or cancelled" in one_line_error(run("jobs", "resume", job_id), 2)


def test_worker_runs_a_queued_job_and_exits_when_idle(  # type: ignore[no-untyped-def]
    run, db_url: URL, tmp_path: Path
) -> None:
    script = (
        "import asyncio\n"
        "from workbench.notebook import Workbench\n"
        "from workbench.batch.jobs import JobSpec\n"
        "async def main():\n"
        "    async with await Workbench.open() as wb:\n"
        "        job, _ = await wb.engine.submit(JobSpec('pseudo', 'fr'), ['Queued text'])\n"
        "        print(job.id.hex[:8])\n"
        "asyncio.run(main())\n"
    )
    env = {**os.environ, "WORKBENCH_DATABASE_URL": db_url.render_as_string(hide_password=False)}
    queued = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert "queued" in run("jobs", "show", queued).stdout
    worked = run("worker", "--until-idle", "--poll", "0.1")
    assert worked.returncode == 0, worked.stderr
    assert "worker stopped after translating 1 segments" in worked.stderr
    assert "completed" in run("jobs", "show", queued).stdout
