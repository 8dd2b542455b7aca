"""The one ingest path every source uses (OsmAnd, OwnTracks HTTP/MQTT, the native batch API, the demo).

A batch is columnar (numpy arrays), so validation, geofence evaluation and the insert are bulk operations.
`store(session, fixes, ...)` runs inside the caller's transaction and never commits:

1. sort by (device, time); drop repeats inside the batch;
2. read (and on PostgreSQL lock, FOR UPDATE in id order) the `device_last` rows of the batch's devices,
   so batches touching the same device are serialised and transitions are computed exactly once;
3. positions at or before a device's last fix are "late": stored if new, never drive zone or battery
   transitions; a late position that is already stored is a duplicate and dropped;
4. one vectorised geofence pass; then a walk in time order per device emits zone_enter / zone_exit /
   red_zone_entry / low_battery / sos / unaccompanied events;
5. bulk insert (sqlite3 executemany, psycopg COPY), upsert `device_last`, events to the outbox and the
   in-transaction hooks (alerts turn an SOS into an alert atomically).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.config import Settings, get_settings
from hifazat.core.db import new_id, utcnow
from hifazat.platform.outbox import _PENDING as OUTBOX_PENDING
from hifazat.platform.outbox import OutboxEvent
from hifazat.platform.sqlite.api import (
    chunk_boundary,
    reads_before_writing,
    write_in_chunks,
    write_in_parts,
)
from hifazat.tracking.cache import TrackingState
from hifazat.tracking.geofence import haversine_m
from hifazat.tracking.hooks import TrackingEventData, run_hooks
from hifazat.tracking.models import DeviceLast

log = logging.getLogger("hifazat.tracking.ingest")
COLUMNS = (
    "device_key",
    "at",
    "received_at",
    "lat",
    "lon",
    "altitude",
    "speed_kmh",
    "course",
    "accuracy",
    "battery",
    "source",
    "attributes",
)
NUMERIC = ("altitude", "speed_kmh", "course", "accuracy", "battery")


@dataclass
class Fix:
    """One position before it is stored (a decoder's output)."""

    device_id: str
    t_ms: int
    lat: float
    lon: float
    source: str
    altitude: float | None = None
    speed_kmh: float | None = None
    course: float | None = None
    accuracy: float | None = None
    battery: float | None = None
    alarm: str | None = None
    attributes: dict[str, Any] | None = None


@dataclass
class Fixes:
    device_ids: list[str]
    t_ms: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    numeric: dict[str, np.ndarray]
    sources: list[str]
    alarms: list[str | None]
    attributes: list[dict[str, Any] | None]
    # geofence membership computed before the write transaction, and the engine it was computed with
    inside: list[tuple[str, ...]] | None = None
    engine: Any = None

    def __len__(self) -> int:
        return len(self.device_ids)

    @classmethod
    def of(cls, items: Sequence[Fix]) -> Fixes:
        def col(name: str) -> np.ndarray:
            return np.array(
                [np.nan if (v := getattr(f, name)) is None else v for f in items], dtype=np.float64
            )

        return cls(
            device_ids=[f.device_id for f in items],
            t_ms=np.array([f.t_ms for f in items], dtype=np.int64),
            lat=np.array([f.lat for f in items], dtype=np.float64),
            lon=np.array([f.lon for f in items], dtype=np.float64),
            numeric={k: col(k) for k in NUMERIC},
            sources=[f.source for f in items],
            alarms=[f.alarm for f in items],
            attributes=[f.attributes for f in items],
        )

    def take(self, idx: np.ndarray) -> Fixes:
        il = idx.tolist()
        return Fixes(
            device_ids=[self.device_ids[i] for i in il],
            t_ms=self.t_ms[idx],
            lat=self.lat[idx],
            lon=self.lon[idx],
            numeric={k: v[idx] for k, v in self.numeric.items()},
            sources=[self.sources[i] for i in il],
            alarms=[self.alarms[i] for i in il],
            attributes=[self.attributes[i] for i in il],
            inside=[self.inside[i] for i in il] if self.inside is not None else None,
            engine=self.engine,
        )

    def precompute(self, engine: Any) -> None:
        """Evaluate the geofences outside the write transaction (keeps SQLite's lock short)."""
        self.inside = engine.inside_sets(self.lon, self.lat)
        self.engine = engine


@dataclass
class Stored:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    late: int = 0
    events: list[TrackingEventData] = field(default_factory=list)
    # device id -> payload of its newest position (for the live map, published after commit)
    latest: dict[str, dict[str, Any]] = field(default_factory=dict)


def iso_ms(t_ms: int) -> str:
    return datetime.fromtimestamp(t_ms / 1000, UTC).isoformat().replace("+00:00", "Z")


def _ms(dt: datetime | None) -> int | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return round(dt.timestamp() * 1000)


def _none(v: float) -> float | None:
    return None if math.isnan(v) else v


def _event(kind: str, dev: Any, lat: float, lon: float, t_ms: int, **extra: Any) -> TrackingEventData:
    return TrackingEventData(
        id=new_id(),
        kind=kind,
        device_id=dev.id,
        device_identifier=dev.identifier,
        owner_kind=dev.owner_kind,
        owner_id=dev.owner_id,
        agency_id=dev.agency_id,
        province=dev.province,
        district=dev.district,
        lat=float(lat),
        lon=float(lon),
        at=iso_ms(t_ms),
        **extra,
    )


@dataclass
class Hot:
    """Scratch copy of a `device_last` row for the walk (the ORM row is detached at once)."""

    at_ms: int | None
    lat: float | None
    lon: float | None
    battery: float | None
    inside: list[str]
    separated: bool

    def as_read(self) -> tuple[Any, ...]:
        return (self.at_ms, self.lat, self.lon, self.battery, tuple(self.inside), self.separated)


def _raw(session: Session) -> Any:
    return session.connection().connection.driver_connection


def _hot_rows(session: Session, device_ids: list[str], *, lock: bool = False) -> dict[str, Hot]:
    """The `device_last` rows of these devices (`lock`: PostgreSQL's FOR UPDATE, in id order)."""
    pg = session.get_bind().dialect.name == "postgresql"
    cols = "device_id, at, lat, lon, battery, inside, separated"
    rows: dict[str, Hot] = {}
    cur = _raw(session).cursor()
    try:
        if pg:
            order = " ORDER BY device_id FOR UPDATE" if lock else ""
            cur.execute(f"SELECT {cols} FROM device_last WHERE device_id = ANY(%s){order}", (device_ids,))  # noqa: S608
        else:
            marks = ",".join("?" * len(device_ids))
            cur.execute(f"SELECT {cols} FROM device_last WHERE device_id IN ({marks})", device_ids)  # noqa: S608
        for d, at, lat, lon, batt, inside, sep in cur.fetchall():
            if isinstance(inside, str | bytes):
                inside = orjson.loads(inside)
            rows[d] = Hot(at, lat, lon, batt, list(inside or []), bool(sep))
    finally:
        cur.close()
    return rows


def _lock_last(session: Session, device_ids: list[str], *, create: bool = True) -> dict[str, Hot]:
    """Read (PostgreSQL: lock, in id order) the hot rows of these devices; create missing ones (`create`,
    else they are left out)."""
    pg = session.get_bind().dialect.name == "postgresql"
    rows: dict[str, Hot] = {}
    for start in range(0, len(device_ids), 5000):
        chunk = device_ids[start : start + 5000]
        rows.update(_hot_rows(session, chunk, lock=True))
        missing = [d for d in chunk if d not in rows]
        if missing and create:
            cur = _raw(session).cursor()
            try:
                mark = "%s" if pg else "?"
                ins = "INSERT INTO device_last (device_id, inside, stale, separated)"
                vals = f"VALUES ({mark}, '[]', {mark}, {mark}) ON CONFLICT (device_id) DO NOTHING"
                cur.executemany(f"{ins} {vals}", [(d, False, False) for d in missing])
            finally:
                cur.close()
            rows.update(_hot_rows(session, missing, lock=True))
    return rows


def _existing(session: Session, pairs: list[tuple[int, int]], dialect: str) -> set[tuple[int, int]]:
    """Which (device, fix time) pairs are already stored: one index probe per pair, driven from the
    pairs side (a row-value IN list makes SQLite scan the table)."""
    raw = _raw(session)
    cur = raw.cursor()
    try:
        if dialect == "postgresql":
            cur.execute(
                "SELECT p.device_key, p.at FROM unnest(%s::integer[], %s::bigint[]) AS u(d, t)"
                " JOIN positions p ON p.device_key = u.d AND p.at = u.t",
                ([d for d, _ in pairs], [t for _, t in pairs]),
            )
        else:
            cur.execute(
                "SELECT p.device_key, p.at FROM json_each(?) AS j CROSS JOIN positions AS p"
                " ON p.device_key = j.value ->> 0 AND p.at = j.value ->> 1",
                (orjson.dumps(pairs).decode(),),
            )
        return {(int(d), int(t)) for d, t in cur.fetchall()}
    finally:
        cur.close()


@dataclass
class Walked:
    """A batch walked against the `device_last` rows as read (`store`'s steps 1 to 5), ready to be written."""

    fx: Fixes
    dc: np.ndarray
    code_to_dev: list[str]
    code_key: np.ndarray
    last: dict[str, Hot]
    final_row: dict[int, int]
    separated: dict[str, bool]
    events: list[TrackingEventData]
    result: Stored
    now: datetime
    # What the walk read from `device_last` (device id -> row as read): `store_walked` writes only if it is
    # still so.
    read: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    rows: list[tuple[Any, ...]] = field(default_factory=list)  # the positions' INSERT values
    last_params: list[tuple[Any, ...]] = field(default_factory=list)  # the device_last UPDATE values


def store(
    session: Session,
    fixes: Fixes,
    state: TrackingState,
    *,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> Stored:
    """Store validated fixes of known, active devices; emit their events. Never commits."""
    walked = walk(session, fixes, state, settings=settings, now=now)
    assert walked is not None  # the hot rows it lacked were created
    return _write(session, walked, state)


def walk(
    session: Session,
    fixes: Fixes,
    state: TrackingState,
    *,
    settings: Settings | None = None,
    now: datetime | None = None,
    reading: bool = False,
) -> Walked | None:
    """Steps 1 to 5 of `store`. `reading`: in a read-only transaction (SQLite: without the write lock), for
    `store_walked` to write later; None then when a device has no hot row yet (one must be created)."""
    settings = settings or get_settings()
    now = now or utcnow()
    result = Stored(received=len(fixes))
    dialect = session.get_bind().dialect.name
    empty = np.zeros(0, dtype=np.int64)
    if not len(fixes):
        return Walked(fixes, empty, [], empty, {}, {}, {}, [], result, now)

    # 1. order by (device, time), drop in-batch repeats
    codes: dict[str, int] = {}
    dev_code = np.fromiter((codes.setdefault(d, len(codes)) for d in fixes.device_ids), np.int64, len(fixes))
    order = np.lexsort((fixes.t_ms, dev_code))
    dc, tm = dev_code[order], fixes.t_ms[order]
    keep = np.ones(len(order), dtype=bool)
    keep[1:] = (dc[1:] != dc[:-1]) | (tm[1:] != tm[:-1])
    result.duplicates += int((~keep).sum())
    fx = fixes.take(order[keep])
    dc = dc[keep]
    n = len(fx)
    code_to_dev = list(codes)

    # 2. lock and read the hot rows
    devs_in_batch = sorted(codes)
    last = _lock_last(session, devs_in_batch, create=not reading)
    if len(last) < len(devs_in_batch):
        return None
    read = {d: h.as_read() for d, h in last.items()} if reading else {}
    last_ms = np.array(
        [(last[d].at_ms if last[d].at_ms is not None else -(2**62)) for d in code_to_dev], dtype=np.int64
    )

    code_key = np.array([state.by_id[d].position_key for d in code_to_dev], dtype=np.int64)
    walked = Walked(fx, dc, code_to_dev, code_key, last, {}, {}, [], result, now, read)

    # 3. late rows: drop those already stored
    late = fx.t_ms <= last_ms[dc]
    if late.any():
        li = np.flatnonzero(late)
        pairs = list(zip(code_key[dc[li]].tolist(), fx.t_ms[li].tolist(), strict=True))
        existing = _existing(session, pairs, dialect)
        drop = np.zeros(n, dtype=bool)
        for i, pair in zip(li.tolist(), pairs, strict=True):
            if pair in existing:
                drop[i] = True
        if drop.any():
            result.duplicates += int(drop.sum())
            keep_idx = np.flatnonzero(~drop)
            fx, dc, late = fx.take(keep_idx), dc[keep_idx], late[keep_idx]
            n = len(fx)
            walked.fx, walked.dc = fx, dc
    result.late = int(late.sum())
    result.stored = n
    if n == 0:
        return walked

    # 4. geofence + walk
    if fx.inside is not None and fx.engine is state.engine:
        inside = fx.inside
    else:
        inside = state.engine.inside_sets(fx.lon, fx.lat)
    shapes = state.shapes_by_key
    threshold = settings.tracking_low_battery_percent
    battery = fx.numeric["battery"]
    events = walked.events
    by_id = state.by_id
    dc_l = dc.tolist()
    late_l = late.tolist()
    t_l = fx.t_ms.tolist()
    lat_l = fx.lat.tolist()
    lon_l = fx.lon.tolist()
    batt_l = battery.tolist()
    final_row = walked.final_row
    cur_code = -1
    prev: set[str] = set()
    prev_batt: float | None = None
    dev: Any = None
    for i in range(n):
        c = dc_l[i]
        if c != cur_code:
            cur_code = c
            dev = by_id[code_to_dev[c]]
            row = last[dev.id]
            prev = {k for k in (row.inside or []) if k in shapes}
            prev_batt = row.battery
        alarm = fx.alarms[i]
        if alarm is not None and alarm.lower() == "sos":
            events.append(_event("sos", dev, lat_l[i], lon_l[i], t_l[i], battery=_none(batt_l[i])))
        if late_l[i]:
            continue
        final_row[c] = i
        cur = inside[i]
        if cur or prev:
            curs = set(cur)
            if curs != prev:
                for k in sorted(curs - prev):
                    sh = shapes[k]
                    z = {"zone_id": sh.id, "zone_name": sh.name, "zone_kind": sh.kind}
                    events.append(_event("zone_enter", dev, lat_l[i], lon_l[i], t_l[i], **z))
                    if sh.kind == "red_zone":
                        events.append(_event("red_zone_entry", dev, lat_l[i], lon_l[i], t_l[i], **z))
                for k in sorted(prev - curs):
                    sh = shapes[k]
                    z = {"zone_id": sh.id, "zone_name": sh.name, "zone_kind": sh.kind}
                    events.append(_event("zone_exit", dev, lat_l[i], lon_l[i], t_l[i], **z))
                prev = curs
        b = batt_l[i]
        if b == b:  # not NaN
            if b < threshold and (prev_batt is None or prev_batt >= threshold):
                events.append(_event("low_battery", dev, lat_l[i], lon_l[i], t_l[i], battery=b))
            prev_batt = b
        last[dev.id].inside = sorted(prev)
        last[dev.id].battery = prev_batt

    # 5. unaccompanied: protected persons away from every device of their escort unit
    if state.escorts_by_person:
        escorts_read = walked.read if reading else None
        events.extend(
            _escort_events(
                session, fx, final_row, code_to_dev, state, last, settings, walked.separated, escorts_read
            )
        )
    walked.rows = _position_rows(fx, code_key[dc].tolist(), now)
    walked.last_params = _last_params(fx, final_row, code_to_dev, last, walked.separated, now)
    _latest(walked, state)
    return walked


def store_walked(
    session: Session, walked: Walked, state: TrackingState, unchanged: Callable[[], bool]
) -> Stored | None:
    """Write a batch `walk` read without the write lock, if what it read is still so (`unchanged`: the
    configuration; the `device_last` rows of its devices and of the escort devices it looked up; and no
    other writer stored any of its positions meanwhile); None when it is not, with nothing written but
    what parts it already committed: the caller rolls back and stores it the usual way, which stores a
    position at most once. Inside the write transaction this is only statements: the lock is held for them
    alone, and given up between its chunks to an SOS by committing the positions so far
    (`write_in_parts`): the batch is answered only after its last chunk, and sent again if it never was."""

    def holds() -> bool:
        return unchanged() and not _moved(session, walked)

    with write_in_parts():
        with reads_before_writing():  # reads only, yet under the lock: an SOS that waits stops them
            fresh = holds()
        return _write(session, walked, state, exact=True, holds=holds) if fresh else None


def _read_now(session: Session, device_ids: list[str]) -> dict[str, tuple[Any, ...]]:
    return {d: h.as_read() for d, h in _hot_rows(session, device_ids).items()}


def _moved(session: Session, walked: Walked) -> bool:
    """A `device_last` row the walk read is no longer as it read it."""
    return bool(walked.read) and _read_now(session, list(walked.read)) != walked.read


class Raced(Exception):
    """Another writer stored some of the batch's positions after it was walked. `parted`: this write had
    already committed some of them (`write_in_parts`), so the batch is accepted and must not be refused."""

    def __init__(self, parted: bool = False) -> None:
        super().__init__()
        self.parted = parted


def _write(
    session: Session,
    walked: Walked,
    state: TrackingState,
    *,
    exact: bool = False,
    holds: Callable[[], bool] | None = None,
) -> Stored:
    """Step 6 of `store`: statements only, every value made by `walk`. `exact`: every position must be new
    (else `Raced`, for `store_walked`), and if the positions went in parts, what the walk read must still
    `holds()` before `device_last` and the events are written (else `Raced`)."""
    result = walked.result
    if result.stored == 0:
        return result
    dialect = session.get_bind().dialect.name
    inserted, parted = _insert_positions(session, walked.rows, dialect)
    if exact and inserted != len(walked.rows):
        raise Raced(parted)
    # Stored in parts: another writer may have come between them.
    parted = chunk_boundary(session) or parted
    if parted and holds is not None and not holds():
        raise Raced(parted)
    _upsert_last(session, walked.last_params, dialect)
    emit_many(session, walked.events)
    run_hooks(session, walked.events)
    result.events = walked.events
    return result


def _latest(walked: Walked, state: TrackingState) -> None:
    """The newest position of each device, for the live map (published after the commit)."""
    fx, last, latest = walked.fx, walked.last, walked.result.latest
    t_l, lat_l, lon_l = fx.t_ms.tolist(), fx.lat.tolist(), fx.lon.tolist()
    batt_l = fx.numeric["battery"].tolist()
    for c, i in walked.final_row.items():
        dev = state.by_id[walked.code_to_dev[c]]
        latest[dev.id] = {
            "device_id": dev.id,
            "device_identifier": dev.identifier,
            "name": dev.name,
            "kind": dev.kind,
            "owner_kind": dev.owner_kind,
            "owner_id": dev.owner_id,
            "agency_id": dev.agency_id,
            "province": dev.province,
            "district": dev.district,
            "lat": lat_l[i],
            "lon": lon_l[i],
            "at": iso_ms(t_l[i]),
            "battery": _none(batt_l[i]) if batt_l[i] == batt_l[i] else last[dev.id].battery,
            "speed_kmh": _none(float(fx.numeric["speed_kmh"][i])),
            "course": _none(float(fx.numeric["course"][i])),
        }


def emit_many(session: Session, events: list[TrackingEventData]) -> None:
    """Outbox rows for many events in one statement (PostgreSQL) or one executemany (SQLite); the event id
    doubles as the outbox id, so the bus and every consumer see the same id. Published after commit exactly
    like `outbox.emit`."""
    if not events:
        return
    now = utcnow()
    dialect = session.get_bind().dialect
    pg = dialect.name == "postgresql"
    stamp = OutboxEvent.__table__.c.created_at.type.bind_processor(dialect)
    created = stamp(now) if stamp else now
    payloads = [ev.payload() for ev in events]
    rows = [
        (ev.id, ev.subject, orjson.dumps(p).decode(), created) for ev, p in zip(events, payloads, strict=True)
    ]
    cur = _raw(session).cursor()
    try:
        if pg:  # one statement: the rows as arrays, the seqs back
            cur.execute(
                "INSERT INTO outbox (id, subject, payload, created_at) SELECT * FROM"
                " unnest(%s::varchar[], %s::varchar[], %s::json[], %s::timestamptz[]) RETURNING id, seq",
                [list(col) for col in zip(*rows, strict=True)],
            )
            seq_of: dict[str, int] = dict(cur.fetchall())
        else:
            sql = "INSERT INTO outbox (id, subject, payload, created_at) VALUES (?, ?, ?, ?)"
            cur.executemany(sql, rows)
            ids = [ev.id for ev in events]
            seq_of = {}
            for start in range(0, len(ids), 900):
                chunk = ids[start : start + 900]
                marks = ",".join("?" * len(chunk))
                cur.execute(f"SELECT id, seq FROM outbox WHERE id IN ({marks})", chunk)  # noqa: S608
                seq_of.update(cur.fetchall())
    finally:
        cur.close()
    pending = session.info.setdefault(OUTBOX_PENDING, [])
    pending.extend(
        OutboxEvent(seq=seq_of[ev.id], id=ev.id, subject=ev.subject, payload=p, created_at=now)
        for ev, p in zip(events, payloads, strict=True)
    )


def _escort_events(
    session: Session,
    fx: Fixes,
    final_row: dict[int, int],
    code_to_dev: list[str],
    state: TrackingState,
    last: dict[str, Hot],
    settings: Settings,
    separated: dict[str, bool],
    read: dict[str, tuple[Any, ...]] | None = None,
) -> list[TrackingEventData]:
    out: list[TrackingEventData] = []
    checks: list[tuple[Any, int, list[Any]]] = []
    for c, i in final_row.items():
        dev = state.by_id[code_to_dev[c]]
        if dev.owner_kind != "person" or not dev.owner_id:
            continue
        escorts = state.escorts_by_person.get(dev.owner_id)
        if escorts:
            at = datetime.fromtimestamp(int(fx.t_ms[i]) / 1000, UTC)
            current = [e for e in escorts if e.current(at)]
            if current:
                checks.append((dev, i, current))
    if not checks:
        return out
    # newest known position of every escort device: this batch first, else its last-known row
    in_batch = {code_to_dev[c]: i for c, i in final_row.items()}
    unit_ids = {e.unit_id for _, _, es in checks for e in es}
    esc_devs = sorted({d for u in unit_ids for d in state.unit_devices.get(u, [])})
    known: dict[str, tuple[float, float]] = {}
    outside = [d for d in esc_devs if d not in in_batch and d not in last]
    if outside and read is not None:  # read to be checked again before the write (`store_walked`)
        read.update(_read_now(session, outside))
        for d in outside:
            if d in read and read[d][1] is not None:
                known[d] = (float(read[d][1] or 0.0), float(read[d][2] or 0.0))
    elif outside:
        for r in session.execute(
            select(DeviceLast.device_id, DeviceLast.lat, DeviceLast.lon).where(
                DeviceLast.device_id.in_(outside), DeviceLast.lat.is_not(None)
            )
        ):
            known[r[0]] = (float(r[1] or 0.0), float(r[2] or 0.0))
    for d in esc_devs:
        if d in in_batch:
            j = in_batch[d]
            known[d] = (float(fx.lat[j]), float(fx.lon[j]))
        elif d in last and last[d].lat is not None:
            known[d] = (float(last[d].lat or 0.0), float(last[d].lon or 0.0))
    default_max = settings.tracking_escort_max_distance_m
    for dev, i, escorts in checks:
        lat, lon = float(fx.lat[i]), float(fx.lon[i])
        far_all = True
        nearest: float | None = None
        judged = False
        limit = default_max
        for e in escorts:
            pts = [known[d] for d in state.unit_devices.get(e.unit_id, []) if d in known]
            if not pts:
                continue
            judged = True
            arr = np.asarray(pts)
            dist = haversine_m(np.full(len(arr), lat), np.full(len(arr), lon), arr[:, 0], arr[:, 1])
            m = float(dist.min())
            lim = e.max_distance_m or default_max
            nearest = m if nearest is None else min(nearest, m)
            if m <= lim:
                far_all = False
            limit = lim
        if not judged:
            continue
        was = bool(last[dev.id].separated)
        separated[dev.id] = far_all
        if far_all and not was:
            out.append(
                _event(
                    "unaccompanied",
                    dev,
                    lat,
                    lon,
                    int(fx.t_ms[i]),
                    distance_m=round(nearest or 0.0, 1),
                    extra={"max_distance_m": limit},
                )
            )
    return out


def _position_rows(fx: Fixes, keys: list[int], now: datetime) -> list[tuple[Any, ...]]:
    recv = _ms(now)
    num = [[None if x != x else x for x in fx.numeric[k].tolist()] for k in NUMERIC]  # NaN -> NULL
    attrs = [None if a is None else orjson.dumps(a).decode() for a in fx.attributes]
    rows = list(
        zip(
            keys,
            fx.t_ms.tolist(),
            [recv] * len(fx),
            fx.lat.tolist(),
            fx.lon.tolist(),
            *num,
            fx.sources,
            attrs,
            strict=True,
        )
    )
    return rows


def _insert_positions(session: Session, rows: list[tuple[Any, ...]], dialect: str) -> tuple[int, bool]:
    """Insert the positions; returns how many were new (PostgreSQL: all, COPY has no conflict clause) and
    whether chunks were committed apart (`write_in_parts`)."""
    raw = _raw(session)
    cols = ", ".join(COLUMNS)
    if dialect == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY positions ({cols}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(r)
        return len(rows), False
    marks = ", ".join("?" for _ in COLUMNS)
    sql = f"INSERT INTO positions ({cols}) VALUES ({marks}) ON CONFLICT DO NOTHING"  # noqa: S608
    cur = raw.cursor()

    def insert(chunk: Sequence[tuple[Any, ...]]) -> int:
        cur.executemany(sql, chunk)
        return max(cur.rowcount, 0)

    try:  # in chunks, so that an SOS waiting for the write lock gets it between two
        return write_in_chunks(session, rows, insert)
    finally:
        cur.close()


def _last_params(
    fx: Fixes,
    final_row: dict[int, int],
    code_to_dev: list[str],
    last: dict[str, Hot],
    separated: dict[str, bool],
    now: datetime,
) -> list[tuple[Any, ...]]:
    recv = _ms(now)
    t_l = fx.t_ms.tolist()
    lat_l, lon_l = fx.lat.tolist(), fx.lon.tolist()
    sp, co, ac = (fx.numeric[k].tolist() for k in ("speed_kmh", "course", "accuracy"))
    params = []
    for c, i in final_row.items():
        d = code_to_dev[c]
        row = last[d]
        params.append(
            (
                t_l[i],
                recv,
                lat_l[i],
                lon_l[i],
                None if sp[i] != sp[i] else sp[i],
                None if co[i] != co[i] else co[i],
                None if ac[i] != ac[i] else ac[i],
                row.battery,
                fx.sources[i],
                orjson.dumps(row.inside or []).decode(),
                separated.get(d, row.separated),
                d,
            )
        )
    return params


def _upsert_last(session: Session, params: list[tuple[Any, ...]], dialect: str) -> None:
    if not params:
        return
    names = ("at", "received_at", "lat", "lon", "speed_kmh", "course", "accuracy", "battery", "source")
    cur = _raw(session).cursor()
    try:
        if dialect == "postgresql":  # one statement joining the rows given as arrays
            types = ("bigint", "bigint") + ("float8",) * 6 + ("varchar", "text", "boolean", "varchar")
            arrays = ", ".join(f"%s::{t}[]" for t in types)
            sets = ", ".join(f"{c}=u.{c}" for c in names)
            sets += ", inside=u.inside::json, stale=false, separated=u.separated"
            cur.execute(
                f"UPDATE device_last AS d SET {sets}"  # noqa: S608
                f" FROM unnest({arrays}) AS u({', '.join(names)}, inside, separated, device_id)"
                " WHERE d.device_id = u.device_id",
                [list(col) for col in zip(*params, strict=True)],
            )
        else:
            sets = ", ".join(f"{c}=?" for c in names) + ", inside=?, stale=false, separated=?"
            chunk_boundary(session, may_commit=False)  # what the walk read was checked: no part here
            cur.executemany(f"UPDATE device_last SET {sets} WHERE device_id=?", params)  # noqa: S608
    finally:
        cur.close()
