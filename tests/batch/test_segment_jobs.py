"""Jobs on segments with inline codes, on both databases: a provider that breaks codes is
reported, the memory keys on codes, prose is what is billed, plain texts stay plain, the
reading choices reach the format when the job is submitted and when its output is
written, and outputs keep their input's file mode.

Two real classes are registered for these tests: a file format whose lines are canonical
segments as written (so a test says exactly which codes a segment has, whatever the
package's formats make of their markup), and a provider whose replies lose standalone
codes.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import stat
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.engine import URL

from tests.batch.test_engine import make_user
from workbench import inline
from workbench.batch import commands, jobs
from workbench.batch.engine import Engine
from workbench.batch.formats import FORMATS
from workbench.batch.formats.base import Document, FileFormat, FormatOptions, Segment
from workbench.batch.jobs import JobSpec, Reading
from workbench.batch.paths import file_inputs, write_atomically
from workbench.batch.report import Check, Outcome, Row, build, to_csv
from workbench.config import get_settings
from workbench.db import Database
from workbench.db.models import JobSegment, JobStatus, TranslationMemory, User
from workbench.notebook import Workbench
from workbench.providers import registry
from workbench.providers.base import Translated
from workbench.providers.pseudo import PseudoProvider
from workbench.providers.terms import GlossaryTerm, TermMatcher

STANDALONE = re.compile(r"<x [^>]*/>")


class SegmentLines(FileFormat):
    """Lines that are canonical segments as written; ``#`` lines are notes, kept as they
    are; blank lines stay. Each read's options are recorded in ``read_with``."""

    name = "segment lines"
    extensions = (".seg",)

    def __init__(self) -> None:
        self.read_with: list[FormatOptions] = []

    def read(self, data: bytes, options: FormatOptions) -> Document:
        self.read_with.append(options)
        lines = data.decode("utf-8").split("\n")
        slots: list[int] = []
        segments: list[Segment] = []
        notes: list[str] = []
        for index, line in enumerate(lines):
            if line.startswith("#"):
                notes.append(f"line {index + 1}: a comment, kept as it is")
            elif line:
                inline.parse(line)  # a line that is not a canonical segment is refused
                slots.append(index)
                segments.append(Segment(line, f"line {index + 1}"))

        def render(translations: Sequence[str]) -> bytes:
            written = list(lines)
            for index, translation in zip(slots, translations, strict=True):
                written[index] = translation
            return "\n".join(written).encode("utf-8")

        return Document(segments, render, notes)


class CodeBreaker(PseudoProvider):
    """Pseudo, with replies that lose every standalone code. What it returns is what the
    provider interface promises for such replies (after its retry): the segment's texts
    translated between its codes, and ``repaired`` saying what the reply broke."""

    name = "codebreaker"

    async def translate_segments(
        self, segments: Sequence[str], **arguments: Any
    ) -> list[Translated]:
        kept = await super().translate_segments(segments, **arguments)
        return [
            Translated(result.text, inline.code_problem(inline.parse(segment), broken))
            for segment, result in zip(segments, kept, strict=True)
            for broken in [STANDALONE.sub("", result.text)]
        ]


@pytest.fixture
def lines_format(monkeypatch: pytest.MonkeyPatch) -> SegmentLines:
    fmt = SegmentLines()
    monkeypatch.setitem(FORMATS, ".seg", fmt)
    return fmt


