"""The engine with the offline provider on both databases: every format end to end,
translation memory, quotas and usage, the DataFrame API, and refusals that leave nothing
behind."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import URL

from tests.batch.samples import every_format
from tests.providers.conftest import FAST
from tests.providers.fakes.deepl_api import translated as deepl_translated
from workbench import inline
from workbench.accounts.users import create_user
from workbench.batch.engine import Engine, translations_of
from workbench.batch.formats import FormatOptions, format_for
from workbench.batch.jobs import JobSpec, Reading
from workbench.batch.paths import file_inputs
from workbench.config import get_settings
from workbench.db import Database
from workbench.db.models import (
    JobSegment,
    JobStatus,
    Setting,
    Tier,
    TranslationJob,
    UsageEvent,
    User,
)
from workbench.errors import InvalidInput, ProviderNotAllowed, QuotaExceeded
from workbench.notebook import Workbench


def pseudo_looking(text: str) -> bool:
    return text.startswith("[") and text.endswith("]") and text != text.strip("[]")


@pytest.fixture
async def engine(db: Database) -> Engine:
    engine = Engine(db)
    yield engine  # type: ignore[misc]
    await engine.aclose()


async def make_user(db: Database, tier: str = "pro", email: str | None = None) -> uuid.UUID:
    async with db.session() as session:
        user = await create_user(
            session,
            email=email or f"{uuid.uuid4().hex[:8]}@example.org",
            hashed_password="x",
            tier=tier,
        )
        await session.commit()
        return user.id


def write_inputs(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, (content, _) in every_format().items():
        (folder / name).write_bytes(content)
        paths[name] = folder / name
    return paths


@pytest.mark.parametrize("provider", ["pseudo", "deepl"])
@pytest.mark.parametrize("name", list(every_format()))
async def test_every_format_end_to_end(
    db: Database, tmp_path: Path, name: str, provider: str, request: pytest.FixtureRequest
) -> None:
    """Each format through the offline provider and through DeepL's wire (a fake)."""
    target = "fr"
    options = {}
    if provider == "deepl":
        request.getfixturevalue("fake_deepl")
        target, options = "FR", {"deepl": FAST}
    paths = write_inputs(tmp_path / "in")
    columns = every_format()[name][1]
    inputs = file_inputs([paths[name]], target, data_dir=tmp_path, reading=Reading(columns=columns))
    async with Engine(db, provider_options=options) as engine:
        job = await engine.translate_now(JobSpec(provider, target, inputs=tuple(inputs)))

    assert job.status is JobStatus.COMPLETED, job.error
    output = Path(inputs[0].output)
    assert output.name == name.replace(".", f".{target}.", 1)
    assert job.outputs == [{"input": str(paths[name]), "output": str(output)}]

    # Every stored translation is the provider's, and segments without letters were kept.
    async with db.session() as session:
        stored = await translations_of(session, job.id)
    options = FormatOptions(columns, target_lang=target)  # as the engine reads it
    original = format_for(paths[name]).read(paths[name].read_bytes(), options)
    translatable = {t for t in original.texts if any(c.isalpha() for c in inline.text_of(t))}
    assert set(stored) == translatable
    for before, after in stored.items():
        # Segments are canonical: every code comes back, and the texts are the provider's.
        source = inline.parse(before)
        assert inline.code_problem(source, after) is None, (before, after)
        if provider == "deepl" and not source.codes:
            assert inline.text_of(after) == deepl_translated(inline.text_of(before), "FR")
        elif provider == "deepl":
            assert deepl_translated("", "FR") in inline.text_of(after)
        else:
            assert pseudo_looking(inline.text_of(after).strip()) or source.codes, after

    # The output is the input with each text replaced by its translation, nothing else.
    expected = original.render([stored.get(t, t) for t in original.texts])
    if name.endswith(".xlsx"):  # openpyxl stamps the archive with the time it saves
        again = format_for(output).read(output.read_bytes(), options).texts
        assert again == format_for(output).read(expected, options).texts
    else:
        assert output.read_bytes() == expected


async def test_json_placeholders_and_keys_survive(engine: Engine, tmp_path: Path) -> None:
    paths = write_inputs(tmp_path)
    inputs = file_inputs([paths["app.json"]], "de", data_dir=tmp_path)
    await engine.translate_now(JobSpec("pseudo", "de", inputs=tuple(inputs)))
    result = json.loads(Path(inputs[0].output).read_text())
    assert set(result["menu"]) == {"open", "count", "items"}
    assert "{file}" in result["menu"]["open"]
    assert "{n}" in result["menu"]["count"]
    assert result["version"] == 3


