"""Devices, the append-only position store, last-known positions, zones and escort assignments."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from hifazat.core.db import Base, IdMixin, SoftDeleteMixin, TimestampMixin
from hifazat.core.scope import PROVINCE_ONLY, ScopedColumns


class EpochMs(TypeDecorator[datetime]):
    """A UTC instant stored as integer epoch milliseconds (BIGINT): compact keys, no text formatting on
    the bulk-ingest path, identical on SQLite and PostgreSQL. Python sees aware datetimes."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | int | None, dialect: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, int):
            return value
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return round(value.timestamp() * 1000)

    def process_result_value(self, value: int | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return datetime.fromtimestamp(value / 1000, UTC)


class DeviceKind(enum.StrEnum):
    phone = "phone"
    tracker = "tracker"
    panic_button = "panic_button"
    vehicle_unit = "vehicle_unit"


class OwnerKind(enum.StrEnum):
    person = "person"
    user = "user"
    unit = "unit"
    vehicle = "vehicle"


class DeviceStatus(enum.StrEnum):
    active = "active"
    suspended = "suspended"
    lost = "lost"


class ZoneKind(enum.StrEnum):
    restricted = "restricted"
    red_zone = "red_zone"
    safe_zone = "safe_zone"
    corridor = "corridor"


def next_position_key(context: Any) -> int:
    """The next compact device key: a sequence on PostgreSQL; on SQLite (one writer at a time) the
    highest key so far, never below one already handed out on this connection (rows flushed together)."""
    conn = context.connection
    if conn.dialect.name == "postgresql":
        return int(conn.execute(text("SELECT nextval('devices_position_key_seq')")).scalar_one())
    top = int(conn.execute(text("SELECT COALESCE(MAX(position_key), 0) FROM devices")).scalar_one())
    key = max(top, int(conn.info.get("last_position_key", 0))) + 1
    conn.info["last_position_key"] = key
    return key


class Device(IdMixin, TimestampMixin, SoftDeleteMixin, ScopedColumns, Base):
    __tablename__ = "devices"

    # Positions are stored under this integer rather than the 36-character id (a smaller hot index).
    position_key: Mapped[int] = mapped_column(Integer, unique=True, index=True, default=next_position_key)

    identifier: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20), index=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    owner_kind: Mapped[str | None] = mapped_column(String(10))
    owner_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # Copied from the owner (person, unit, or the vehicle's unit) so jurisdiction scoping is one column.
    province: Mapped[str | None] = mapped_column(String(100), index=True)
    district: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default=DeviceStatus.active.value, index=True)
    # HMAC-SHA256 of the secret keyed with a per-device salt (hex); checked on every OwnTracks request.
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    secret_salt: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str] = mapped_column(Text, default="")


class DeviceLast(Base):
    """The hot row per device: last fix, battery, geofence membership and alert states."""

    __tablename__ = "device_last"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    at: Mapped[datetime | None] = mapped_column(EpochMs, default=None)
    received_at: Mapped[datetime | None] = mapped_column(EpochMs, default=None)
    alive_at: Mapped[datetime | None] = mapped_column(EpochMs, default=None)  # last report without a fix
    lat: Mapped[float | None] = mapped_column(Float, default=None)
    lon: Mapped[float | None] = mapped_column(Float, default=None)
    speed_kmh: Mapped[float | None] = mapped_column(Float, default=None)
    course: Mapped[float | None] = mapped_column(Float, default=None)
    accuracy: Mapped[float | None] = mapped_column(Float, default=None)
    battery: Mapped[float | None] = mapped_column(Float, default=None)
    source: Mapped[str | None] = mapped_column(String(20), default=None)
    inside: Mapped[list[str]] = mapped_column(default=list)
    stale: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    separated: Mapped[bool] = mapped_column(Boolean, default=False)


class Position(Base):
    """Append-only. One row per (device, fix time): a repeat of the same fix is a duplicate, stored once."""

    __tablename__ = "positions"
    __table_args__ = (PrimaryKeyConstraint("device_key", "at", name="pk_positions"),)

    device_key: Mapped[int] = mapped_column(Integer)  # devices.position_key
    at: Mapped[datetime] = mapped_column(EpochMs)
    received_at: Mapped[datetime] = mapped_column(EpochMs)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    altitude: Mapped[float | None] = mapped_column(Float, default=None)
    speed_kmh: Mapped[float | None] = mapped_column(Float, default=None)
    course: Mapped[float | None] = mapped_column(Float, default=None)
    accuracy: Mapped[float | None] = mapped_column(Float, default=None)
    battery: Mapped[float | None] = mapped_column(Float, default=None)
    source: Mapped[str] = mapped_column(String(20))
    attributes: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class Zone(IdMixin, TimestampMixin, SoftDeleteMixin, ScopedColumns, Base):
    """A restricted area, red zone, safe zone (polygon or circle) or a route corridor (line + width)."""

    __tablename__ = "zones"
    __scope_columns__ = PROVINCE_ONLY

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    # GeoJSON Polygon; Point with radius_m (circle); LineString with width_m (corridor).
    geometry: Mapped[dict[str, Any]] = mapped_column()
    radius_m: Mapped[float | None] = mapped_column(Float, default=None)
    width_m: Mapped[float | None] = mapped_column(Float, default=None)
    center_lat: Mapped[float] = mapped_column(Float)
    center_lon: Mapped[float] = mapped_column(Float)
    province: Mapped[str | None] = mapped_column(String(100), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(Text, default="")


class EscortAssignment(IdMixin, TimestampMixin, SoftDeleteMixin, ScopedColumns, Base):
    """A protected person escorted by a unit: away from every device of the unit -> `unaccompanied`."""

    __tablename__ = "escort_assignments"

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    max_distance_m: Mapped[float | None] = mapped_column(Float, default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    starts_at: Mapped[datetime | None] = mapped_column(default=None)
    ends_at: Mapped[datetime | None] = mapped_column(default=None)
    # The person's, as the province.
    province: Mapped[str | None] = mapped_column(String(100), index=True)
    district: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")


class TrackingConfig(Base):
    """One counter bumped in every transaction that changes devices, zones, sites or escorts, so every
    worker reloads its device map and geofence engine at its next batch."""

    __tablename__ = "tracking_config"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
