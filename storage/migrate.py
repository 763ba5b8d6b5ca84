"""Schema migrations (Alembic, kept in ``storage/migrations``) run from async code."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from storage.engine import Database

_SCRIPTS = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same in every gateway process.
_PG_LOCK_ID = 0x5547_4D49


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Several gateway processes may start at once against one database.
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
    command.upgrade(_config(connection), "head")


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade(db: Database) -> None:
    """Bring the database schema to the newest revision, creating it if empty."""
    async with db.connection() as connection:
        await connection.run_sync(_upgrade)


async def current_revision(db: Database) -> str | None:
    """Return the schema revision the database is at, or None when it was never migrated."""
    async with db.connection() as connection:
        return await connection.run_sync(_current)


def head_revision() -> str:
    """Return the newest revision this code knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head
