"""Per-process tracking state: device map, geofence engine and escort assignments, reloaded when the
configuration fingerprint changes (any worker's change to devices, zones, escorts or sites)."""

from __future__ import annotations

import hmac
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from hashlib import sha256
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from hifazat.core.db import utcnow
from hifazat.registry.models import Site, Vehicle
from hifazat.tracking.geofence import GeofenceEngine, Shape, build_geometry
from hifazat.tracking.models import Device, EscortAssignment, TrackingConfig, Zone

CONFIG_ROW = "tracking"
log = logging.getLogger("hifazat.tracking.cache")


@dataclass(frozen=True)
class DeviceInfo:
    id: str
    position_key: int
    identifier: str
    name: str
    kind: str
    agency_id: str
    owner_kind: str | None
    owner_id: str | None
    province: str | None
    district: str | None
    status: str
    secret_hash: str | None
    secret_salt: str | None

    @property
    def active(self) -> bool:
        return self.status == "active"

    def check_secret(self, secret: str) -> bool:
        if not self.secret_hash or not self.secret_salt:
            return False
        return hmac.compare_digest(hash_secret(secret, self.secret_salt), self.secret_hash)


@dataclass(frozen=True)
class Escort:
    assignment_id: str
    person_id: str
    unit_id: str
    max_distance_m: float | None
    starts_at: datetime | None
    ends_at: datetime | None

    def current(self, at: datetime) -> bool:
        return (self.starts_at is None or self.starts_at <= at) and (
            self.ends_at is None or at < self.ends_at
        )


@dataclass(frozen=True)
class TrackingState:
    fingerprint: tuple[Any, ...]
    by_identifier: dict[str, DeviceInfo]
    by_id: dict[str, DeviceInfo]
    engine: GeofenceEngine
    shapes_by_key: dict[str, Shape]
    escorts_by_person: dict[str, list[Escort]] = field(default_factory=dict)
    unit_devices: dict[str, list[str]] = field(default_factory=dict)


def hash_secret(secret: str, salt: str) -> str:
    return hmac.new(bytes.fromhex(salt), secret.encode(), sha256).hexdigest()


def bump(session: Session) -> None:
    """Tell every worker to reload at its next batch (call in the transaction that changes config)."""
    res = session.execute(
        update(TrackingConfig)
        .where(TrackingConfig.name == CONFIG_ROW)
        .values(version=TrackingConfig.version + 1)
    )
    if getattr(res, "rowcount", 0) == 0:
        session.add(TrackingConfig(name=CONFIG_ROW, version=1))
        session.flush()


FINGERPRINT_SQL = (
    "SELECT (SELECT version FROM tracking_config WHERE name = 'tracking'),"
    " (SELECT count(*) FROM sites), (SELECT max(updated_at) FROM sites)"
)


def fingerprint(session: Session) -> tuple[Any, ...]:
    """Cheap per-batch check (one raw statement) that nobody changed devices, zones, escorts or sites."""
    row = session.connection().exec_driver_sql(FINGERPRINT_SQL).one()
    return (row[0], row[1], str(row[2]))


def _info(d: Device) -> DeviceInfo:
    return DeviceInfo(
        id=d.id,
        position_key=d.position_key,
        identifier=d.identifier,
        name=d.name,
        kind=d.kind,
        agency_id=d.agency_id,
        owner_kind=d.owner_kind,
        owner_id=d.owner_id,
        province=d.province,
        district=d.district,
        status=d.status,
        secret_hash=d.secret_hash,
        secret_salt=d.secret_salt,
    )


def _shapes(session: Session) -> list[Shape]:
    out: list[Shape] = []
    for z in session.scalars(select(Zone).where(Zone.deleted_at.is_(None), Zone.active.is_(True))):
        geom = build_geometry(z.geometry, z.radius_m, z.width_m)
        out.append(Shape(f"zone:{z.id}", z.id, "zone", z.kind, z.name, z.agency_id, geom))
    for s in session.scalars(select(Site).where(Site.deleted_at.is_(None))):
        try:
            geom = build_geometry(s.geometry, s.radius_m, None)
        except Exception:  # a malformed legacy shape must not stop tracking
            log.warning("site shape skipped by the geofence engine", extra={"site_id": s.id})
            continue
        out.append(Shape(f"site:{s.id}", s.id, "site", "site", s.name, s.agency_id, geom))
    return out


def load_state(session: Session, fp: tuple[Any, ...] | None = None) -> TrackingState:
    fp = fp if fp is not None else fingerprint(session)
    devices = [_info(d) for d in session.scalars(select(Device).where(Device.deleted_at.is_(None)))]
    shapes = _shapes(session)
    escorts: dict[str, list[Escort]] = {}
    for a in session.scalars(
        select(EscortAssignment).where(
            EscortAssignment.deleted_at.is_(None), EscortAssignment.active.is_(True)
        )
    ):
        escorts.setdefault(a.person_id, []).append(
            Escort(a.id, a.person_id, a.unit_id, a.max_distance_m, a.starts_at, a.ends_at)
        )
    unit_devices: dict[str, list[str]] = {}
    if escorts:
        vehicle_unit = dict(
            session.execute(select(Vehicle.id, Vehicle.unit_id).where(Vehicle.unit_id.is_not(None))).all()
        )
        for d in devices:
            if not d.active:
                continue
            if d.owner_kind == "unit" and d.owner_id:
                unit_devices.setdefault(d.owner_id, []).append(d.id)
            elif d.owner_kind == "vehicle" and d.owner_id in vehicle_unit:
                unit_devices.setdefault(str(vehicle_unit[d.owner_id]), []).append(d.id)
    return TrackingState(
        fingerprint=fp,
        by_identifier={d.identifier: d for d in devices},
        by_id={d.id: d for d in devices},
        engine=GeofenceEngine(shapes),
        shapes_by_key={s.key: s for s in shapes},
        escorts_by_person=escorts,
        unit_devices=unit_devices,
    )


class TrackingCache:
    def __init__(self) -> None:
        self._state: TrackingState | None = None
        self._lock = threading.Lock()
        self.loaded_at = utcnow()

    def current(self) -> TrackingState | None:
        return self._state

    def fresh(self, session: Session) -> TrackingState:
        """The state matching the database as `session` sees it (reloads only when config changed)."""
        fp = fingerprint(session)
        state = self._state
        if state is not None and state.fingerprint == fp:
            return state
        with self._lock:
            state = self._state
            if state is not None and state.fingerprint == fp:
                return state
            state = load_state(session, fp)
            self._state = state
            self.loaded_at = utcnow()
            return state

    def clear(self) -> None:
        with self._lock:
            self._state = None


_cache = TrackingCache()


def get_cache() -> TrackingCache:
    return _cache


def lock_rows_sql(dialect: str) -> str:
    return " FOR UPDATE" if dialect == "postgresql" else ""


__all__ = ["DeviceInfo", "TrackingCache", "TrackingState", "bump", "get_cache", "hash_secret", "text"]
