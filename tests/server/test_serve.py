"""``workbench serve`` as a user runs it: it serves, and Ctrl-C stops it and its worker."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import httpx

from tests.processes import alive, children, start_serve, stop_group


def test_ctrl_c_stops_the_dashboards_and_the_worker(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    env.update(WORKBENCH_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1")
    log = tmp_path / "serve.log"
    serve, _port = start_serve(env, tmp_path, log, "--demo")
    try:
        workers = children(serve.pid)
        assert workers, "serve started no worker"
        output = log.read_text()
        assert "admin@example.com" in output  # the demo accounts are printed once
        assert "translator@example.com" in output

        serve.send_signal(signal.SIGINT)  # what Ctrl-C sends to the foreground process
        assert serve.wait(60) == 0, log.read_text()
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(alive(pid) for pid in workers), log.read_text()
    finally:
        stop_group(serve, signal.SIGKILL)


def sign_in(client: httpx.Client, email: str, password: str) -> None:
    form = client.get("/login").text
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form)
    assert xsrf, form
    answer = client.post("/login", data={"email": email, "password": password, "_xsrf": xsrf[1]})
    assert answer.status_code == 302, answer.text


def test_serve_from_a_project_folder_with_its_env_file(tmp_path: Path) -> None:
    """The README's way: settings from ./.env, the data dir relative to the folder. The
    dashboard kernels, which run in the notebooks' folder, still use that data dir (its
    database and generated secret), and the log says each thing once."""
    (tmp_path / ".env").write_text("WORKBENCH_ADMIN_PASSWORD=env file admin password\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    env.update(PYTHONUNBUFFERED="1")
    log = tmp_path / "serve.log"
    serve, port = start_serve(env, tmp_path, log, "--demo")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            sign_in(client, "admin@example.com", "env file admin password")
            for name in ("translate", "users"):
                page = client.get(f"/voila/render/{name}.ipynb")
                assert page.status_code == 200
                assert "application/vnd.jupyter.widget-view+json" in page.text, log.read_text()
                assert "There was an error when executing cell" not in page.text
        assert (tmp_path / "workbench-data" / "workbench.db").is_file()
        assert not (tmp_path / "notebooks").exists()
        output = log.read_text()
        assert output.count("Dashboard kernels run on this machine") == 1
        assert "not trusted" not in output
        assert "without encryption" not in output
        assert "Traceback" not in output
    finally:
        stop_group(serve, signal.SIGINT)
