"""alerts: alerts, timeline, shares, escalation policies and timers, rules, assignments, polls

Revision ID: 0003_alerts
Revises: 0001_foundation
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hifazat.core.db

revision: str = "0003_alerts"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("event_kind", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=True),
        sa.Column("suppress_s", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", hifazat.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hifazat.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "event_kind"),
    )
    op.create_index(op.f("ix_alert_rules_agency_id"), "alert_rules", ["agency_id"], unique=False)
    op.create_table(
        "escalation_policies",
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("site_id", sa.String(length=36), nullable=True),
        sa.Column("severity", sa.String(length=10), nullable=True),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", hifazat.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hifazat.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", hifazat.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_escalation_policies_agency_id"), "escalation_policies", ["agency_id"], unique=False
    )
    op.create_index(
        op.f("ix_escalation_policies_deleted_at"), "escalation_policies", ["deleted_at"], unique=False
    )
    op.create_index(op.f("ix_escalation_policies_site_id"), "escalation_policies", ["site_id"], unique=False)
    op.create_table(
        "polls",
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("province", sa.String(length=100), nullable=True),
        sa.Column("question", sa.String(length=500), nullable=False),
        sa.Column("area", sa.JSON(), nullable=True),
        sa.Column("site_id", sa.String(length=36), nullable=True),
        sa.Column("deadline", hifazat.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", hifazat.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hifazat.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_polls_agency_id"), "polls", ["agency_id"], unique=False)
    op.create_index(op.f("ix_polls_province"), "polls", ["province"], unique=False)
    op.create_table(
        "alerts",
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("province", sa.String(length=100), nullable=True),
        sa.Column("nationality", sa.String(length=2), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("subject_user_id", sa.String(length=36), nullable=True),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.Column("site_id", sa.String(length=36), nullable=True),
        sa.Column("cap_scope", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("acknowledged_at", hifazat.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=120), nullable=True),
        sa.Column("resolved_at", hifazat.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=120), nullable=True),
        sa.Column("escalation_policy_id", sa.String(length=36), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("last_seen_at", hifazat.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("repeat_count", sa.Integer(), nullable=False),
        sa.Column("source_event_id", sa.String(length=64), nullable=True),
        sa.Column("poll_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", hifazat.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hifazat.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["escalation_policy_id"],
            ["escalation_policies.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["polls.id"],
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
        ),
        sa.ForeignKeyConstraint(
            ["subject_user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_event_id"),
    )
    op.create_index(op.f("ix_alerts_agency_id"), "alerts", ["agency_id"], unique=False)
    op.create_index("ix_alerts_dedupe", "alerts", ["dedupe_key", "last_seen_at"], unique=False)
    op.create_index(op.f("ix_alerts_device_id"), "alerts", ["device_id"], unique=False)
    op.create_index(op.f("ix_alerts_kind"), "alerts", ["kind"], unique=False)
    op.create_index(op.f("ix_alerts_nationality"), "alerts", ["nationality"], unique=False)
    op.create_index(op.f("ix_alerts_person_id"), "alerts", ["person_id"], unique=False)
    op.create_index(op.f("ix_alerts_poll_id"), "alerts", ["poll_id"], unique=False)
    op.create_index(op.f("ix_alerts_province"), "alerts", ["province"], unique=False)
    op.create_index(op.f("ix_alerts_severity"), "alerts", ["severity"], unique=False)
    op.create_index(op.f("ix_alerts_site_id"), "alerts", ["site_id"], unique=False)
    op.create_index(op.f("ix_alerts_status"), "alerts", ["status"], unique=False)
    op.create_index(op.f("ix_alerts_subject_user_id"), "alerts", ["subject_user_id"], unique=False)
    op.create_table(
        "poll_recipients",
        sa.Column("poll_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("answer", sa.String(length=12), nullable=True),
        sa.Column("answered_at", hifazat.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(length=12), nullable=True),
        sa.Column("alert_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["polls.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("poll_id", "person_id"),
    )
    op.create_index(op.f("ix_poll_recipients_person_id"), "poll_recipients", ["person_id"], unique=False)
    op.create_index(op.f("ix_poll_recipients_poll_id"), "poll_recipients", ["poll_id"], unique=False)
    op.create_table(
        "alert_assignments",
        sa.Column("alert_id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("assigned_at", hifazat.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("assigned_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", hifazat.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_alert_assignments_alert_id"), "alert_assignments", ["alert_id"], unique=False)
    op.create_index(op.f("ix_alert_assignments_unit_id"), "alert_assignments", ["unit_id"], unique=False)
    op.create_table(
        "alert_events",
        sa.Column("alert_id", sa.String(length=36), nullable=False),
        sa.Column("at", hifazat.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_alert_events_alert_id"), "alert_events", ["alert_id"], unique=False)
    op.create_table(
        "alert_shares",
        sa.Column("alert_id", sa.String(length=36), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", hifazat.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alert_id", "agency_id"),
    )
    op.create_index(op.f("ix_alert_shares_agency_id"), "alert_shares", ["agency_id"], unique=False)
    op.create_index(op.f("ix_alert_shares_alert_id"), "alert_shares", ["alert_id"], unique=False)
    op.create_table(
        "escalation_timers",
        sa.Column("alert_id", sa.String(length=36), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("due_at", hifazat.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("created_at", hifazat.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("fired_at", hifazat.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("fired_by", sa.String(length=120), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_escalation_timers_alert_id"), "escalation_timers", ["alert_id"], unique=False)
    op.create_index("ix_escalation_timers_due", "escalation_timers", ["state", "due_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_escalation_timers_due", table_name="escalation_timers")
    op.drop_index(op.f("ix_escalation_timers_alert_id"), table_name="escalation_timers")
    op.drop_table("escalation_timers")
    op.drop_index(op.f("ix_alert_shares_alert_id"), table_name="alert_shares")
    op.drop_index(op.f("ix_alert_shares_agency_id"), table_name="alert_shares")
    op.drop_table("alert_shares")
    op.drop_index(op.f("ix_alert_events_alert_id"), table_name="alert_events")
    op.drop_table("alert_events")
    op.drop_index(op.f("ix_alert_assignments_unit_id"), table_name="alert_assignments")
    op.drop_index(op.f("ix_alert_assignments_alert_id"), table_name="alert_assignments")
    op.drop_table("alert_assignments")
    op.drop_index(op.f("ix_poll_recipients_poll_id"), table_name="poll_recipients")
    op.drop_index(op.f("ix_poll_recipients_person_id"), table_name="poll_recipients")
    op.drop_table("poll_recipients")
    op.drop_index(op.f("ix_alerts_subject_user_id"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_status"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_site_id"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_severity"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_province"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_poll_id"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_person_id"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_nationality"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_kind"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_device_id"), table_name="alerts")
    op.drop_index("ix_alerts_dedupe", table_name="alerts")
    op.drop_index(op.f("ix_alerts_agency_id"), table_name="alerts")
    op.drop_table("alerts")
    op.drop_index(op.f("ix_polls_province"), table_name="polls")
    op.drop_index(op.f("ix_polls_agency_id"), table_name="polls")
    op.drop_table("polls")
    op.drop_index(op.f("ix_escalation_policies_site_id"), table_name="escalation_policies")
    op.drop_index(op.f("ix_escalation_policies_deleted_at"), table_name="escalation_policies")
    op.drop_index(op.f("ix_escalation_policies_agency_id"), table_name="escalation_policies")
    op.drop_table("escalation_policies")
    op.drop_index(op.f("ix_alert_rules_agency_id"), table_name="alert_rules")
    op.drop_table("alert_rules")
