"""device_last.alive_at: the last report without a fix (a sign of life), apart from the last fix

A Traccar Client / OsmAnd or OwnTracks report with only cell or Wi-Fi data stores no position, yet the
device is alive: staleness and "last seen" use the later of the last fix (`at`) and this column. Kept
apart from `at` so a sign of life never makes the device's later fixes "late".

Revision ID: 0010_device_alive
Revises: 0009_one_head
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hifazat.tracking.models

revision: str = "0010_device_alive"
down_revision: str | Sequence[str] | None = "0009_one_head"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("device_last") as batch:
        batch.add_column(sa.Column("alive_at", hifazat.tracking.models.EpochMs(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("device_last") as batch:
        batch.drop_column("alive_at")
