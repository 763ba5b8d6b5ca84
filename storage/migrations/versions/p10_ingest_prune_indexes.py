"""event_buckets, stream_buckets: indexes by width and start, for retention pruning

Pruning deletes the buckets of one width older than a cut-off every ten minutes; without
an index starting with width it read the whole table each time, holding the write lock
(SQLite) that ingestion waits for. evaluation_buckets has one already (g11_1).

Revision ID: p10_ingest
Revises: g11_1
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "p10_ingest"
down_revision: str | None = "g11_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_event_buckets_width_start": "event_buckets",
    "ix_stream_buckets_width_start": "stream_buckets",
}


def upgrade() -> None:
    for name, table in INDEXES.items():
        op.create_index(name, table, ["width", "start"])


def downgrade() -> None:
    for name, table in INDEXES.items():
        op.drop_index(name, table_name=table)
