"""Logging for the long-running commands (``serve``, ``worker``): one format, one option."""

from __future__ import annotations

import logging

import click

LOG_LEVELS = ("debug", "info", "warning", "error")
# Libraries that log every request at info: their warnings and errors still show.
_CHATTY = ("alembic", "httpx", "deepl", "openai")

log_level_option = click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS, case_sensitive=False),
    default="info",
    show_default=True,
    help="Least severe log messages shown on stderr (job starts and ends are info).",
)


def configure_logging(level: str) -> None:
    """Log lines on stderr with their time, level and source, from ``level`` up."""
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    for name in _CHATTY:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
