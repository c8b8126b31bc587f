"""The Translate and Glossaries dashboards reach first paint without pandas or openpyxl.

Each check runs in a fresh interpreter, where nothing else has loaded them yet: importing
pandas (with numpy) and openpyxl costs about half a second of a dashboard's first paint.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from tests.glossary.support import csv_bytes
from workbench.db import Database
from workbench.db.models import User
from workbench.glossary import store

HEAVY = ("pandas", "numpy", "openpyxl", "ipydatagrid")

BUILD = f"""
import asyncio, json, sys
from sqlalchemy.engine import make_url
from workbench.accounts.users import get_user
from workbench.config import get_settings
from workbench.db import Database
from workbench.ui.context import Context
from workbench.ui.glossaries import GlossariesPage
from workbench.ui.i18n import Texts
from workbench.ui.translate import TranslatePage

def loaded():
    return sorted(name for name in {HEAVY!r} if name in sys.modules)

async def main():
    async with Database(make_url(sys.argv[1])) as db:
        async with db.session() as session:
            user = await get_user(session, sys.argv[2])
        ctx = Context(db, user, Texts("en"), get_settings())
        translate, glossaries = TranslatePage(ctx), GlossariesPage(ctx)
        await translate.load()
        await glossaries.load()
        shown = loaded()
        await translate.tasks.idle()
        await glossaries.tasks.idle()
        print(json.dumps(dict(shown=shown, grid=glossaries.grid is not None, after=loaded())))

asyncio.run(main())
"""


def test_importing_the_dashboards_loads_no_heavy_library(tmp_path: Path) -> None:
    probe = (
        "import sys, workbench.ui.translate, workbench.ui.glossaries\n"
        f"print(sorted(name for name in {HEAVY!r} if name in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


async def test_the_dashboards_show_before_the_grid_loads_pandas(
    db: Database, admin: User, tmp_path: Path
) -> None:
    header = ("source_term", "target_term", "source_lang", "target_lang")
    async with db.session() as session:
        data = csv_bytes([header, ("contract", "contrat", "en", "fr")])
        await store.import_file(session, data, "legal.csv", name="Legal")
        await session.commit()
    url = db.url.render_as_string(hide_password=False)
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-c", BUILD, url, admin.email),
        cwd=tmp_path,  # no .env here: the child has this test's settings, from its environment
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    found = json.loads(out)
    assert found["shown"] == []  # both pages built and loaded: what the first paint needs
    # …and the glossary's entries then opened in the grid, which does need them
    assert found["grid"]
    assert found["after"] == ["ipydatagrid", "numpy", "pandas"]
