"""The ``workbench`` command.

Every command has ``--help``. A user mistake is one line on stderr and a non-zero exit
(DESIGN §3: 2 bad input or usage, 3 quota or tier limit, 4 provider failure), never a
traceback; :func:`main` maps the error tree to exit codes in one place.

Each feature's commands are imported only when they run (or ``--help`` lists them), so
``workbench healthcheck``, which a container runs every 30 seconds, does not load pandas,
the provider SDKs or Voilà.
"""

from __future__ import annotations

import importlib
import sys

import click
from sqlalchemy.engine import URL

from workbench import __version__
from workbench.cli_support import configured_url, run
from workbench.config import describe_url, ensure_data_dir, get_settings, secret_key
from workbench.db import Database, migrate
from workbench.db.engine import unavailable_as_error
from workbench.errors import ConfigError, WorkbenchError

# command name -> (module, attribute) of the commands defined in the feature packages
LAZY_COMMANDS = {
    "users": ("workbench.accounts.commands", "users_group"),
    "keys": ("workbench.accounts.commands", "keys_group"),
    "tiers": ("workbench.accounts.commands", "tiers_group"),
    "translate": ("workbench.batch.commands", "translate"),
    "jobs": ("workbench.batch.commands", "jobs_group"),
    "worker": ("workbench.batch.commands", "worker"),
    "glossary": ("workbench.glossary.commands", "glossary"),
    "serve": ("workbench.server.serve", "serve"),
    "api": ("workbench.api.command", "api"),
}


class _Workbench(click.Group):
    """The command group, importing a feature's commands when one of them is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            module, attribute = LAZY_COMMANDS[cmd_name]
            command: click.Command = getattr(importlib.import_module(module), attribute)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Workbench, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="workbench")
def cli() -> None:
    """Translation Workbench: admin and batch translation for a machine-translation service.

    Configuration comes from the environment (and a .env file): WORKBENCH_DATA_DIR,
    WORKBENCH_DATABASE_URL, WORKBENCH_SECRET_KEY and the provider keys. See README.md.
    """


@cli.command()
@click.option(
    "--admin-email",
    metavar="EMAIL",
    default=None,
    help="Make sure this admin account exists. Its password comes from "
    "WORKBENCH_ADMIN_PASSWORD, else is prompted for, else generated and printed once.",
)
def init(admin_email: str | None) -> None:
    """Create the database schema or upgrade it to the latest version.

    Safe to run again: an up-to-date database is left as it is, and so is an existing
    admin. Uses the SQLite file in WORKBENCH_DATA_DIR unless WORKBENCH_DATABASE_URL
    names another database.
    """
    from workbench.accounts import commands as accounts
    from workbench.accounts.users import validate_email

    if admin_email is not None:
        validate_email(admin_email)  # refuse a typo before touching anything
    settings = get_settings()
    url = settings.async_database_url
    if url.get_backend_name() == "sqlite":
        ensure_data_dir(settings)
    secret_key(settings)  # generated once outside production, so later commands agree on it
    result = run(migrate.upgrade(url))
    where = describe_url(url)
    if result.changed:
        start = result.before or "empty"
        click.echo(f"Database {where} upgraded from {start} to {result.after}.")
    else:
        click.echo(f"Database {where} is up to date ({result.after}).")
    if admin_email is not None:
        accounts.ensure_admin(admin_email)


@cli.command()
def healthcheck() -> None:
    """Exit 0 when the database answers, its schema is the latest and queued jobs have a
    job worker; else say why, exit 2.

    Changes nothing. The container image runs it every 30 seconds; after an upgrade it
    fails until `workbench init` has migrated the database, and it fails while jobs wait
    in the queue and no worker (on any machine) has been alive for a minute.
    """
    url = configured_url()
    revision = run(_check_health(url))
    click.echo(f"ok: database {describe_url(url)} answers at revision {revision}")


async def _check_health(url: URL) -> str:
    from workbench.batch import heartbeats

    revision = await migrate.require_current_schema(url)
    with unavailable_as_error(url):
        async with Database(url) as database, database.session() as session:
            health = await heartbeats.queue_health(session)
    if health.stalled:
        raise ConfigError(heartbeats.stalled_message(health))
    return revision


@cli.command("providers")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1, max=120),
    default=5.0,
    show_default=True,
    help="Seconds to wait for each provider's answer; all are checked at once.",
)
def providers_command(timeout: float) -> None:
    """Show each provider: configured or not, reachable or not, default model, models."""
    from workbench.providers import status  # imports every provider SDK: only when asked

    click.echo(status.format_table(run(status.check_providers(get_settings(), wait=timeout))))


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the command group and turn our errors into one line and an exit code."""
    try:
        cli.main(args=argv, prog_name="workbench", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except WorkbenchError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
