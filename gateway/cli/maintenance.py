"""``gateway prune`` and ``gateway backup``: retention on demand, and copies of SQLite files."""

from pathlib import Path

import click

from gateway.cli.common import database_option, run, settings_of
from gateway.duties import retention_of
from resolvers import database, maintenance
from resolvers.clock import system_clock
from resolvers.database import Database
from resolvers.maintenance import PruneReport

LABELS = {
    "minute_buckets": "minute buckets",
    "quarter_buckets": "quarter-hour buckets",
    "mau_rows": "MAU rows",
    "statistics_documents": "statistics documents",
}


@click.command()
@database_option
@click.option("--dry-run", is_flag=True, help="Count what would be removed; remove nothing.")
def prune(database_url: str | None, dry_run: bool) -> None:
    """Remove rows older than the retention settings (GATEWAY_*_RETENTION_*)."""
    settings = settings_of(database_url=database_url)
    retention = retention_of(settings)

    async def work(db: Database) -> PruneReport:
        return await maintenance.prune(db, now=system_clock(), retention=retention, dry_run=dry_run)

    report = run(work, settings)
    kept = {
        "minute_buckets": f"older than {retention.minute_hours} h",
        "quarter_buckets": _age(retention.quarter_days),
        "mau_rows": _age(retention.mau_days),
        "statistics_documents": _age(retention.statistics_days, newest=True),
    }
    verb = "Would remove" if dry_run else "Removed"
    for field, label in LABELS.items():
        click.echo(f"{verb} {getattr(report, field)} {label} ({kept[field]})")


def _age(days: int | None, *, newest: bool = False) -> str:
    if days is None:
        return "kept for ever"
    return f"older than {days} days" + (", except each instance's newest" if newest else "")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@database_option
def backup(file: Path, database_url: str | None) -> None:
    """Copy the SQLite database to FILE, consistently, even while it serves."""
    settings = settings_of(database_url=database_url)

    async def work(db: Database) -> int:
        return await database.backup(db, file)

    size = run(work, settings)
    click.echo(f"Backed up {database.redact_url(settings.database)} to {file} ({size:,} bytes).")
