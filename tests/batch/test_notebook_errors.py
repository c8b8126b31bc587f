"""The notebook API raises a job that did not complete, never passing the sources off as done."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy.engine import URL

from tests.providers.fakes.deepl_api import FakeDeepL
from tests.providers.fakes.server import Reply
from workbench.config import get_settings
from workbench.errors import ProviderError
from workbench.notebook import Workbench


async def test_a_failed_job_is_raised_with_its_kind_and_how_to_resume(
    db_url: URL, fake_deepl: FakeDeepL, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", db_url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    fake_deepl.fail("/v2/translate", Reply(403, {"message": "Wrong key"}))
    frame = pd.DataFrame({"text": ["Hello", "World"]})
    async with await Workbench.open() as wb:
        with pytest.raises(ProviderError, match=r"failed: .*resume with `workbench jobs resume"):
            await wb.translate_frame(frame, "text", "fr", provider="deepl", progress=False)
        with pytest.raises(ProviderError):
            await wb.translate_texts(["Hello"], "fr", provider="deepl", progress=False)