@pytest.fixture
def codebreaker(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(registry._LOCATIONS, "codebreaker", (__name__, "CodeBreaker"))
    return "codebreaker"


@pytest.fixture
async def engine(db: Database) -> Iterator[Engine]:
    async with Engine(db) as engine:
        yield engine  # type: ignore[misc]


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


async def job_segments(db: Database, job_id: uuid.UUID) -> list[JobSegment]:
    async with db.session() as session:
        rows = await session.scalars(
            select(JobSegment).where(JobSegment.job_id == job_id).order_by(JobSegment.position)
        )
        return list(rows)


async def test_codes_a_provider_breaks_are_repaired_stored_and_reported(
    engine: Engine, db: Database, tmp_path: Path, lines_format: SegmentLines, codebreaker: str
) -> None:
    source = tmp_path / "doc.seg"
    broken = 'Open <x id="1" equiv="{file}"/> now'
    kept = 'Save <g id="1">all</g> files'
    source.write_text(f"{broken}\n{kept}\n# draft\n42\n")
    inputs = file_inputs([source], "fr", data_dir=tmp_path)
    job = await engine.translate_now(JobSpec(codebreaker, "fr", inputs=tuple(inputs)))
    assert job.status is JobStatus.COMPLETED, job.error

    stored = await job_segments(db, job.id)
    assert [(s.source_text, s.code_issue) for s in stored] == [
        (broken, "code 1 is missing"),
        (kept, None),
    ]
    # The file is whole: every code is in its place, the prose is translated.
    written = Path(inputs[0].output).read_text().split("\n")
    assert inline.code_problem(inline.parse(broken), written[0]) is None
    assert inline.code_problem(inline.parse(kept), written[1]) is None
    assert written[0] != broken
    assert written[2:] == ["# draft", "42", ""]

    # The report says where, in readable text (the code by what it stands for), and why;
    # the file's note is there too.
    repaired = inline.parse(written[0]).readable
    assert "{file}" in repaired
    assert [Row.from_json(row) for row in job.qa_report or []] == [
        Row(Check.UNTRANSLATED, "doc.seg", "", "", "line 3: a comment, kept as it is"),
        Row(Check.CODES, "doc.seg, line 1", "Open {file} now", repaired, "code 1 is missing"),
    ]
    assert job.options["notes"] == [{"file": "doc.seg", "text": "line 3: a comment, kept as it is"}]
    assert csv_rows(to_csv(job.qa_report or []))[2] == [
        "codes repaired",
        "doc.seg, line 1",
        "Open {file} now",
        repaired,
        "code 1 is missing",
    ]

    # A repaired translation is not remembered: the next job asks the provider again.
    again = await engine.translate_now(JobSpec(codebreaker, "fr", inputs=tuple(inputs)))
    assert (again.memory_hits, again.billed_characters) == (1, len("Open  now"))


async def test_segments_that_differ_only_in_codes_are_two_memory_entries(
    engine: Engine, db: Database, tmp_path: Path, lines_format: SegmentLines
) -> None:
    source = tmp_path / "doc.seg"
    texts = [
        'Save <g id="1">all</g> files',
        "Save all files",
        'Save <x id="1" equiv="%s"/>all files',
    ]
    source.write_text("\n".join(texts))
    inputs = file_inputs([source], "fr", data_dir=tmp_path)
    job = await engine.translate_now(JobSpec("pseudo", "fr", inputs=tuple(inputs)))
    assert (job.total_segments, job.memory_hits) == (3, 0)
    async with db.session() as session:
        remembered = dict(
            (
                await session.execute(
                    select(TranslationMemory.source_text, TranslationMemory.translated_text)
                )
            ).all()
        )
    assert set(remembered) == set(texts)
    # Each entry gives back its own codes.
    for text in texts:
        assert inline.code_problem(inline.parse(text), remembered[text]) is None

    # The same text given directly (a DataFrame cell) is the code-less entry.
    job = await engine.translate_now(JobSpec("pseudo", "fr"), ["Save all files"])
    assert job.memory_hits == 1
    again = await engine.translate_now(JobSpec("pseudo", "fr", inputs=tuple(inputs)))
    assert (again.memory_hits, again.billed_characters) == (3, 0)


async def test_prose_is_what_is_counted_billed_and_reserved(
    engine: Engine, db: Database, tmp_path: Path, lines_format: SegmentLines
) -> None:
    url = "https://example.org/" + "a-long-path/" * 20
    prose = "Read  today &"
    source = tmp_path / "doc.seg"
    source.write_text(
        f'Read <x id="1" equiv="{url}"/> today &amp;\n'
        '<x id="1" equiv="{count}"/>\n'  # no prose: kept, never sent
        '<g id="1"><x id="2" equiv="42"/></g>\n'
    )
    user_id = await make_user(db, "pro")
    spec = JobSpec(
        "pseudo",
        "fr",
        user_id=user_id,
        inputs=tuple(file_inputs([source], "fr", data_dir=tmp_path)),
    )
    estimate = await engine.estimate(spec)
    assert (estimate.segments, estimate.characters, estimate.billed_characters) == (
        1,
        len(prose),
        len(prose),
    )
    job = await engine.translate_now(spec)
    assert job.status is JobStatus.COMPLETED, job.error
    assert (job.characters, job.billed_characters) == (len(prose), len(prose))
    async with db.session() as session:
        user = await session.get_one(User, user_id)
    assert user.monthly_character_count == len(prose)
    written = Path(spec.inputs[0].output).read_text().split("\n")
    assert written[1:] == [
        '<x id="1" equiv="{count}"/>',
        '<g id="1"><x id="2" equiv="42"/></g>',
        "",
    ]


async def test_texts_given_directly_are_plain_text_both_ways(
    db_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", db_url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    cells = ["a < b & c", "Tom &amp; Jerry", "<b>bold</b> move"]
    async with await Workbench.open() as wb:
        frame = pd.DataFrame({"text": cells})
        result = await wb.translate_frame(frame, "text", "fr", progress=False)
        translated = result["text_fr"].tolist()
        assert await wb.translate_texts(cells, "fr", progress=False) == translated
        again = await wb.translate_frame(frame, "text", "fr", progress=False)
    assert again["from_memory"].tolist() == [True, True, True]
    assert again["text_fr"].tolist() == translated
    first, second, third = translated
    assert first != cells[0]
    assert "<" in first
    assert "&" in first
    assert "&lt;" not in first
    assert "&amp;" not in first
    assert "&amp;" in second
    assert "&amp;amp;" not in second
    assert "<b>" in third
    assert "&lt;" not in third


def test_reading_choices_reach_the_format_on_submit_and_on_write(
    db_url: URL, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines_format: SegmentLines
) -> None:
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", db_url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    source = tmp_path / "doc.seg"
    source.write_text("Hello there\n# kept\n")
    runner = CliRunner()
    arguments = [str(source), "--to", "fr", "--column", "en:fr", "--column", "note"]
    arguments += ["--header-row", "2", "--fuzzy", "--front-matter", "title"]
    arguments += ["--front-matter", "summary", "--queue"]
    done = runner.invoke(commands.translate, arguments, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    # The file's note is said on stderr, one line.
    assert "note: doc.seg: line 2: a comment, kept as it is\n" in done.stderr
    chosen = (("en:fr", "note"), 2, True, ("title", "summary"))
    assert [_choices(o) for o in lines_format.read_with] == [chosen]

    # A worker writes the output later: it reads the file as the job was submitted.
    lines_format.read_with.clear()

    async def work() -> JobStatus:
        async with Database(db_url) as db, Engine(db) as engine:
            async with db.session() as session:
                (job,) = await jobs.list_jobs(session)
            await engine.work(job.id, "worker-1")
            async with db.session() as session:
                return (await jobs.get_job(session, job.id)).status

    assert asyncio.run(work()) is JobStatus.COMPLETED
    assert [_choices(o) for o in lines_format.read_with] == [chosen]

    # Without the options, the formats' defaults (Markdown's title and description).
    lines_format.read_with.clear()
    done = runner.invoke(commands.translate, [str(source), "--to", "de"])
    assert done.exit_code == 0, done.output
    assert {_choices(o) for o in lines_format.read_with} == {
        ((), None, False, ("title", "description"))
    }


def _choices(options: FormatOptions) -> tuple[object, ...]:
    return (options.columns, options.header_row, options.translate_fuzzy, options.front_matter_keys)


def test_translate_help_explains_the_reading_options() -> None:
    done = CliRunner().invoke(commands.translate, ["--help"], terminal_width=100)
    assert done.exit_code == 0
    text = " ".join(done.output.split())
    assert "--column SRC[:DEST]" in text
    assert "SRC:DEST fills column DEST (created when missing) and leaves SRC as it is" in text
    assert "--header-row N" in text
    assert "--fuzzy PO: translate fuzzy entries too" in text
    assert "--front-matter KEY Markdown: a front-matter key whose value is translated" in text


def test_a_stored_input_keeps_its_reading_choices_and_old_rows_still_read() -> None:
    reading = Reading(("en:fr",), 3, True, ("title",))
    item = jobs.JobInput("in.csv", "out.csv", reading)
    assert jobs.JobInput.from_json(item.to_json()) == item
    old = {"path": "in.csv", "output": "out.csv", "columns": ["text"]}
    assert jobs.JobInput.from_json(old).reading == Reading(columns=("text",))


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600])
async def test_an_output_keeps_its_input_file_mode(
    engine: Engine, tmp_path: Path, mode: int
) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("A paragraph of text.\n")
    source.chmod(mode)
    inputs = file_inputs([source], "fr", data_dir=tmp_path)
    job = await engine.translate_now(JobSpec("pseudo", "fr", inputs=tuple(inputs)))
    assert job.status is JobStatus.COMPLETED, job.error
    assert stat.S_IMODE(Path(inputs[0].output).stat().st_mode) == mode


def test_write_atomically_sets_the_mode_asked_for(tmp_path: Path) -> None:
    kept = tmp_path / "kept.bin"
    write_atomically(kept, b"ours")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    shared = tmp_path / "shared.txt"
    write_atomically(shared, b"theirs", mode=0o664)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o664
    assert shared.read_bytes() == b"theirs"


def test_the_report_csv_neutralises_formulas_and_reads_older_rows() -> None:
    rows = [
        Row(Check.CODES, "a.seg, line 1", "=1+1", "@SUM(A1)", "code 1 is missing").to_json(),
        # A row glossary QA stored before this report existed.
        {
            "segment": 0,
            "source": "Hi",
            "translation": "-Salut",
            "term": "Hi",
            "expected": "Bonjour",
        },
    ]
    written = csv_rows(to_csv(rows))
    assert written == [
        ["check", "where", "source", "translation", "problem"],
        ["codes repaired", "a.seg, line 1", "'=1+1", "'@SUM(A1)", "code 1 is missing"],
        [
            "glossary term missing",
            "",
            "Hi",
            "'-Salut",
            "“Bonjour” is missing (the glossary's target for “Hi”)",
        ],
    ]


def test_glossary_qa_looks_at_readable_text_not_markup() -> None:
    matcher = TermMatcher(
        [GlossaryTerm("Tom & Jerry", "Tom et Jerry"), GlossaryTerm("the file", "le fichier")]
    )
    cartoon = "Watch Tom &amp; Jerry"
    opening = 'Open <g id="1">the</g> file <x id="2" equiv="{name}"/>'
    outcomes = [
        Outcome("a, line 1", cartoon, "Regardez Tom et Jerry"),
        Outcome("a, line 2", cartoon, "Regardez Tom &amp; Jerry"),
        Outcome("a, line 3", opening, 'Ouvrez <g id="1">le</g> fichier <x id="2" equiv="{name}"/>'),
        Outcome("a, line 4", opening, 'Ouvrez le dossier <x id="2" equiv="{name}"/>'),
    ]
    rows = build(outcomes, [], matcher)
    assert [(row.check, row.where, row.source, row.translation) for row in rows] == [
        (Check.GLOSSARY, "a, line 2", "Watch Tom & Jerry", "Regardez Tom & Jerry"),
        (Check.GLOSSARY, "a, line 4", "Open the file {name}", "Ouvrez le dossier {name}"),
    ]


async def test_the_notebook_takes_the_same_reading_choices(
    db_url: URL, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines_format: SegmentLines
) -> None:
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", db_url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    source = tmp_path / "doc.seg"
    source.write_text("Hello there\n# kept\n")
    async with await Workbench.open() as wb:
        job = await wb.translate_files(
            [source],
            "fr",
            columns=["en:fr"],
            header_row=4,
            translate_fuzzy=True,
            front_matter_keys=["title", "tags"],
            progress=False,
        )
    assert job.status is JobStatus.COMPLETED, job.error
    chosen = (("en:fr",), 4, True, ("title", "tags"))
    # Read when submitted, read again to write the output: the same choices both times.
    assert [_choices(options) for options in lines_format.read_with] == [chosen, chosen]
    assert job.options["notes"] == [{"file": "doc.seg", "text": "line 2: a comment, kept as it is"}]
