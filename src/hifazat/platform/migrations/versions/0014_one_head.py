"""One head again: incidents and personnel, both written on 0012_one_head.

Revision ID: 0014_one_head
Revises: 0013_incidents, 0013_personnel
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0014_one_head"
down_revision: str | Sequence[str] | None = ("0013_incidents", "0013_personnel")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
