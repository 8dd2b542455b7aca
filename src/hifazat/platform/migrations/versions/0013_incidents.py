"""incidents: incidents, the people involved in each, and each incident's timeline

Revision ID: 0013_incidents
Revises: 0012_one_head
Create Date: 2026-12-07 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hifazat.core.db

revision: str = "0013_incidents"
down_revision: str | Sequence[str] | None = "0012_one_head"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = hifazat.core.db.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("province", sa.String(length=100), nullable=True),
        sa.Column("district", sa.String(length=100), nullable=True),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("occurred_at", When(timezone=True), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("site_id", sa.String(length=36), nullable=True),
        sa.Column("alert_id", sa.String(length=36), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("dismiss_reason", sa.Text(), nullable=True),
        sa.Column("closed_at", When(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", When(timezone=True), nullable=False),
        sa.Column("updated_at", When(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alert_id"),
    )
    op.create_index(op.f("ix_incidents_agency_id"), "incidents", ["agency_id"], unique=False)
    op.create_index(op.f("ix_incidents_province"), "incidents", ["province"], unique=False)
    op.create_index(op.f("ix_incidents_type"), "incidents", ["type"], unique=False)
    op.create_index(op.f("ix_incidents_status"), "incidents", ["status"], unique=False)
    op.create_index(op.f("ix_incidents_site_id"), "incidents", ["site_id"], unique=False)
    op.create_index("ix_incidents_occurred", "incidents", ["occurred_at"], unique=False)
    op.create_table(
        "incident_involved",
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("personnel_id", sa.String(length=36), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("nationality", sa.String(length=2), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("is_security_personnel", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_incident_involved_incident_id"), "incident_involved", ["incident_id"], unique=False
    )
    op.create_index(op.f("ix_incident_involved_person_id"), "incident_involved", ["person_id"], unique=False)
    op.create_table(
        "incident_events",
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("at", When(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=True),
        sa.Column("to_status", sa.String(length=24), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_incident_events_incident_id"), "incident_events", ["incident_id"], unique=False)


def downgrade() -> None:
    op.drop_table("incident_events")
    op.drop_table("incident_involved")
    op.drop_table("incidents")
