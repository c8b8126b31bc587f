"""DeepL's document translation (``/v2/document``) against a real ``workbench api`` and a
real ``workbench worker`` sharing its database, on both backends.

The official SDK uploads, polls and downloads; the translated files must parse as their
format (python-docx, polib, ``msgfmt -c``). Raw requests check the shapes against our
OpenAPI document and DeepL's, and that a document is its owner's and its key's alone.
"""

from __future__ import annotations

import asyncio
import io
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import deepl
import docx
import httpx
import polib
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from tests.api.conftest import Account, ApiServer, server_env, wait_until_serving
from tests.api.shapes import check_deepl_response, check_response
from tests.conftest import ScratchDatabases
from tests.ports import free_port
from tests.processes import stop_group
from tests.providers.fakes.deepl_api import FakeDeepL
from workbench.db import Database
from workbench.db.models import TranslationJob, User
from workbench.providers.pseudo import pseudo_localize

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
UPLOAD_MB = 1  # the test server's WORKBENCH_MAX_UPLOAD_MB
PLAIN = re.compile(r"[A-Za-z][A-Za-z ,.]*")
STATUS = "/v2/document/{document_id}"
RESULT = "/v2/document/{document_id}/result"


@pytest.fixture(scope="module")
def documents_server(
    scratch: ScratchDatabases,
    template_url: URL,
    fake_deepl: FakeDeepL,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ApiServer, Path]]:
    """``workbench api`` and ``workbench worker`` on one database and data dir."""
    database = scratch.clone(template_url)
    folder = tmp_path_factory.mktemp("documents")
    env = server_env(database, folder / "data", fake_deepl)
    env["WORKBENCH_MAX_UPLOAD_MB"] = str(UPLOAD_MB)
    log, worker_log = folder / "api.log", folder / "worker.log"
    port = free_port()
    with log.open("wb") as out, worker_log.open("wb") as worker_out:
        api = subprocess.Popen(
            [sys.executable, "-m", "workbench", "api", "--port", str(port), "--workers", "2"],
            env=env,
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "workbench", "worker", "--poll", "0.1"],
            env=env,
            cwd=folder,
            stdout=worker_out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, api, log)
        yield ApiServer(url, database, log, api, fake_deepl), folder / "data"
    finally:
        stop_group(worker)
        stop_group(api)
        scratch.drop(database)
    assert "Traceback" not in log.read_text(), log.read_text()
    assert "Traceback" not in worker_log.read_text(), worker_log.read_text()


def translator(server: ApiServer, account: Account) -> deepl.Translator:
    return deepl.Translator(account.key, server_url=server.url, send_platform_info=False)


