"""duties: the roster of personnel on posts and escorts, with the compliance job's at-risk marks

Revision ID: 0015_duties
Revises: 0014_one_head
Create Date: 2026-12-07 15:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hifazat.core.db

revision: str = "0015_duties"
down_revision: str | Sequence[str] | None = "0014_one_head"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = hifazat.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "duties",
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("personnel_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("site_id", sa.String(length=36), nullable=True),
        sa.Column("escort_id", sa.String(length=36), nullable=True),
        sa.Column("armed", sa.Boolean(), nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("at_risk", sa.Boolean(), nullable=False),
        sa.Column("risk_reasons", sa.JSON(), nullable=False),
        sa.Column("province", sa.String(length=100), nullable=True),
        sa.Column("district", sa.String(length=100), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("deleted_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["personnel_id"], ["personnel.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.ForeignKeyConstraint(["escort_id"], ["escort_assignments.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_duties_person_starts", "duties", ["personnel_id", "starts_at"])
    for col in ("agency_id", "site_id", "starts_at", "status", "province", "deleted_at"):
        op.create_index(f"ix_duties_{col}", "duties", [col])


def downgrade() -> None:
    op.drop_table("duties")