async def test_malformed_input_is_refused_and_nothing_is_stored(
    engine: Engine, db: Database, tmp_path: Path
) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"a": ')
    inputs = file_inputs([bad], "fr", data_dir=tmp_path)
    with pytest.raises(InvalidInput, match=r"broken\.json: this JSON file is malformed"):
        await engine.translate_now(JobSpec("pseudo", "fr", inputs=tuple(inputs)))
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(TranslationJob)) == 0
    assert not Path(inputs[0].output).exists()


async def test_duplicates_are_sent_once_and_the_second_run_comes_from_memory(
    engine: Engine, db: Database
) -> None:
    texts = ["Hello", "World", "Hello", "", "  ", "42", "World", "Again"]
    first = await engine.translate_now(JobSpec("pseudo", "fr"), texts)
    assert (first.total_segments, first.memory_hits) == (3, 0)
    assert first.billed_characters == len("Hello") + len("World") + len("Again")

    estimate = await engine.estimate(JobSpec("pseudo", "fr"), texts)
    assert (estimate.from_memory, estimate.to_translate, estimate.billed_characters) == (3, 0, 0)
    second = await engine.translate_now(JobSpec("pseudo", "fr"), texts)
    assert (second.memory_hits, second.billed_characters) == (3, 0)
    async with db.session() as session:
        flags = set(
            await session.scalars(
                select(JobSegment.from_memory).where(JobSegment.job_id == second.id)
            )
        )
    assert flags == {True}

    # Another target language is another memory entry.
    other = await engine.estimate(JobSpec("pseudo", "de"), texts)
    assert other.from_memory == 0


async def test_quota_is_reserved_and_settled_once(
    engine: Engine, db: Database, tmp_path: Path
) -> None:
    user_id = await make_user(db, "pro")
    paths = write_inputs(tmp_path)
    inputs = file_inputs([paths["notes.txt"], paths["movie.srt"]], "fr", data_dir=tmp_path)
    job = await engine.translate_now(JobSpec("pseudo", "fr", user_id=user_id, inputs=tuple(inputs)))
    assert job.status is JobStatus.COMPLETED
    async with db.session() as session:
        user = await session.get_one(User, user_id)
        usage = (
            await session.execute(
                select(func.sum(UsageEvent.characters), func.sum(UsageEvent.translations)).where(
                    UsageEvent.user_id == user_id
                )
            )
        ).one()
    assert user.daily_translation_count == 2  # one per input file
    assert user.monthly_character_count == job.billed_characters > 0
    assert tuple(usage) == (job.billed_characters, 2)
    assert job.reserved_characters == 0
    assert "reservation" not in job.options


async def test_quota_exceeded_refuses_the_job_before_anything_is_stored(
    engine: Engine, db: Database
) -> None:
    user_id = await make_user(db, "free")
    async with db.session() as session:
        await session.execute(
            update(Tier).where(Tier.name == "free").values(monthly_character_limit=10)
        )
        await session.commit()
    with pytest.raises(QuotaExceeded):
        await engine.translate_now(
            JobSpec("pseudo", "fr", user_id=user_id), ["This text is longer than ten."]
        )
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(TranslationJob)) == 0
        user = await session.get_one(User, user_id)
    assert user.monthly_character_count == 0


async def test_a_provider_outside_the_tier_is_refused(engine: Engine, db: Database) -> None:
    async with db.session() as session:
        await session.execute(
            update(Tier).where(Tier.name == "free").values(allowed_providers=["google"])
        )
        await session.commit()
    user_id = await make_user(db, "free")
    with pytest.raises(ProviderNotAllowed, match="does not include the provider pseudo"):
        await engine.translate_now(JobSpec("pseudo", "fr", user_id=user_id), ["Hello"])


async def test_operator_runs_record_usage_without_a_quota(engine: Engine, db: Database) -> None:
    job = await engine.translate_now(JobSpec("pseudo", "fr"), ["One", "Two"])
    async with db.session() as session:
        event = (await session.scalars(select(UsageEvent))).one()
    assert (event.user_id, event.job_id, event.characters, event.translations) == (
        None,
        job.id,
        6,
        1,
    )


