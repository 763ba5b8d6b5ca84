"""Migration i6_1: scoped ingest tokens issued before it get a client-side ID."""

from datetime import datetime

from alembic import command
from sqlalchemy import Connection, text

from storage import migrate
from storage.engine import Database


def _downgrade(connection: Connection) -> None:
    command.downgrade(migrate._config(connection), "i6_1-1")


async def test_existing_scoped_ingest_tokens_get_client_ids(db: Database) -> None:
    async with db.engine.begin() as connection:
        await connection.run_sync(_downgrade)
        for n, (kind, project) in enumerate([("ingest", "web"), ("ingest", None), ("admin", None)]):
            await connection.execute(
                text(
                    "INSERT INTO api_tokens (name, kind, secret_hash, project, environment, "
                    "created_at) VALUES (:name, :kind, :hash, :project, :env, :at)"
                ),
                {
                    "name": f"t{n}",
                    "kind": kind,
                    "hash": f"{n:064d}",
                    "project": project,
                    "env": project and "prod",
                    "at": datetime(2026, 11, 20, 12, 0),
                },
            )
    await migrate.upgrade(db)
    async with db.engine.connect() as connection:
        rows = (
            await connection.execute(text("SELECT name, client_id FROM api_tokens ORDER BY name"))
        ).all()
    assert rows[0][1] is not None
    assert rows[0][1].startswith("ugc_")
    assert [(name, client_id) for name, client_id in rows[1:]] == [("t1", None), ("t2", None)]
