"""alerts, audit_log, outbox: drop indexes no query uses, which every SOS wrote

Every index is one more page an insert touches and a commit writes. An SOS wrote 37 pages: alerts (14
indexes), audit_log (8), outbox (3), its timeline and level-0 timer. These six help no query: alert kind,
severity and nationality (lists filter them inside an agency's scope, ordered by id: the scope and the
order pick the rows), the audit log's action and entity (filtered with the entity's id, which is indexed
and selective; alone, the newest-first walk by seq finds them), and the outbox's subject (the relay reads
unpublished rows by seq; nothing looks rows up by subject). Tracking events go through the outbox too.

Revision ID: 0007_hot_write_indexes
Revises: 0003_alerts
Create Date: 2026-12-03 08:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007_hot_write_indexes"
down_revision: str | Sequence[str] | None = "0003_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROPPED = (
    ("alerts", "kind"),
    ("alerts", "severity"),
    ("alerts", "nationality"),
    ("audit_log", "action"),
    ("audit_log", "entity"),
    ("outbox", "subject"),
)


def upgrade() -> None:
    for table, column in DROPPED:
        op.drop_index(f"ix_{table}_{column}", table_name=table)


def downgrade() -> None:
    for table, column in DROPPED:
        op.create_index(f"ix_{table}_{column}", table, [column], unique=False)
