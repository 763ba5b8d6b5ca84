"""What every ``gateway`` command shares: settings, the --database option, running work."""

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from gateway.settings import Settings
from resolvers import database
from resolvers.database import Database, MissingDatabase
from resolvers.errors import GatewayError, Unavailable

T = TypeVar("T")

database_option = click.option(
    "--database",
    "database_url",
    metavar="URL",
    help="postgresql://user@host/dbname or a SQLite file (.db/.sqlite); default: "
    "GATEWAY_DATABASE_URL, else ~/.local/share/usage-gateway/gateway.db.",
)


class UsageProblem(click.ClickException):
    """A mistake in how the command was called or configured: one line, exit code 2."""

    exit_code = 2


def settings_of(**overrides: Any) -> Settings:
    """Return the settings from the environment and flags; a bad one is a UsageProblem."""
    try:
        return Settings.from_env(os.environ, **overrides)
    except (ValueError, TypeError) as exc:
        raise UsageProblem(str(exc)) from None


def run(work: Callable[[Database], Awaitable[T]], settings: Settings, *, create: bool = False) -> T:
    """Run async work against a migrated database; failures become one clear line.

    Only commands that set a database up (``create``) may create a missing SQLite file.
    """

    async def main() -> T:
        async with database.opened(
            settings.database, create=create, timeouts=settings.database_timeouts()
        ) as db:
            return await work(db)

    if create and settings.database_url is None:
        Path(settings.database).parent.mkdir(parents=True, exist_ok=True)
    with failures_as_one_line(settings):
        return asyncio.run(main())


@contextmanager
def failures_as_one_line(settings: Settings) -> Iterator[None]:
    """Turn expected failures (database down or missing, refused settings) into one line."""
    shown = database.redact_url(settings.database)
    try:
        yield
    except MissingDatabase as exc:
        raise UsageProblem(exc.text) from None
    except Unavailable as exc:
        raise click.ClickException(f"cannot reach the database {shown}: {exc.detail}") from None
    except GatewayError as exc:
        raise click.ClickException(exc.message or exc.code) from None
    except OSError as exc:
        raise click.ClickException(f"{shown}: {exc}") from None