@pytest.mark.parametrize(
    ("texts", "refusal"),
    [
        (["One", "Two", "Three", "Four"], r"^this job has more than 3 segments; .*MAX_SEGMENTS"),
        (["One", "Two" * 10], r"^text 2 is 30 bytes long; the limit is 20 bytes per segment"),
    ],
)
async def test_a_job_over_a_limit_is_refused_before_anything_is_reserved(
    db: Database, texts: list[str], refusal: str
) -> None:
    # Each file is refused as it is read; texts, and several files together, here.
    user_id = await make_user(db, "pro")
    settings = get_settings().model_copy(update={"max_segments": 3, "max_segment_bytes": 20})
    async with Engine(db, settings) as engine:
        with pytest.raises(InvalidInput, match=refusal):
            await engine.estimate(JobSpec("pseudo", "fr", user_id=user_id), texts)
        with pytest.raises(InvalidInput, match=refusal):
            await engine.submit(JobSpec("pseudo", "fr", user_id=user_id), texts)
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(TranslationJob)) == 0
        user = await session.get_one(User, user_id)
    assert (user.daily_translation_count, user.monthly_character_count) == (0, 0)


async def test_files_within_the_limit_alone_are_refused_together(
    db: Database, tmp_path: Path
) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("One.\n\nTwo.\n")
    inputs = file_inputs([tmp_path / "a.txt", tmp_path / "b.txt"], "fr", data_dir=tmp_path)
    settings = get_settings().model_copy(update={"max_segments": 3})
    async with Engine(db, settings) as engine:
        with pytest.raises(InvalidInput, match=r"^this job has more than 3 segments"):
            await engine.submit(JobSpec("pseudo", "fr", inputs=tuple(inputs)))
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(TranslationJob)) == 0


async def test_unsupported_input_type_is_one_clear_error(engine: Engine, tmp_path: Path) -> None:
    exe = tmp_path / "setup.exe"
    exe.write_bytes(b"MZ")
    inputs = file_inputs([exe], "fr", data_dir=tmp_path)
    with pytest.raises(InvalidInput, match=r"^setup\.exe: unsupported file type \.exe"):
        await engine.estimate(JobSpec("pseudo", "fr", inputs=tuple(inputs)))


async def test_translate_frame_adds_translation_and_provenance(
    db_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", db_url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    async with await Workbench.open() as wb:
        frame = pd.DataFrame({"id": [1, 2, 3, 4], "text": ["Hello", "World", None, "Hello"]})
        first = await wb.translate_frame(frame, "text", "fr", progress=False)
        assert list(first.columns) == [
            "id",
            "text",
            "text_fr",
            "provider",
            "model",
            "from_memory",
            "qa_ok",
        ]
        assert first["qa_ok"].isna().all()  # no glossary, no QA
        assert pseudo_looking(first.loc[0, "text_fr"])
        assert first.loc[0, "text_fr"] == first.loc[3, "text_fr"]
        assert pd.isna(first.loc[2, "text_fr"])  # a missing cell stays missing
        assert set(first["provider"]) == {"pseudo"}
        assert not first["from_memory"].any()
        assert list(frame.columns) == ["id", "text"]  # the caller's frame is untouched

        again = await wb.translate_frame(frame, "text", "fr", progress=False)
        assert again["from_memory"].tolist() == [True, True, False, True]
        assert again["text_fr"].tolist() == first["text_fr"].tolist()


async def test_the_estimate_prices_characters_as_the_admin_set(
    engine: Engine, db: Database
) -> None:
    async with db.session() as session:
        session.add(Setting(key="prices", value={"pseudo": 2.5}))
        session.add(Setting(key="currency", value="USD"))
        await session.commit()
    # Eight texts of 50,000 characters: one of 400,000 would be over the segment limit.
    texts = [letter * 50_000 for letter in "abcdefgh"]
    estimate = await engine.estimate(JobSpec("pseudo", "fr"), texts)
    assert (estimate.billed_characters, estimate.cost, estimate.currency) == (400_000, 1.0, "USD")


async def test_a_job_logs_one_line_when_it_starts_and_one_when_it_ends(
    engine: Engine, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    user_id = await make_user(db, email="logged@example.org")
    caplog.set_level("INFO", logger="workbench.batch")
    job = await engine.translate_now(
        JobSpec("pseudo", "fr", user_id=user_id), ["One", "Two", "Three"]
    )
    lines = [r.getMessage() for r in caplog.records if r.name == "workbench.batch"]
    assert lines == [
        f"job {job.id} started: logged@example.org, pseudo, 3 segments (0 from memory), attempt 1",
        lines[1],
    ]
    assert lines[1].startswith(
        f"job {job.id} completed: logged@example.org, pseudo, 3 of 3 segments, "
    )
    assert lines[1].endswith(" s")
