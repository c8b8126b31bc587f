"""The dashboards' HTML tables, built one way (``table.wb-table`` in :mod:`workbench.ui.style`).

A cell is text, escaped here, unless it is :class:`Raw` (markup the page built itself from
escaped parts: links, line breaks) or :class:`Head` (a header cell inside the body, such
as the label of a summary row or of a key/value table).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence


class Raw(str):
    """Cell content that is already HTML: put into the table as it is."""

    __slots__ = ()


class Head(str):
    """A ``<th>`` cell in a body row; its text is escaped like any other."""

    __slots__ = ()


def tag(name: str, text: str) -> str:
    """``text`` escaped inside one HTML element."""
    return f"<{name}>{html.escape(text)}</{name}>"


def _cell(value: str) -> str:
    if isinstance(value, Head):
        return f"<th>{html.escape(value)}</th>"
    return f"<td>{value if isinstance(value, Raw) else html.escape(value)}</td>"


def _attributes(attributes: Mapping[str, str] | None) -> str:
    if not attributes:
        return ""
    return "".join(f' {name}="{html.escape(value)}"' for name, value in attributes.items())


def html_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    css_class: str = "",
    row_attributes: Sequence[Mapping[str, str] | None] | None = None,
    empty: str = "",
) -> str:
    """A ``<table class="wb-table …">``: a header row (none if ``headers`` is empty), then
    one ``<tr>`` a row in ``<tbody>``.

    ``row_attributes`` gives each row's attributes (same order as ``rows``; ``None`` for
    none), such as ``{"data-job": "…"}``; ``empty`` is shown, in italics across the whole
    width, when there is no row.
    """
    classes = f"wb-table {css_class}".strip()
    titles = "".join(f"<th>{html.escape(text)}</th>" for text in headers)
    head = f"<thead><tr>{titles}</tr></thead>" if headers else ""
    attributes = row_attributes or [None] * len(rows)
    body = "".join(
        f"<tr{_attributes(extra)}>" + "".join(_cell(cell) for cell in cells) + "</tr>"
        for cells, extra in zip(rows, attributes, strict=True)
    )
    if not rows and empty:
        body = f'<tr><td colspan="{max(len(headers), 1)}"><i>{html.escape(empty)}</i></td></tr>'
    return f'<table class="{classes}">{head}<tbody>{body}</tbody></table>'


__all__ = ["Head", "Raw", "html_table"]
