"""``gateway tokens``: create, list and revoke API tokens."""

import os

import click

from gateway.cli.common import database_option, run, settings_of
from resolvers import tokens
from resolvers.clock import system_clock
from resolvers.database import Database


@click.group("tokens")
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
    settings = settings_of(database_url=database_url)
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

    secret, client_id = run(work, settings, create=True)
    if client_id:
        # Public, for browser SDKs; stderr keeps stdout the secret alone.
        click.echo(f"Client-side ID: {client_id}", err=True)
    click.echo(secret)


@tokens_group.command("list")
@database_option
def tokens_list(database_url: str | None) -> None:
    """List tokens (never their secrets)."""
    settings = settings_of(database_url=database_url)
    rows = run(tokens.list_tokens, settings)
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
    settings = settings_of(database_url=database_url)

    async def work(db: Database) -> None:
        await tokens.revoke_token(db, token_id=token_id, now=system_clock())

    run(work, settings)
    click.echo(f"Token {token_id} revoked.", err=True)
