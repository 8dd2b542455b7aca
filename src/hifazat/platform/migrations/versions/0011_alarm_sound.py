"""notify_preferences.alarm_sound: a user may mute the inbox's alarm for unacknowledged critical alerts

Revision ID: 0011_alarm_sound
Revises: 0010_device_alive
Create Date: 2026-12-07 07:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_alarm_sound"
down_revision: str | Sequence[str] | None = "0010_device_alive"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notify_preferences") as batch:
        batch.add_column(sa.Column("alarm_sound", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("notify_preferences") as batch:
        batch.drop_column("alarm_sound")
