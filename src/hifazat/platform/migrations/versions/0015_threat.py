"""threat: threat levels per district, every setting kept

Revision ID: 0015_threat
Revises: 0014_one_head
Create Date: 2026-12-07 15:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hifazat.core.db

revision: str = "0015_threat"
down_revision: str | Sequence[str] | None = "0014_one_head"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = hifazat.core.db.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "threat_levels",
        sa.Column("province", sa.String(length=100), nullable=False),
        sa.Column("district", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("set_at", When(timezone=True), nullable=False),
        sa.Column("set_by", sa.String(length=36), nullable=True),
        sa.Column("set_by_name", sa.String(length=120), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["set_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_threat_levels_province"), "threat_levels", ["province"], unique=False)
    op.create_index(
        "ix_threat_levels_place_at", "threat_levels", ["province", "district", "set_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_threat_levels_place_at", table_name="threat_levels")
    op.drop_index(op.f("ix_threat_levels_province"), table_name="threat_levels")
    op.drop_table("threat_levels")
