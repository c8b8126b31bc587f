"""``workbench serve`` answers the API on the dashboards' port, next to the sign-in page."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import deepl
import httpx
from sqlalchemy.engine import make_url

from tests.api.conftest import SECRET, _account
from tests.processes import start_serve, stop_group
from workbench.providers.pseudo import pseudo_localize


def test_the_dashboards_server_serves_the_api(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    env.update(
        WORKBENCH_DATA_DIR=str(tmp_path / "data"),
        WORKBENCH_SECRET_KEY=SECRET,
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path / "serve.log"
    serve, port = start_serve(env, tmp_path, log, "--no-worker")
    try:
        database = make_url(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'workbench.db'}")
        account = asyncio.run(_account(database, ("pseudo",), 1000, ("translate",)))
        url = f"http://127.0.0.1:{port}"
        client = deepl.Translator(account.key, server_url=url, send_platform_info=False)

        results = client.translate_text(
            ["Hello", "<i>Bye</i>"], target_lang="DE", tag_handling="xml"
        )

        assert [result.text for result in results] == [
            pseudo_localize("Hello"),
            "[<i>Býé</i> ~]",  # pseudo keeps the tag around the word
        ]
        assert client.get_usage().character.count == len("Hello") + len("Bye")
        # No cookie is set, and the sign-in page is still there.
        answer = httpx.post(
            f"{url}/v2/translate",
            headers={"Authorization": f"DeepL-Auth-Key {account.key}"},
            data={"text": "Again", "target_lang": "FR"},
        )
        assert answer.status_code == 200, answer.text
        assert "set-cookie" not in answer.headers
        assert httpx.get(f"{url}/login").status_code == 200
        assert httpx.get(f"{url}/v2/usage").json()["message"].startswith("missing API key")
        # The API's description is served beside it.
        assert "/v2/translate" in httpx.get(f"{url}/openapi.json").json()["paths"]
        assert httpx.get(f"{url}/docs").headers["content-type"].startswith("text/html")
    finally:
        stop_group(serve, signal.SIGINT)
    assert "Traceback" not in log.read_text(), log.read_text()
