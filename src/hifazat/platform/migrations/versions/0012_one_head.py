"""one head again: the act (position_at), ingest (source_authenticated) and alarm-sound branches meet

Revision ID: 0012_one_head
Revises: 0011_act, 0011_alarm_sound, 0011_ingest
Create Date: 2026-12-07 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0012_one_head"
down_revision: str | Sequence[str] | None = ("0011_act", "0011_alarm_sound", "0011_ingest")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: a merge point only."""


def downgrade() -> None:
    """Nothing to undo: a merge point only."""
