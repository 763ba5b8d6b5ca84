"""context_days: each context's neighbouring sightings, and per-day sums of them (mau_days)

MAU counted distinct contexts over every day's window at query time: a sort of every
sighting of the range per query. A linker (storage.mau_links) now records, per sighting,
the previous and next day its context was seen, and adds each day's run starts and ends of
contexts always seen with one set of dimensions to ``mau_days``; a query reads those few
sums and recounts only contexts not linked yet or seen with several sets of dimensions.
Existing rows start unlinked (exact, just slower) until the linker reaches them.

Revision ID: k10_1
Revises: p10_ingest
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "k10_1"
down_revision: str | None = "p10_ingest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIMENSIONS = ["project", "environment", "sdk", "sdk_type", "category", "context_kind", "anonymous"]


def upgrade() -> None:
    with op.batch_alter_table("context_days", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_day", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("next_day", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("linked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("counted", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("varies", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.create_index("ix_context_days_hash_day", ["context_hash", "day"])
        batch_op.create_index(
            "ix_context_days_unlinked",
            ["context_hash"],
            sqlite_where=sa.text("linked = 0"),
            postgresql_where=sa.text("linked = false"),
        )
        batch_op.create_index(
            "ix_context_days_uncounted",
            ["day"],
            sqlite_where=sa.text("counted = 0"),
            postgresql_where=sa.text("counted = false"),
        )
    op.create_table(
        "mau_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.BigInteger(), nullable=False),
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("environment", sa.String(), nullable=False),
        sa.Column("sdk", sa.String(), nullable=False),
        sa.Column("sdk_type", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("context_kind", sa.String(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("contexts", sa.BigInteger(), nullable=False),
        sa.Column("rolling_starts", sa.BigInteger(), nullable=False),
        sa.Column("rolling_ends", sa.BigInteger(), nullable=False),
        sa.Column("month_starts", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", *DIMENSIONS, name="uq_mau_days"),
    )


def downgrade() -> None:
    op.drop_table("mau_days")
    with op.batch_alter_table("context_days", schema=None) as batch_op:
        batch_op.drop_index("ix_context_days_uncounted")
        batch_op.drop_index("ix_context_days_unlinked")
        batch_op.drop_index("ix_context_days_hash_day")
        batch_op.drop_column("varies")
        batch_op.drop_column("counted")
        batch_op.drop_column("linked")
        batch_op.drop_column("next_day")
        batch_op.drop_column("prev_day")
