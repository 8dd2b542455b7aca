"""movements: movement requests, their route and the districts it crosses

Revision ID: 0016_movements
Revises: 0015_threat
Create Date: 2026-12-07 15:25:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hifazat.core.db

revision: str = "0016_movements"
down_revision: str | Sequence[str] | None = "0015_threat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = hifazat.core.db.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "movements",
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("province", sa.String(length=100), nullable=True),
        sa.Column("district", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("person_ids", sa.JSON(), nullable=False),
        sa.Column("vehicle_ids", sa.JSON(), nullable=False),
        sa.Column("escort_unit_ids", sa.JSON(), nullable=False),
        sa.Column("escort_personnel_ids", sa.JSON(), nullable=False),
        sa.Column("origin_site_id", sa.String(length=36), nullable=False),
        sa.Column("destination_site_id", sa.String(length=36), nullable=False),
        sa.Column("route", sa.JSON(), nullable=False),
        sa.Column("districts", sa.JSON(), nullable=False),
        sa.Column("depart_after", When(timezone=True), nullable=False),
        sa.Column("depart_before", When(timezone=True), nullable=True),
        sa.Column("arrive_by", When(timezone=True), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("convoy", sa.JSON(), nullable=False),
        sa.Column("comms_plan", sa.Text(), nullable=False),
        sa.Column("check_in_interval_min", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", When(timezone=True), nullable=False),
        sa.Column("updated_at", When(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["destination_site_id"], ["sites.id"]),
        sa.ForeignKeyConstraint(["origin_site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_movements_agency_id"), "movements", ["agency_id"], unique=False)
    op.create_index(op.f("ix_movements_province"), "movements", ["province"], unique=False)
    op.create_index("ix_movements_status_depart", "movements", ["status", "depart_after"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_movements_status_depart", table_name="movements")
    op.drop_index(op.f("ix_movements_province"), table_name="movements")
    op.drop_index(op.f("ix_movements_agency_id"), table_name="movements")
    op.drop_table("movements")
