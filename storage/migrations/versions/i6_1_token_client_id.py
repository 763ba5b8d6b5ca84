"""api_tokens.client_id: the public client-side ID of a scoped ingest token

Browser SDKs send events without a secret, naming their environment by a public
client-side ID in the URL; this column maps that ID to the token (and its scope).

Revision ID: i6_1
Revises: 0001
Create Date: 2026-11-22
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i6_1"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_id", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_api_tokens_client_id", ["client_id"], unique=True)
    # Scoped ingest tokens issued before this revision get their public ID now.
    tokens = sa.table("api_tokens", sa.column("id"), sa.column("kind"), sa.column("project"))
    bind = op.get_bind()
    scoped = bind.execute(
        sa.select(tokens.c.id).where(tokens.c.kind == "ingest", tokens.c.project.is_not(None))
    )
    for (token_id,) in scoped.all():
        bind.execute(
            sa.text("UPDATE api_tokens SET client_id = :client_id WHERE id = :id"),
            {"client_id": f"ugc_{secrets.token_hex(12)}", "id": token_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_api_tokens_client_id")
        batch_op.drop_column("client_id")
