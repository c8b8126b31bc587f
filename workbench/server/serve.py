"""``workbench serve``: migrate, start a job worker (kept alive, see :mod:`.supervisor`),
serve the dashboards until Ctrl-C."""

from __future__ import annotations

import logging
import os

import click

from workbench.cli_support import run
from workbench.config import (
    describe_url,
    ensure_data_dir,
    environment_of,
    get_settings,
    secret_key,
)
from workbench.db import Database, migrate
from workbench.logs import configure_logging, log_level_option
from workbench.server.supervisor import WorkerSupervisor


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8866, show_default=True, help="Port."
)
@click.option(
    "--demo",
    is_flag=True,
    help="On an empty database, first add demo data (users, usage, a glossary) "
    "and print the demo accounts' passwords.",
)
@click.option(
    "--no-worker",
    is_flag=True,
    help="Do not start a job worker here (run `workbench worker` elsewhere).",
)
@click.option(
    "--behind-proxy",
    is_flag=True,
    help="The dashboards are reached through a reverse proxy (TLS): trust its "
    "X-Forwarded-For and X-Forwarded-Proto headers. Never use it without a proxy.",
)
@log_level_option
def serve(
    host: str, port: int, demo: bool, no_worker: bool, behind_proxy: bool, log_level: str
) -> None:
    """Serve the dashboards (Voilà) with sign-in, and run translation jobs.

    Upgrades the database first, like `workbench init`. Open http://HOST:PORT/ and sign
    in with a workbench account (`workbench init --admin-email` makes the first admin).
    """
    configure_logging(log_level)
    settings = get_settings()
    # The worker and every dashboard kernel (started in the notebooks' folder) must see
    # this process's settings, not those of their own working directory.
    os.environ.update(environment_of(settings))
    url = settings.async_database_url
    ensure_data_dir(settings)  # uploads and outputs live there whatever the database
    secret_key(settings)
    run(migrate.upgrade(url))
    click.echo(f"Database {describe_url(url)} is ready.")
    if demo:
        _seed_demo()

    from workbench.server.app import WorkbenchVoila, notebooks_dir

    worker = None if no_worker else WorkerSupervisor(log_level).start()
    # A kernel no page is connected to is shut down after this long without activity.
    idle_seconds = max(1, round(settings.kernel_idle_minutes * 60))
    try:
        WorkbenchVoila.launch_instance(
            argv=[
                str(notebooks_dir()),
                f"--Voila.ip={host}",
                f"--Voila.port={port}",
                "--Voila.port_retries=0",
                "--Voila.open_browser=False",
                "--KernelManager.transport=ipc",
                f"--OwnedKernelManager.kernels_per_user={settings.kernels_per_user}",
                f"--MappingKernelManager.cull_idle_timeout={idle_seconds}",
                f"--MappingKernelManager.cull_interval={min(idle_seconds, 60)}",
                f"--WorkbenchVoila.behind_proxy={behind_proxy}",
                f"--Voila.log_level={logging.getLevelName(logging.getLogger().level)}",
            ]
        )
    finally:
        if worker is not None:
            worker.stop()


def _seed_demo() -> None:
    from workbench.server.demo import DemoAccounts, seed_demo

    async def seed() -> DemoAccounts | None:
        async with Database.from_settings() as database:
            preset = get_settings().admin_password
            return await seed_demo(database, preset.get_secret_value() if preset else None)

    accounts = run(seed())
    if accounts is None:
        click.echo("Demo data not added: the database already has users.")
        return
    click.echo("Demo data added. Sign in as (passwords shown once):")
    click.echo(f"  admin       {accounts.admin_email}  {accounts.admin_password}")
    click.echo(f"  translator  {accounts.translator_email}  {accounts.translator_password}")
