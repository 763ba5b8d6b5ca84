"""``gateway serve``, ``migrate`` and ``seed``: the database and the running service."""

import logging
import sys

import click
from aiohttp import web

from gateway.app import create_app
from gateway.cli.common import database_option, failures_as_one_line, run, settings_of
from gateway.settings import Settings
from resolvers import demo, tokens
from resolvers.clock import system_clock
from resolvers.database import Database, current_revision, redact_url


async def _seed_with_progress(db: Database, days: int) -> dict[str, int]:
    click.echo(f"Writing {days} days of demo data…", err=True)
    rows: dict[str, int] = {}
    # A bar for people at a terminal; one line per finished step for logs and pipes.
    interactive = sys.stderr.isatty()
    with click.progressbar(
        length=len(demo.STEPS),
        label="  demo data",
        file=sys.stderr,
        item_show_func=lambda step: step and f"{step}: {rows[step]} rows",
        show_percent=False,
    ) as bar:

        def finish(step: str) -> None:
            bar.update(1)
            if not interactive:
                click.echo(f"  {step}: {rows[step]} rows", err=True)

        def progress(step: str, n: int) -> None:
            if step not in rows and rows:
                finish(list(rows)[-1])
            rows[step] = rows.get(step, 0) + n
            bar.update(0, step)

        written = await demo.seed(db, now=system_clock(), days=days, progress=progress)
        finish(list(rows)[-1])
    return written


@click.command()
@click.option("--host", help="Interface to bind (default 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default 8080).")
@database_option
@click.option(
    "--demo",
    "with_demo",
    is_flag=True,
    help="Fill an empty database with demo data and print an admin token.",
)
def serve(host: str | None, port: int | None, database_url: str | None, with_demo: bool) -> None:
    """Run the gateway (creating and migrating the database on first start)."""
    settings = settings_of(host=host, port=port, database_url=database_url)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        app = create_app(settings)  # checks the settings before any slow start-up work
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if with_demo:
        _prepare_demo(settings)
    click.echo(
        f"Usage Gateway on http://{settings.host}:{settings.port} "
        f"(database {redact_url(settings.database_url)})",
        err=True,
    )
    # Start-up work (migrations, the admin token) fails inside run_app.
    with failures_as_one_line(settings):
        web.run_app(app, host=settings.host, port=settings.port, print=None)


def _prepare_demo(settings: Settings) -> None:
    async def work(db: Database) -> str:
        if await demo.is_empty(db):
            await _seed_with_progress(db, 90)
        else:
            click.echo("Database already has data; demo data not added.", err=True)
        _, secret = await tokens.create_token(db, kind="admin", name="demo", now=system_clock())
        return secret

    secret = run(work, settings)
    base = f"http://{settings.host}:{settings.port}"
    click.echo(
        f"\nAdmin token: {secret}\n\nTry:\n"
        f"  curl -H 'Authorization: {secret}' "
        f"{base}/api/admin/instance-admin/statistics\n"
        f"  curl -H 'Authorization: {secret}' -H 'LD-API-Version: beta' "
        f"'{base}/api/v2/usage/streams/server'\n"
        f"  GraphiQL: {base}/graphql#token={secret}\n"
    )


@click.command("migrate")
@database_option
def migrate_command(database_url: str | None) -> None:
    """Create or upgrade the database schema."""
    settings = settings_of(database_url=database_url)

    async def work(db: Database) -> str | None:
        return await current_revision(db)

    revision = run(work, settings)
    click.echo(f"{redact_url(settings.database_url)} is at schema revision {revision}.")


@click.command()
@database_option
@click.option(
    "--days",
    type=click.IntRange(1, 400),
    default=90,
    show_default=True,
    help="Days of history to generate.",
)
def seed(database_url: str | None, days: int) -> None:
    """Write demo data into any database."""
    settings = settings_of(database_url=database_url)

    async def work(db: Database) -> dict[str, int]:
        return await _seed_with_progress(db, days)

    written = run(work, settings)
    click.echo(", ".join(f"{n} {step}" for step, n in written.items()))
