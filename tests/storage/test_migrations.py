"""Migrations: the migrated schema is exactly the models, on both backends."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlmodel import SQLModel

from storage import migrate
from storage.engine import Database


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


async def test_migrated_schema_matches_the_models(db: Database) -> None:
    async with db.engine.connect() as connection:
        assert await connection.run_sync(_diff) == []


async def test_database_is_at_head_and_upgrading_again_is_harmless(db: Database) -> None:
    assert await migrate.current_revision(db) == migrate.head_revision()
    await migrate.upgrade(db)
    assert await migrate.current_revision(db) == migrate.head_revision()
