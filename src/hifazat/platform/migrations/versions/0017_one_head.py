"""One head again: duties, case work, evidence and movements, written side by side.

Revision ID: 0017_one_head
Revises: 0015_duties, 0016_case_work, 0016_evidence, 0016_movements
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0017_one_head"
down_revision: str | Sequence[str] | None = (
    "0015_duties",
    "0016_case_work",
    "0016_evidence",
    "0016_movements",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
