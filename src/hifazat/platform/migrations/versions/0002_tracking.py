"""tracking: devices, positions, device_last, zones, escort assignments, config version

Revision ID: 0002_tracking
Revises: 0001_foundation
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import hifazat.core.db
import hifazat.tracking.models

revision: str = "0002_tracking"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = hifazat.core.db.UTCDateTime(timezone=True)
EPOCH_MS = hifazat.tracking.models.EpochMs()


def _stamps() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("deleted_at", UTC, nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("identifier", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("owner_kind", sa.String(length=10), nullable=True),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
        sa.Column("province", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=True),
        sa.Column("secret_salt", sa.String(length=32), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("identifier"),
    )
    with op.batch_alter_table("devices", schema=None) as b:
        b.create_index(b.f("ix_devices_agency_id"), ["agency_id"], unique=False)
        b.create_index(b.f("ix_devices_deleted_at"), ["deleted_at"], unique=False)
        b.create_index(b.f("ix_devices_kind"), ["kind"], unique=False)
        b.create_index(b.f("ix_devices_owner_id"), ["owner_id"], unique=False)
        b.create_index(b.f("ix_devices_province"), ["province"], unique=False)
        b.create_index(b.f("ix_devices_status"), ["status"], unique=False)

    op.create_table(
        "device_last",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("at", EPOCH_MS, nullable=True),
        sa.Column("received_at", EPOCH_MS, nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("speed_kmh", sa.Float(), nullable=True),
        sa.Column("course", sa.Float(), nullable=True),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("battery", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=True),
        sa.Column("inside", sa.JSON(), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("separated", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("device_id"),
    )
    with op.batch_alter_table("device_last", schema=None) as b:
        b.create_index(b.f("ix_device_last_stale"), ["stale"], unique=False)

    op.create_table(
        "positions",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("at", EPOCH_MS, nullable=False),
        sa.Column("received_at", EPOCH_MS, nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("altitude", sa.Float(), nullable=True),
        sa.Column("speed_kmh", sa.Float(), nullable=True),
        sa.Column("course", sa.Float(), nullable=True),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("battery", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ux_positions_device_at", "positions", ["device_id", "at"], unique=True)

    op.create_table(
        "zones",
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("geometry", sa.JSON(), nullable=False),
        sa.Column("radius_m", sa.Float(), nullable=True),
        sa.Column("width_m", sa.Float(), nullable=True),
        sa.Column("center_lat", sa.Float(), nullable=False),
        sa.Column("center_lon", sa.Float(), nullable=False),
        sa.Column("province", sa.String(length=100), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("zones", schema=None) as b:
        b.create_index(b.f("ix_zones_agency_id"), ["agency_id"], unique=False)
        b.create_index(b.f("ix_zones_deleted_at"), ["deleted_at"], unique=False)
        b.create_index(b.f("ix_zones_kind"), ["kind"], unique=False)
        b.create_index(b.f("ix_zones_province"), ["province"], unique=False)

    op.create_table(
        "escort_assignments",
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("max_distance_m", sa.Float(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("starts_at", UTC, nullable=True),
        sa.Column("ends_at", UTC, nullable=True),
        sa.Column("province", sa.String(length=100), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("escort_assignments", schema=None) as b:
        b.create_index(b.f("ix_escort_assignments_agency_id"), ["agency_id"], unique=False)
        b.create_index(b.f("ix_escort_assignments_deleted_at"), ["deleted_at"], unique=False)
        b.create_index(b.f("ix_escort_assignments_person_id"), ["person_id"], unique=False)
        b.create_index(b.f("ix_escort_assignments_province"), ["province"], unique=False)
        b.create_index(b.f("ix_escort_assignments_unit_id"), ["unit_id"], unique=False)

    config = op.create_table(
        "tracking_config",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.bulk_insert(config, [{"name": "tracking", "version": 1}])


def downgrade() -> None:
    op.drop_table("tracking_config")
    op.drop_table("escort_assignments")
    op.drop_table("zones")
    op.drop_table("positions")
    op.drop_table("device_last")
    op.drop_table("devices")
