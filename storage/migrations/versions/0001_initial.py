"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("project", sa.String(), nullable=True),
        sa.Column("environment", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    op.create_table(
        "client_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_name", sa.String(), nullable=False),
        sa.Column("instance_id", sa.String(), nullable=False),
        sa.Column("environment", sa.String(), nullable=False),
        sa.Column("sdk", sa.String(), nullable=False),
        sa.Column("sdk_version", sa.String(), nullable=False),
        sa.Column("interval_ms", sa.Integer(), nullable=True),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "app_name", "instance_id", "environment", name="uq_client_applications"
        ),
    )
    op.create_table(
        "context_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.BigInteger(), nullable=False),
        sa.Column("context_hash", sa.String(length=64), nullable=False),
        sa.Column("context_kind", sa.String(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("environment", sa.String(), nullable=False),
        sa.Column("sdk", sa.String(), nullable=False),
        sa.Column("sdk_type", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "day",
            "context_hash",
            "project",
            "environment",
            "sdk",
            "sdk_type",
            "category",
            "context_kind",
            "anonymous",
            name="uq_context_days",
        ),
    )
    with op.batch_alter_table("context_days", schema=None) as batch_op:
        batch_op.create_index("ix_context_days_day_hash", ["day", "context_hash"], unique=False)

    op.create_table(
        "evaluation_buckets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("environment", sa.String(), nullable=False),
        sa.Column("flag", sa.String(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("variation", sa.Integer(), nullable=False),
        sa.Column("sdk", sa.String(), nullable=False),
        sa.Column("sdk_version", sa.String(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "project",
            "environment",
            "flag",
            "width",
            "start",
            "variation",
            "sdk",
            "sdk_version",
            name="uq_evaluation_buckets",
        ),
    )
    op.create_table(
        "event_buckets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_type", "width", "start", name="uq_event_buckets"),
    )
    op.create_table(
        "flag_variations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("environment", sa.String(), nullable=False),
        sa.Column("flag", sa.String(), nullable=False),
        sa.Column("variation", sa.Integer(), nullable=False),
        sa.Column("value_json", sa.Text(), nullable=True),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "project", "environment", "flag", "variation", name="uq_flag_variations"
        ),
    )
    op.create_table(
        "instance_statistics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.String(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("instance_id", "taken_at", name="uq_instance_statistics"),
    )
    with op.batch_alter_table("instance_statistics", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_instance_statistics_instance_id"), ["instance_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_instance_statistics_taken_at"), ["taken_at"], unique=False
        )

    op.create_table(
        "meter_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meter", sa.String(), nullable=False),
        sa.Column("day", sa.BigInteger(), nullable=False),
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("environment", sa.String(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meter", "day", "project", "environment", name="uq_meter_days"),
    )
    op.create_table(
        "stream_buckets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("sdk", sa.String(), nullable=False),
        sa.Column("sdk_version", sa.String(), nullable=False),
        sa.Column("connections", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "source", "width", "start", "sdk", "sdk_version", name="uq_stream_buckets"
        ),
    )
    op.create_table(
        "upstream_status",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "ingest_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_tokens.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_id", "idempotency_key", name="uq_ingest_batches"),
    )


def downgrade() -> None:
    op.drop_table("ingest_batches")
    op.drop_table("upstream_status")
    op.drop_table("stream_buckets")
    op.drop_table("meter_days")
    with op.batch_alter_table("instance_statistics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instance_statistics_taken_at"))
        batch_op.drop_index(batch_op.f("ix_instance_statistics_instance_id"))

    op.drop_table("instance_statistics")
    op.drop_table("flag_variations")
    op.drop_table("event_buckets")
    op.drop_table("evaluation_buckets")
    with op.batch_alter_table("context_days", schema=None) as batch_op:
        batch_op.drop_index("ix_context_days_day_hash")

    op.drop_table("context_days")
    op.drop_table("client_applications")
    op.drop_table("api_tokens")
