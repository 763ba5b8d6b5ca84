"""What every ``gateway`` command shares: settings, the --database option, running work."""

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from gateway.settings import Settings
from resolvers.database import Database, redact_url, upgrade
from resolvers.errors import GatewayError, Unavailable

T = TypeVar("T")

database_option = click.option(
    "--database",
    "database_url",
    metavar="URL",
    help="Database URL or SQLite file (default: GATEWAY_DATABASE_URL, else ./gateway.db).",
)


def settings_of(**overrides: Any) -> Settings:
    try:
        return Settings.from_env(os.environ, **overrides)
    except (ValueError, TypeError) as exc:
        raise click.ClickException(str(exc)) from None


def run(work: Callable[[Database], Awaitable[T]], settings: Settings) -> T:
    """Run async work against a migrated database; failures become one clear line."""

    async def main() -> T:
        db = Database(settings.database_url)
        try:
            await upgrade(db)
            return await work(db)
        finally:
            await db.dispose()

    with failures_as_one_line(settings):
        return asyncio.run(main())


@contextmanager
def failures_as_one_line(settings: Settings) -> Iterator[None]:
    """Turn expected failures (database down, refused settings) into one clear CLI error."""
    try:
        yield
    except Unavailable as exc:
        raise click.ClickException(
            f"cannot reach the database {redact_url(settings.database_url)}: {exc.detail}"
        ) from None
    except GatewayError as exc:
        raise click.ClickException(exc.message or exc.code) from None
    except OSError as exc:
        raise click.ClickException(f"{redact_url(settings.database_url)}: {exc}") from None
