"""An API key as the pages show it, once, right after it is made."""

from __future__ import annotations

import html
import json

from workbench.ui.i18n import Texts


def shown_once(t: Texts, key: str) -> str:
    """The new key in a read-only field that selects itself, a Copy button and the warning
    that it is not shown again (the workbench keeps only an HMAC of it)."""
    warning = t._(
        "Your new API key is shown only this once: copy it now and keep it somewhere safe."
    )
    copy, copied = t._("Copy"), t._("Copied")
    script = (
        f"navigator.clipboard.writeText({json.dumps(key)});this.textContent={json.dumps(copied)};"
    )
    return (
        '<div class="wb-secret" role="status">'
        f'<div style="font-family:var(--jp-ui-font-family, sans-serif);margin-bottom:.3em">'
        f"<b>{html.escape(warning)}</b></div>"
        f'<input type="text" readonly class="wb-key-value" size="72" '
        f'value="{html.escape(key, quote=True)}" onfocus="this.select()" '
        'style="font-family:monospace;font-size:1em;line-height:1.6;padding:.2em .4em"> '
        f'<button type="button" class="wb-copy" onclick="{html.escape(script, quote=True)}">'
        f"{html.escape(copy)}</button></div>"
    )
