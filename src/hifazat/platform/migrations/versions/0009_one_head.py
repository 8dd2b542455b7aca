"""one head again: the audit chain head and the district branches meet, so later migrations have one parent

Revision ID: 0009_one_head
Revises: 0006_audit_chain_head, 0008_district
Create Date: 2026-12-07 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0009_one_head"
down_revision: str | Sequence[str] | None = ("0006_audit_chain_head", "0008_district")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: a merge point only."""


def downgrade() -> None:
    """Nothing to undo: a merge point only."""