def a_docx(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def upload(
    server: ApiServer, account: Account, name: str, data: bytes, **fields: str
) -> httpx.Response:
    return server.post(
        "/v2/document",
        account,
        files={"file": (name, data)},
        data={"target_lang": "DE", **fields},
    )


def status_of(server: ApiServer, account: Account, handle: dict[str, str]) -> httpx.Response:
    return server.post(
        STATUS.format(**handle), account, json={"document_key": handle["document_key"]}
    )


def wait_until_ended(server: ApiServer, account: Account, handle: dict[str, str]) -> dict[str, str]:
    """The document's status once done or in error (the worker polls every 0.1 s)."""
    for _ in range(600):
        answer = status_of(server, account, handle)
        assert answer.status_code == 200, answer.text
        check_response("/v2/document/{document_id}", "post", 200, answer.json())
        check_deepl_response("/v2/document/{document_id}", "post", 200, answer.json())
        if answer.json()["status"] in ("done", "error"):
            return dict(answer.json())
        asyncio.run(asyncio.sleep(0.1))
    raise AssertionError(f"the document never ended: {answer.text}")


def stored(server: ApiServer, data_dir: Path, account: Account) -> tuple[int, list[Path]]:
    """The account owner's jobs, and the files kept in their upload folder."""

    async def count() -> tuple[int, str]:
        async with Database(server.database) as db, db.session() as session:
            user = await session.scalar(select(User).where(User.email == account.email))
            assert user is not None
            jobs = await session.scalar(
                select(func.count())
                .select_from(TranslationJob)
                .where(TranslationJob.user_id == user.id)
            )
            return int(jobs or 0), str(user.id)

    jobs, user_id = asyncio.run(count())
    folder = data_dir / "uploads" / user_id
    return jobs, sorted(path for path in folder.rglob("*") if path.is_file())


# --- the official SDK -------------------------------------------------------------------


def test_a_docx_comes_back_translated(documents_server: tuple[ApiServer, Path]) -> None:
    server, _ = documents_server
    account = server.account()
    client = translator(server, account)
    source = io.BytesIO(a_docx("Hello world", "Good morning, team"))
    source.name = "letter.docx"
    translated = io.BytesIO()

    status = client.translate_document(source, translated, target_lang="DE")

    assert status.done
    assert status.ok
    assert status.billed_characters == len("Hello world") + len("Good morning, team")
    paragraphs = [p.text for p in docx.Document(io.BytesIO(translated.getvalue())).paragraphs]
    assert paragraphs == [pseudo_localize("Hello world"), pseudo_localize("Good morning, team")]


def test_a_po_template_comes_back_a_valid_catalog(
    documents_server: tuple[ApiServer, Path], tmp_path: Path
) -> None:
    server, _ = documents_server
    client = translator(server, server.account())
    output = tmp_path / "sphinx.fr.po"

    client.translate_document_from_filepath(
        CORPUS / "po" / "sphinx.pot", output, source_lang="EN", target_lang="FR"
    )

    catalog = polib.pofile(str(output))
    entries = [entry for entry in catalog if not entry.obsolete]
    assert len(entries) > 800
    plain = [entry for entry in entries if PLAIN.fullmatch(entry.msgid) and not entry.msgid_plural]
    assert len(plain) > 100
    assert all(entry.msgstr == pseudo_localize(entry.msgid) for entry in plain)
    translated = [entry for entry in entries if entry.msgstr or entry.msgstr_plural]
    assert len(translated) > len(entries) - 10  # only texts with no words stay empty
    checked = subprocess.run(
        ["msgfmt", "-c", "-o", "/dev/null", str(output)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


def test_a_malformed_file_ends_in_error_with_its_formats_message(
    documents_server: tuple[ApiServer, Path],
) -> None:
    server, _ = documents_server
    account = server.account()
    client = translator(server, account)

    with pytest.raises(deepl.DocumentTranslationException, match=r"broken\.docx"):
        client.translate_document(
            b"this is no zip at all", io.BytesIO(), target_lang="DE", filename="broken.docx"
        )

    handle = upload(server, account, "broken.docx", b"still no zip").json()
    ended = wait_until_ended(server, account, handle)
    assert ended["status"] == "error"
    assert "broken.docx" in ended["error_message"]
    assert "\n" not in ended["error_message"]
    early = server.post(
        RESULT.format(**handle), account, json={"document_key": handle["document_key"]}
    )
    assert early.status_code == 503
    check_response(RESULT, "post", 503, early.json())


# --- raw requests: shapes, owners and keys ----------------------------------------------


def test_upload_status_and_result_have_the_documented_shapes(
    documents_server: tuple[ApiServer, Path],
) -> None:
    server, _ = documents_server
    account = server.account()

    uploaded = upload(server, account, "notes.md", b"# Title\n\nSome text to translate.\n")

    assert uploaded.status_code == 200, uploaded.text
    check_response("/v2/document", "post", 200, uploaded.json())
    check_deepl_response("/v2/document", "post", 200, uploaded.json())
    handle = uploaded.json()
    assert wait_until_ended(server, account, handle)["status"] == "done"
    result = server.post(
        RESULT.format(**handle), account, data={"document_key": handle["document_key"]}
    )
    assert result.status_code == 200
    assert result.headers["Content-Type"] == "text/markdown"
    assert 'filename="notes.de.md"' in result.headers["Content-Disposition"]
    # Markdown escapes the tildes of the pseudo-translation.
    assert result.content.decode().replace("\\~", "~") == (
        f"# {pseudo_localize('Title')}\n\n{pseudo_localize('Some text to translate.')}\n"
    )


def test_a_document_is_its_owners_and_its_keys_alone(
    documents_server: tuple[ApiServer, Path],
) -> None:
    server, _ = documents_server
    owner, other = server.account(), server.account()
    handle = upload(server, owner, "hello.txt", b"Hello there\n").json()
    assert wait_until_ended(server, owner, handle)["status"] == "done"
    key = {"document_key": handle["document_key"]}
    wrong = {
        "document_key": handle["document_key"][:-1]
        + ("0" if handle["document_key"][-1] != "0" else "1")
    }

    for path in (STATUS, RESULT):
        url = path.format(**handle)
        assert server.post(url, other, json=key).status_code == 404  # right key, not theirs
        for body in (wrong, {}, {"document_key": ""}):
            answer = server.post(url, owner, json=body)
            assert answer.status_code == 404, answer.text
            check_deepl_response(path, "post", 404, answer.json())
        assert server.post(url, owner, json=key).status_code == 200
    unknown = server.post(STATUS.format(document_id="F" * 32), owner, json=key)
    assert unknown.status_code == 404


def test_an_unsupported_type_is_refused_and_says_what_is(
    documents_server: tuple[ApiServer, Path],
) -> None:
    server, data_dir = documents_server
    account = server.account()

    answer = upload(server, account, "slides.pdf", b"%PDF-1.4")

    assert answer.status_code == 400
    check_deepl_response("/v2/document", "post", 400, answer.json())
    assert "docx" in answer.json()["message"]
    assert "po" in answer.json()["message"]
    assert stored(server, data_dir, account) == (0, [])


def test_a_too_big_upload_is_refused_and_leaves_nothing(
    documents_server: tuple[ApiServer, Path],
) -> None:
    server, data_dir = documents_server
    account = server.account()
    big = b"word " * (UPLOAD_MB * 1024 * 1024 // 5 + 20_000)

    announced = upload(server, account, "big.txt", big)

    assert announced.status_code == 413, announced.text
    check_deepl_response("/v2/document", "post", 413, announced.json())

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        boundary = b"--b0undary\r\n"
        yield boundary + b'Content-Disposition: form-data; name="target_lang"\r\n\r\nDE\r\n'
        yield boundary + b'Content-Disposition: form-data; name="file"; filename="big.txt"\r\n\r\n'
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]
        yield b"\r\n--b0undary--\r\n"

    streamed = server.post(
        "/v2/document",
        account,
        content=chunks(),
        headers={"Content-Type": "multipart/form-data; boundary=b0undary"},
    )
    assert streamed.status_code == 413, streamed.text
    assert stored(server, data_dir, account) == (0, [])


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"target_lang": ""}, "target_lang"),
        ({"target_lang": "not a language!"}, "target_lang"),
        ({"formality": "very"}, "formality"),
        ({"output_format": "pdf"}, "output_format"),
        ({"glossary_id": "nope"}, "glossary_id"),
        ({"workbench_provider": "deepl"}, "deepl"),
    ],
)
def test_a_bad_upload_says_what_is_wrong_and_keeps_nothing(
    documents_server: tuple[ApiServer, Path], fields: dict[str, str], says: str
) -> None:
    server, data_dir = documents_server
    account = server.account()

    answer = upload(server, account, "hello.txt", b"Hello\n", **fields)

    assert answer.status_code in (400, 403), answer.text
    check_deepl_response("/v2/document", "post", answer.status_code, answer.json())
    assert says in answer.json()["message"]
    assert stored(server, data_dir, account) == (0, [])
