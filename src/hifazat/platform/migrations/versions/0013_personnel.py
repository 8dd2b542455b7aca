"""personnel: security companies' licences, their personnel (CNIC encrypted and blind-indexed), checks

Revision ID: 0013_personnel
Revises: 0012_one_head
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hifazat.core.db

revision: str = "0013_personnel"
down_revision: str | Sequence[str] | None = "0012_one_head"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = hifazat.core.db.UTCDateTime(timezone=True)


def _common() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("deleted_at", TS, nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "licences",
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("issuer_agency_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("province", sa.String(length=100), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        *_common(),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["issuer_agency_id"], ["agencies.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_licences_agency_id", "licences", ["agency_id"])
    op.create_index("ix_licences_province", "licences", ["province"])
    op.create_index("ix_licences_status", "licences", ["status"])
    op.create_index("ix_licences_deleted_at", "licences", ["deleted_at"])
    op.create_index("ix_licences_kind_number", "licences", ["kind", "number"], unique=True)

    op.create_table(
        "personnel",
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("given_name", sa.String(length=120), nullable=False),
        sa.Column("family_name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("cnic_enc", sa.String(length=400), nullable=False),
        sa.Column("cnic_index", sa.String(length=64), nullable=False),
        sa.Column("cnic_last", sa.String(length=4), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("armed", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("province", sa.String(length=100), nullable=True),
        sa.Column("district", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        *_common(),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for col in ("agency_id", "family_name", "role", "cnic_index", "status", "province", "deleted_at"):
        op.create_index(f"ix_personnel_{col}", "personnel", [col])

    op.create_table(
        "personnel_checks",
        sa.Column("personnel_id", sa.String(length=36), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("result", sa.String(length=10), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        *_common(),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["personnel_id"], ["personnel.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_personnel_checks_person_kind", "personnel_checks", ["personnel_id", "kind"])
    op.create_index("ix_personnel_checks_agency_id", "personnel_checks", ["agency_id"])
    op.create_index("ix_personnel_checks_expires_on", "personnel_checks", ["expires_on"])
    op.create_index("ix_personnel_checks_deleted_at", "personnel_checks", ["deleted_at"])


def downgrade() -> None:
    op.drop_table("personnel_checks")
    op.drop_table("personnel")
    op.drop_table("licences")
