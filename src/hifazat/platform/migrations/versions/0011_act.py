"""alerts.position_at: when the alert's position was fixed (an SOS without coordinates takes the last one)

An SOS is never refused for lack of coordinates: with a person or a device it takes the newest known fix
of its devices, and the alert says how old that fix was; with none it is raised without a position.
Null for alerts raised before this column, and for alerts whose position is unknown.

Revision ID: 0011_act
Revises: 0010_device_alive
Create Date: 2026-12-07 08:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hifazat.core.db

revision: str = "0011_act"
down_revision: str | Sequence[str] | None = "0010_device_alive"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("position_at", hifazat.core.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("position_at")
