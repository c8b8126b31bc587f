"""Each adversarial module attacks its own ``workbench serve`` (:mod:`tests.attacks.serving`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.attacks.serving import Served, start, stop


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = start(tmp_path_factory.mktemp("attacked"))
    yield server
    stop(server)
