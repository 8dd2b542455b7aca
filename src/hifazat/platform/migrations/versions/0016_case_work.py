"""case_work: a case's tasks, milestones, corrective and preventive actions, and its timeline

Revision ID: 0016_case_work
Revises: 0015_cases
Create Date: 2026-12-07 15:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hifazat.core.db

revision: str = "0016_case_work"
down_revision: str | Sequence[str] | None = "0015_cases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = hifazat.core.db.UTCDateTime


def _common() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", When(timezone=True), nullable=False),
        sa.Column("updated_at", When(timezone=True), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "case_tasks",
        *_common(),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("assignee_id", sa.String(length=36), nullable=True),
        sa.Column("due_at", When(timezone=True), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("overdue_notified_at", When(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_case_tasks_case_id"), "case_tasks", ["case_id"], unique=False)
    op.create_table(
        "case_milestones",
        *_common(),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("due_at", When(timezone=True), nullable=True),
        sa.Column("done_at", When(timezone=True), nullable=True),
        sa.Column("overdue_notified_at", When(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_case_milestones_case_id"), "case_milestones", ["case_id"], unique=False)
    op.create_table(
        "case_actions",
        *_common(),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_user_id", sa.String(length=36), nullable=True),
        sa.Column("owner_agency_id", sa.String(length=36), nullable=True),
        sa.Column("deadline", When(timezone=True), nullable=True),
        sa.Column("done_at", When(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["owner_user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["owner_agency_id"], ["agencies.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_case_actions_case_id"), "case_actions", ["case_id"], unique=False)
    op.create_table(
        "case_events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("at", When(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_case_events_case_id"), "case_events", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_table("case_events")
    op.drop_table("case_actions")
    op.drop_table("case_milestones")
    op.drop_table("case_tasks")
