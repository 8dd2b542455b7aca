"""cases: investigation cases, the incidents each investigates and its investigators

Revision ID: 0015_cases
Revises: 0014_one_head
Create Date: 2026-12-07 13:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hifazat.core.db

revision: str = "0015_cases"
down_revision: str | Sequence[str] | None = "0014_one_head"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = hifazat.core.db.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("province", sa.String(length=100), nullable=True),
        sa.Column("district", sa.String(length=100), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("opened_at", When(timezone=True), nullable=False),
        sa.Column("closed_at", When(timezone=True), nullable=True),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("root_cause", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", When(timezone=True), nullable=False),
        sa.Column("updated_at", When(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_cases_agency_id"), "cases", ["agency_id"], unique=False)
    op.create_index(op.f("ix_cases_province"), "cases", ["province"], unique=False)
    op.create_index("ix_cases_status_opened", "cases", ["status", "opened_at"], unique=False)
    op.create_table(
        "case_incidents",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", name="uq_case_incidents_incident"),
    )
    op.create_index(op.f("ix_case_incidents_case_id"), "case_incidents", ["case_id"], unique=False)
    op.create_table(
        "case_investigators",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "user_id", name="uq_case_investigators"),
    )
    op.create_index(op.f("ix_case_investigators_case_id"), "case_investigators", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_table("case_investigators")
    op.drop_table("case_incidents")
    op.drop_table("cases")
