"""Demo data: ``gateway seed``, and what ``serve --demo`` adds (data once, one admin token).

The demo token's secret is kept in a file (mode 0600), because only its digest is in the
database: beside a SQLite file (``gateway.db.demo-token``), or for PostgreSQL in the
per-user data folder, named after the database. Restarts reuse it while it is live.
"""

import hashlib
import sys
from pathlib import Path

import click

from gateway.cli.common import UsageProblem, database_option, run, settings_of
from gateway.settings import Settings, default_database_path
from resolvers import database, demo, tokens
from resolvers.clock import system_clock
from resolvers.database import Database

# Without a terminal, one line per tenth of the expected rows.
LINES_PER_RUN = 10


async def seed_with_progress(db: Database, days: int) -> dict[str, int]:
    """Write demo data, showing a bar that moves with the rows written."""
    now = system_clock()
    expected = demo.expected_rows(now=now, days=days)
    click.echo(f"Writing {days} days of demo data (about {expected:,} rows)…", err=True)
    interactive = sys.stderr.isatty()
    written = {"rows": 0, "next_line": expected // LINES_PER_RUN}
    with click.progressbar(
        length=expected, label="  demo data", file=sys.stderr, show_eta=True
    ) as bar:

        def progress(step: str, n: int) -> None:
            bar.label = f"  demo data: {step}"
            bar.update(n)
            written["rows"] += n
            if not interactive and written["rows"] >= written["next_line"]:
                click.echo(f"  {step}: {written['rows']:,} rows written", err=True)
                written["next_line"] += expected // LINES_PER_RUN

        result = await demo.seed(db, now=now, days=days, progress=progress)
        bar.update(max(expected - bar.pos, 0))
    return result


def _token_file(settings: Settings) -> Path:
    path = database.sqlite_file(settings.database)
    if path is not None:
        return path.with_name(path.name + ".demo-token")
    digest = hashlib.sha256(database.redact_url(settings.database).encode()).hexdigest()[:16]
    return default_database_path().parent / f"demo-token-{digest}"


async def demo_prepare(db: Database, settings: Settings) -> str:
    """Seed an empty database, then return the demo admin secret (reused across restarts)."""
    if await database.holds_usage_data(db):
        click.echo("Database already has data; demo data not added.", err=True)
    else:
        await seed_with_progress(db, 90)
    file = _token_file(settings)
    remembered = file.read_text().strip() if file.exists() else None
    secret, new = await tokens.demo_token(db, remembered=remembered, now=system_clock())
    if new:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.touch(mode=0o600)
        file.write_text(secret + "\n")
    return secret


def print_demo(settings: Settings, secret: str) -> None:
    """Print the demo token and requests to try."""
    base = f"http://{settings.host}:{settings.port}"
    click.echo(
        f"\nAdmin token: {secret}\n\nTry:\n"
        f"  curl -H 'Authorization: {secret}' "
        f"{base}/api/admin/instance-admin/statistics\n"
        f"  curl -H 'Authorization: {secret}' -H 'LD-API-Version: beta' "
        f"'{base}/api/v2/usage/streams/server'\n"
        f"  Dashboard: {base}/#token={secret}\n"
        f"  GraphiQL: {base}/graphql#token={secret}\n"
    )


@click.command()
@database_option
@click.option(
    "--days",
    type=click.IntRange(1, 400),
    default=90,
    show_default=True,
    help="Days of history to generate.",
)
@click.option(
    "--append",
    is_flag=True,
    help="Add demo data to a database that already holds usage data (its counts add up).",
)
def seed(database_url: str | None, days: int, append: bool) -> None:
    """Write demo data into an empty database."""
    settings = settings_of(database_url=database_url)

    async def work(db: Database) -> dict[str, int]:
        if not append and await database.holds_usage_data(db):
            raise UsageProblem(
                f"{database.redact_url(settings.database)} already holds usage data and demo data "
                "would add to its counts: seed an empty database, or pass --append"
            )
        return await seed_with_progress(db, days)

    written = run(work, settings, create=True)
    click.echo(", ".join(f"{n} {step}" for step, n in written.items()))
