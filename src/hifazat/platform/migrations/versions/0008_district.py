"""district beside province on every row the policy judges by jurisdiction, backfilled from sites

A jurisdiction entry may name a district ("PK-SD:Karachi South"). Until now the policy read a record's
district from its site row (the site itself, a person's residence site, a unit's base site, an alert's
site), which an event's payload cannot do, and devices and alerts without a site had none. The district
is now a column copied the way the province is: persons and units from their site, devices from their
owner (person, unit, a vehicle's unit), alerts from their site, else person, else device (the first lying
in the alert's province), polls from their site, escort assignments from the person, a delivery from the
record it is about. Merges the registry, tracking, alerts and notify branches, whose tables it changes.

Revision ID: 0008_district
Revises: 0004_notify, 0005_position_key, 0007_hot_write_indexes
Create Date: 2026-12-06 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_district"
down_revision: str | Sequence[str] | None = ("0004_notify", "0005_position_key", "0007_hot_write_indexes")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("persons", "district"),
    ("units", "district"),
    ("devices", "district"),
    ("alerts", "district"),
    ("polls", "district"),
    ("escort_assignments", "district"),
    ("notify_deliveries", "ref_district"),
)

# In order: a device's owner has its district before the device, an alert's device before the alert.
BACKFILL = (
    "UPDATE persons SET district ="
    " (SELECT s.district FROM sites s WHERE s.id = persons.residence_site_id)"
    " WHERE residence_site_id IS NOT NULL",
    "UPDATE units SET district = (SELECT s.district FROM sites s WHERE s.id = units.base_site_id)"
    " WHERE base_site_id IS NOT NULL",
    "UPDATE devices SET district = CASE owner_kind"
    " WHEN 'person' THEN (SELECT p.district FROM persons p WHERE p.id = devices.owner_id)"
    " WHEN 'unit' THEN (SELECT u.district FROM units u WHERE u.id = devices.owner_id)"
    " WHEN 'vehicle' THEN (SELECT u.district FROM vehicles v JOIN units u ON u.id = v.unit_id"
    " WHERE v.id = devices.owner_id) END"
    " WHERE owner_kind IN ('person', 'unit', 'vehicle')",
    "UPDATE alerts SET district = COALESCE("
    " (SELECT s.district FROM sites s WHERE s.id = alerts.site_id AND s.province = alerts.province),"
    " (SELECT p.district FROM persons p WHERE p.id = alerts.person_id AND p.province = alerts.province),"
    " (SELECT d.district FROM devices d WHERE d.id = alerts.device_id AND d.province = alerts.province))"
    " WHERE province IS NOT NULL",
    "UPDATE polls SET district = (SELECT s.district FROM sites s WHERE s.id = polls.site_id)"
    " WHERE site_id IS NOT NULL",
    "UPDATE escort_assignments SET district ="
    " (SELECT p.district FROM persons p WHERE p.id = escort_assignments.person_id)",
    "UPDATE notify_deliveries SET ref_district ="
    " (SELECT a.district FROM alerts a WHERE a.id = notify_deliveries.ref_id)"
    " WHERE ref_kind = 'alert'",
)


def upgrade() -> None:
    for table, column in COLUMNS:
        op.add_column(table, sa.Column(column, sa.String(length=100), nullable=True))
    for statement in BACKFILL:
        op.execute(statement)


def downgrade() -> None:
    # A plain DROP COLUMN on both (SQLite since 3.35): a batch rebuild of units or persons would drop a
    # table other tables' foreign keys point at.
    for table, column in reversed(COLUMNS):
        op.drop_column(table, column)
