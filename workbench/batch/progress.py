"""Progress bars for jobs, in a terminal or a notebook (``tqdm.auto`` picks the kind)."""

from __future__ import annotations

from typing import Any

from tqdm.auto import tqdm

from workbench.batch.engine import Progress


class ProgressBar:
    """A callback for :meth:`Engine.run` that draws one bar of segments done."""

    def __init__(self, description: str = "translating", **options: Any) -> None:
        self._options = {"desc": description, "unit": "seg", "dynamic_ncols": True, **options}
        self._bar: Any = None

    def __call__(self, progress: Progress) -> None:
        if self._bar is None:
            self._bar = tqdm(total=progress.total, **self._options)
        self._bar.update(progress.done - self._bar.n)
        self._bar.set_postfix(memory=progress.from_memory, chars=progress.billed_characters)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
