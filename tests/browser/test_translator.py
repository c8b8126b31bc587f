"""A translator's work in the dashboards, in a real browser: translate, glossaries, compare."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tests.browser.conftest import Server, open_dashboard, screenshot, sign_in
from workbench.db.models import JobStatus, TranslationJob, User
from workbench.server.demo import GLOSSARY_TERMS

ROWS = [("1", "Open the invoice"), ("2", "Close the window"), ("3", "Save your work")]


def upload(page: Page, selector: str, files: Path | list[Path]) -> None:
    """Choose files through an upload button, as a person does."""
    with page.expect_file_chooser() as chooser:
        page.locator(selector).click()
    chooser.value.set_files(files)


def translator_page(page: Page, server: Server, name: str = "translate") -> None:
    accounts = server.accounts
    sign_in(page, server, accounts.translator_email, accounts.translator_password)
    open_dashboard(page, server, name)


def write_inputs(folder: Path) -> tuple[Path, Path]:
    table = folder / "strings.csv"
    with table.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "text"])
        writer.writerows(ROWS)
    letter = folder / "letter.docx"
    document = docx.Document()
    document.add_paragraph("Dear customer,")
    paragraph = document.add_paragraph("Your order ")
    paragraph.add_run("ships today").bold = True
    document.save(str(letter))
    return table, letter


def latest_job(server: Server) -> TranslationJob:
    async def job(session: AsyncSession) -> Any:
        return await session.scalar(
            select(TranslationJob)
            .join(User, User.id == TranslationJob.user_id)
            .where(User.email == server.accounts.translator_email)
            .order_by(TranslationJob.created_at.desc())
            .limit(1)
        )

    found: TranslationJob = server.query(job)
    return found


@pytest.fixture
def translator_on_pro(server: Server) -> Iterator[None]:
    def set_tier(tier: str) -> None:
        async def change(session: AsyncSession) -> Any:
            await session.execute(
                update(User).where(User.email == server.accounts.translator_email).values(tier=tier)
            )
            await session.commit()

        server.query(change)

    set_tier("pro")
    yield
    set_tier("free")


def test_upload_estimate_run_and_download(server: Server, page: Page, tmp_path: Path) -> None:
    table, letter = write_inputs(tmp_path)
    translator_page(page, server)
    page.wait_for_selector(".wb-translate-run")
    upload(page, ".wb-translate-upload", [table, letter])
    files = page.locator(".wb-translate-files")
    expect(files).to_contain_text("strings.csv")
    expect(files).to_contain_text("letter.docx")
    page.locator(".wb-translate-columns select").select_option("text")
    # The translation goes into a new column "fr"; the source column stays as it was.
    page.locator(".wb-translate-target-column input").fill("fr")
    expect(page.locator(".wb-translate-provider select")).to_contain_text("Pseudo")

    page.locator("button.wb-translate-estimate").click()
    estimate = page.locator(".wb-translate-estimate-box")
    expect(estimate).to_contain_text("Segments")
    screenshot(page, "translate-estimate")

    page.locator("button.wb-translate-run").click()
    expect(page.locator(".wb-translate-progress-label")).to_contain_text("100", timeout=60_000)
    links = page.locator(".wb-translate-downloads a")
    expect(links.first).to_be_visible(timeout=30_000)
    screenshot(page, "translate-done")

    downloaded: dict[str, bytes] = {}
    for index in range(links.count()):
        with page.expect_download() as info:
            links.nth(index).click()
        download = info.value
        downloaded[download.suggested_filename] = Path(download.path()).read_bytes()
    assert {"strings.fr.csv", "letter.fr.docx"} <= set(downloaded)

    rows = list(csv.reader(io.StringIO(downloaded["strings.fr.csv"].decode("utf-8-sig"))))
    assert rows[0] == ["id", "text", "fr"]
    assert [row[0] for row in rows[1:]] == ["1", "2", "3"]
    for (_, source), (_, kept, translated) in zip(ROWS, rows[1:], strict=True):
        assert kept == source
        assert translated
        assert translated != source
    out = tmp_path / "letter.fr.docx"
    out.write_bytes(downloaded["letter.fr.docx"])
    paragraphs = docx.Document(str(out)).paragraphs
    assert paragraphs[0].text not in ("", "Dear customer,")
    assert any(run.bold for run in paragraphs[1].runs)  # formatting survived

    job = latest_job(server)
    assert job.status is JobStatus.COMPLETED
    assert job.done_segments == job.total_segments > 0


def test_closing_the_tab_does_not_stop_the_job(
    server: Server, page: Page, tmp_path: Path, translator_on_pro: None
) -> None:
    big = tmp_path / "manual.txt"
    big.write_text("\n\n".join(f"Paragraph number {n} of the manual." for n in range(3000)))
    translator_page(page, server)
    page.wait_for_selector(".wb-translate-run")
    upload(page, ".wb-translate-upload", big)
    expect(page.locator(".wb-translate-files")).to_contain_text("manual.txt")
    page.locator("button.wb-translate-run").click()
    expect(page.locator(".wb-status-ok")).to_contain_text("queued", timeout=60_000)
    page.close()  # the kernel of this page goes away with it; the job must not

    context = page.context
    reopened = context.new_page()
    open_dashboard(reopened, server, "translate")
    history = reopened.locator(".wb-translate-history")
    expect(history).to_contain_text("manual.txt")
    job = latest_job(server)
    assert job.total_segments == 3000
    for _ in range(240):
        job = latest_job(server)
        if job.status is JobStatus.COMPLETED:
            break
        reopened.wait_for_timeout(500)
    assert job.status is JobStatus.COMPLETED
    assert job.done_segments == 3000


def test_a_glossary_with_an_error_is_refused_with_its_line(
    server: Server, page: Page, tmp_path: Path
) -> None:
    bad = tmp_path / "terms.csv"
    bad.write_text("source_term,target_term\ninvoice,facture\nwindow,\ncustomer,client\n")
    translator_page(page, server, "glossaries")
    page.wait_for_selector(".wb-glossaries-table")
    upload(page, ".wb-glossaries-upload", bad)
    page.locator(".wb-glossaries-name input").fill("My terms")
    for field, language in (("source", "en"), ("target", "fr")):
        box = page.locator(f".wb-glossaries-{field}-lang input")
        if box.is_visible():  # shown only when the file names no languages
            box.fill(language)
    page.locator("button.wb-glossaries-check").click()
    problems = page.locator(".wb-glossaries-problems")
    expect(problems).to_contain_text("3")
    screenshot(page, "glossaries-problems")
    expect(page.locator("button.wb-glossaries-save")).to_be_disabled()


def test_the_entries_grid_opens_after_the_page_shows(server: Server, page: Page) -> None:
    translator_page(page, server, "glossaries")
    expect(page.locator(".wb-glossaries-table")).to_contain_text("Demo glossary")
    # The grid is made once the list has shown (its script is large): then it is there.
    expect(page.locator(".wb-glossaries-grid")).to_be_visible(timeout=30_000)
    expect(page.locator(".wb-glossaries-page")).to_contain_text(f"Entries: {len(GLOSSARY_TERMS)}")
    screenshot(page, "glossaries-grid")


def test_compare_two_providers_side_by_side(
    server: Server, page: Page, translator_on_pro: None
) -> None:
    translator_page(page, server)
    page.wait_for_selector(".wb-compare")
    page.locator(".wb-compare-text textarea").fill("Open the invoice\nClose the window")
    providers = page.locator(".wb-compare-provider select")
    expect(providers).to_have_count(2)
    first_options = providers.nth(0).locator("option").all_inner_texts()
    deepl = next(label for label in first_options if "DeepL" in label)
    pseudo = next(label for label in first_options if "Pseudo" in label)
    providers.nth(0).select_option(label=pseudo)
    providers.nth(1).select_option(label=deepl)
    page.locator("button.wb-compare-run").click()
    table = page.locator(".wb-compare-table table")
    expect(table).to_contain_text("Open the invoice", timeout=60_000)
    expect(table).to_contain_text("DeepL")
    screenshot(page, "compare")
