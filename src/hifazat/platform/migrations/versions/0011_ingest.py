"""alerts.source_authenticated: whether what raised the alert proved who it is

An OsmAnd report carries no password (its device identifier is its only credential), so an SOS from it is
shown as an unauthenticated device report. Alerts raised by tracking before this column existed cannot be
vouched for (their position's source was not kept on the alert): they are marked false; every other alert
came from a signed-in user, the SMS gateway or the server itself, and is marked true.

Revision ID: 0011_ingest
Revises: 0010_device_alive
Create Date: 2026-12-07 08:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_ingest"
down_revision: str | Sequence[str] | None = "0010_device_alive"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(
            sa.Column("source_authenticated", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    alerts = sa.table("alerts", sa.column("source", sa.String), sa.column("source_authenticated", sa.Boolean))
    op.execute(alerts.update().where(alerts.c.source == "tracking").values(source_authenticated=False))


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("source_authenticated")
