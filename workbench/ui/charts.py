"""Charts for the dashboards, drawn with matplotlib into PNG image widgets.

Matplotlib's object API (no pyplot): no global state, nothing displayed by itself. It
is imported when the first chart is drawn (in a worker thread), not when a page loads.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping, Sequence
from io import BytesIO
from typing import TYPE_CHECKING

import ipywidgets as widgets

if TYPE_CHECKING:
    from workbench.accounts.usage import DayUsage
    from workbench.ui.i18n import Texts

LABELS_PER_INCH = 1.2  # date labels such as "28 Nov" at 8 pt
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PALETTE = ("#1f3a5f", "#e07a1f", "#3a8f5c", "#8c4fa3", "#c23b3b", "#5b7f99")


def bar_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    width: float = 7.5,
) -> bytes:
    """Stacked bars per label, one colour per series, as PNG bytes."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(width, 2.8), dpi=96)
    axes = figure.subplots()
    bottoms = [0.0] * len(labels)
    for index, (name, values) in enumerate(series.items()):
        axes.bar(
            range(len(labels)),
            values,
            bottom=bottoms,
            label=name,
            color=PALETTE[index % len(PALETTE)],
        )
        bottoms = [low + value for low, value in zip(bottoms, values, strict=True)]
    # As many date labels as fit side by side at this width, never overlapping.
    step = max(1, math.ceil(len(labels) / max(1, int(width * LABELS_PER_INCH))))
    axes.set_xticks(range(0, len(labels), step), [labels[i] for i in range(0, len(labels), step)])
    axes.tick_params(axis="x", labelsize=8)
    # Counts: whole numbers from 0 up, even on days (or months) without any use.
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(bottom=0, top=None if any(bottoms) else 1)
    axes.set_title(title, fontsize=10, loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    if len(series) > 1:
        axes.legend(fontsize=8, frameon=False)
    buffer = BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def chart_widget(png: bytes = b"") -> widgets.Image:
    """The chart at its own size, never wider than the page; without a chart yet (``b""``),
    an image that :func:`show_chart` fills later."""
    image = widgets.Image(format="png")
    image.layout.max_width = "100%"
    image.layout.height = "auto"
    show_chart(image, png)
    return image


def show_chart(image: widgets.Image, png: bytes) -> None:
    """Put ``png`` in ``image`` at the chart's own width (bytes 16–19 of a PNG's header).

    Until there is a chart the image is not shown (a browser would draw a broken-image
    icon), and it takes no width it does not have: a width of 0 would keep the chart drawn
    later invisible.
    """
    width = int.from_bytes(png[16:20], "big") if png.startswith(PNG_SIGNATURE) else 0
    image.value = png
    image.layout.width = f"{width}px" if width else None
    image.layout.display = None if width else "none"


async def draw_usage(
    translations_chart: widgets.Image,
    characters_chart: widgets.Image,
    t: Texts,
    usage: Sequence[DayUsage],
) -> None:
    """A user's translations and characters per day, drawn into the two images (off the
    event loop, both at once: drawing takes a moment and the page stays responsive)."""
    labels = [t.date(day.day, "d MMM") for day in usage]
    translations = t._("Translations per day")
    characters = t._("Characters per day")
    translations_png, characters_png = await asyncio.gather(
        asyncio.to_thread(
            bar_chart,
            labels,
            {translations: [day.translations for day in usage]},
            title=translations,
            width=5.5,
        ),
        asyncio.to_thread(
            bar_chart,
            labels,
            {characters: [day.characters for day in usage]},
            title=characters,
            width=5.5,
        ),
    )
    show_chart(translations_chart, translations_png)
    show_chart(characters_chart, characters_png)
