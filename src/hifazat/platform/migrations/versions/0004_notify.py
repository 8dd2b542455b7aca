"""notify: deliveries (notification outbox), webhooks, notification preferences

Revision ID: 0004_notify
Revises: 0001_foundation
Create Date: 2026-11-29 20:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hifazat.core.db

revision: str = "0004_notify"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = hifazat.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notify_deliveries",
        sa.Column("idempotency_key", sa.String(length=400), nullable=False),
        sa.Column("ref_kind", sa.String(length=40), nullable=False),
        sa.Column("ref_id", sa.String(length=64), nullable=False),
        sa.Column("ref_agency_id", sa.String(length=36), nullable=True),
        sa.Column("ref_province", sa.String(length=100), nullable=True),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("reason", sa.String(length=120), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("recipient_kind", sa.String(length=20), nullable=False),
        sa.Column("recipient_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("agency_id", sa.String(length=36), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("locked_until", TS, nullable=True),
        sa.Column("locked_by", sa.String(length=80), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_attempt_at", TS, nullable=True),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("failed_at", TS, nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("notify_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_notify_deliveries_ref", ["ref_kind", "ref_id"], unique=False)
        batch_op.create_index("ix_notify_deliveries_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_notify_deliveries_ref_agency_id"), ["ref_agency_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notify_deliveries_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notify_deliveries_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "notify_webhooks",
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret_enc", sa.String(length=400), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("deleted_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notify_webhooks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notify_webhooks_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notify_webhooks_deleted_at"), ["deleted_at"], unique=False)

    op.create_table(
        "notify_preferences",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("quiet_hours", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    with op.batch_alter_table("notify_preferences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notify_preferences_agency_id"), ["agency_id"], unique=False)


def downgrade() -> None:
    op.drop_table("notify_preferences")
    op.drop_table("notify_webhooks")
    op.drop_table("notify_deliveries")
