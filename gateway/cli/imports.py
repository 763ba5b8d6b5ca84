"""``gateway import``: back-fill data from files."""

import sys
from pathlib import Path

import click

from gateway.cli.common import database_option, run, settings_of
from resolvers import statistics_import
from resolvers.clock import system_clock
from resolvers.database import Database


@click.group("import")
def import_group() -> None:
    """Back-fill data from files."""


MAX_LISTED_ERRORS = 20


def _read_statistics_files(paths: tuple[Path, ...]) -> list[statistics_import.FoundDocument]:
    found: list[statistics_import.FoundDocument] = []
    errors: list[str] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            errors.append(f"{path}: not UTF-8 text")
            continue
        except OSError as exc:
            errors.append(f"{path}: {exc.strerror or exc}")
            continue
        documents, problems = statistics_import.read_documents(text, name=str(path))
        found.extend(documents)
        errors.extend(problems)
    for line in errors[:MAX_LISTED_ERRORS]:
        click.echo(line, err=True)
    if len(errors) > MAX_LISTED_ERRORS:
        click.echo(f"… and {len(errors) - MAX_LISTED_ERRORS} more", err=True)
    if errors:
        raise click.ClickException(f"{len(errors)} invalid document(s); nothing was imported.")
    return found


@import_group.command("statistics")
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@database_option
def import_statistics(files: tuple[Path, ...], database_url: str | None) -> None:
    """Import Unleash instance-statistics documents from FILES.

    Each file holds one JSON document or NDJSON (one document per line). Every document's
    sum is checked first; if any document is bad, nothing is imported.
    """
    settings = settings_of(database_url=database_url)
    documents = _read_statistics_files(files)

    async def work(db: Database) -> statistics_import.ImportReport:
        with click.progressbar(
            length=len(documents), label="Storing statistics", file=sys.stderr
        ) as bar:
            report = await statistics_import.import_documents(
                db, documents, now=system_clock(), progress=bar.update
            )
            bar.update(len(documents) - report.stored)  # duplicates replaced, not stored
        return report

    report = run(work, settings, create=True)
    click.echo(
        f"Imported {report.documents} document(s) from {len(files)} file(s): "
        f"{report.stored} stored for {report.instances} instance(s)."
    )
