"""evaluation_buckets: an index for totals of every flag over a window of starts

The flags page orders flags by their evaluations over a range; this index lets that
query read only the range's rows instead of the whole table.

Revision ID: g11_1
Revises: i13_1
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "g11_1"
down_revision: str | None = "i13_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["width", "start", "project", "environment", "flag"]


def upgrade() -> None:
    op.create_index("ix_evaluation_buckets_window", "evaluation_buckets", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_evaluation_buckets_window", table_name="evaluation_buckets")
