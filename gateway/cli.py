"""The ``gateway`` command: serve, migrate, seed and manage tokens."""

import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from aiohttp import web

from gateway import assets
from gateway.app import create_app
from gateway.settings import Settings
from resolvers import demo, statistics_import, tokens
from resolvers.clock import system_clock
from resolvers.errors import GatewayError
from schema.build import sdl
from storage import migrate
from storage.engine import Database, redact_url
from storage.errors import StorageUnavailable

T = TypeVar("T")

database_option = click.option(
    "--database",
    "database_url",
    metavar="URL",
    help="Database URL or SQLite file (default: GATEWAY_DATABASE_URL, else ./gateway.db).",
)


def _settings(**overrides: Any) -> Settings:
    try:
        return Settings.from_env(os.environ, **overrides)
    except (ValueError, TypeError) as exc:
        raise click.ClickException(str(exc)) from None


def _run(work: Callable[[Database], Awaitable[T]], settings: Settings) -> T:
    """Run async work against a migrated database; failures become one clear line."""

    async def main() -> T:
        db = Database(settings.database_url)
        try:
            await migrate.upgrade(db)
            return await work(db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(main())
    except StorageUnavailable as exc:
        raise click.ClickException(
            f"cannot reach the database {redact_url(settings.database_url)}: {exc}"
        ) from None
    except GatewayError as exc:
        raise click.ClickException(exc.message or exc.code) from None
    except OSError as exc:
        raise click.ClickException(f"{redact_url(settings.database_url)}: {exc}") from None


@click.group()
@click.version_option(package_name="usage-gateway")
def main() -> None:
    """Usage Gateway: feature-flag usage data over GraphQL and vendor-compatible REST."""


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


@main.command()
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
    settings = _settings(host=host, port=port, database_url=database_url)
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
    web.run_app(app, host=settings.host, port=settings.port, print=None)


def _prepare_demo(settings: Settings) -> None:
    async def work(db: Database) -> str:
        if await demo.is_empty(db):
            await _seed_with_progress(db, 90)
        else:
            click.echo("Database already has data; demo data not added.", err=True)
        _, secret = await tokens.create_token(db, kind="admin", name="demo", now=system_clock())
        return secret

    secret = _run(work, settings)
    base = f"http://{settings.host}:{settings.port}"
    click.echo(
        f"\nAdmin token: {secret}\n\nTry:\n"
        f"  curl -H 'Authorization: {secret}' "
        f"{base}/api/admin/instance-admin/statistics\n"
        f"  curl -H 'Authorization: {secret}' -H 'LD-API-Version: beta' "
        f"'{base}/api/v2/usage/streams/server'\n"
        f"  GraphiQL: {base}/graphql#token={secret}\n"
    )


@main.command("migrate")
@database_option
def migrate_command(database_url: str | None) -> None:
    """Create or upgrade the database schema."""
    settings = _settings(database_url=database_url)

    async def work(db: Database) -> str | None:
        return await migrate.current_revision(db)

    revision = _run(work, settings)
    click.echo(f"{redact_url(settings.database_url)} is at schema revision {revision}.")


@main.command()
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
    settings = _settings(database_url=database_url)

    async def work(db: Database) -> dict[str, int]:
        return await _seed_with_progress(db, days)

    written = _run(work, settings)
    click.echo(", ".join(f"{n} {step}" for step, n in written.items()))


@main.group("tokens")
def tokens_group() -> None:
    """Create, list and revoke API tokens."""


@tokens_group.command("create")
@click.option("--type", "kind", type=click.Choice(tokens.KINDS), required=True)
@click.option("--name", default=None, help="A label to recognise the token by.")
@click.option("--project", default=None, help="Scope an ingest token to a project.")
@click.option("--environment", default=None, help="Scope an ingest token to an environment.")
@click.option(
    "--secret-env",
    metavar="VAR",
    default=None,
    help="Adopt the secret in environment variable VAR (e.g. an existing SDK key).",
)
@click.option(
    "--client-id",
    default=None,
    help="Adopt this client-side ID (scoped ingest tokens; default: a new one).",
)
@database_option
def tokens_create(
    kind: str,
    name: str | None,
    project: str | None,
    environment: str | None,
    secret_env: str | None,
    client_id: str | None,
    database_url: str | None,
) -> None:
    """Create a token and print its secret, and only the secret, on stdout."""
    settings = _settings(database_url=database_url)
    adopted = None
    if secret_env is not None:
        # From the environment, not argv: command lines show up in process lists.
        adopted = os.environ.get(secret_env)
        if not adopted:
            raise click.ClickException(f"environment variable {secret_env} is not set")

    async def work(db: Database) -> tuple[str, str | None]:
        info, secret = await tokens.create_token(
            db,
            kind=kind,
            name=name or f"{kind} token",
            now=system_clock(),
            project=project,
            environment=environment,
            secret=adopted,
            client_id=client_id,
        )
        return secret, info.client_id

    secret, client_id = _run(work, settings)
    if client_id:
        # Public, for browser SDKs; stderr keeps stdout the secret alone.
        click.echo(f"Client-side ID: {client_id}", err=True)
    click.echo(secret)


@tokens_group.command("list")
@database_option
def tokens_list(database_url: str | None) -> None:
    """List tokens (never their secrets)."""
    settings = _settings(database_url=database_url)
    rows = _run(tokens.list_tokens, settings)
    click.echo(
        f"{'ID':>4}  {'TYPE':<7} {'STATE':<8} {'SCOPE':<24} {'LAST USED':<20} "
        f"{'CLIENT-SIDE ID':<28} NAME"
    )
    for t in rows:
        state = "revoked" if t.revoked_at else "live"
        scope = f"{t.project}/{t.environment}" if t.project else "-"
        used = t.last_used_at.strftime("%Y-%m-%d %H:%M:%S") if t.last_used_at else "never"
        client_id = t.client_id or "-"
        click.echo(
            f"{t.id:>4}  {t.kind:<7} {state:<8} {scope:<24} {used:<20} {client_id:<28} {t.name}"
        )


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
@database_option
def tokens_revoke(token_id: int, database_url: str | None) -> None:
    """Revoke a token by its id (see `tokens list`)."""
    settings = _settings(database_url=database_url)

    async def work(db: Database) -> None:
        await tokens.revoke_token(db, token_id=token_id, now=system_clock())

    _run(work, settings)
    click.echo(f"Token {token_id} revoked.", err=True)


@main.command("export-schema")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="File to write (default: standard output).",
)
def export_schema(output: str | None) -> None:
    """Write the GraphQL schema in SDL (the committed schema.graphql must equal it)."""
    text = sdl()
    if output is None:
        click.echo(text, nl=False)
    else:
        with open(output, "w", encoding="utf-8") as file:
            file.write(text)
        click.echo(f"Schema written to {output}.", err=True)


@main.group("import")
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
    settings = _settings(database_url=database_url)
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

    report = _run(work, settings)
    click.echo(
        f"Imported {report.documents} document(s) from {len(files)} file(s): "
        f"{report.stored} stored for {report.instances} instance(s)."
    )


@main.group("assets")
def assets_group() -> None:
    """Manage GraphiQL's browser files (fetched from the npm registry, never committed)."""


@assets_group.command("install")
@click.option(
    "--npm",
    default="npm",
    show_default=True,
    help="The npm executable to fetch the pinned packages with.",
)
def assets_install(npm: str) -> None:
    """Fetch the pinned GraphiQL, React and React DOM builds so /graphql works offline."""
    try:
        written = assets.install(npm=npm, echo=lambda line: click.echo(line, err=True))
    except assets.AssetsError as exc:
        raise click.ClickException(str(exc)) from None
    versions = ", ".join(f"{name} {v}" for name, v in assets.pinned_versions().items())
    click.echo(f"{len(written)} files from {versions} in {assets.VENDOR_DIR}")
