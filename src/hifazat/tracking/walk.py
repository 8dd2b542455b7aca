"""Steps 1 to 5 of the ingest (`ingest.store`): a batch ordered by (device, time), checked against the
`device_last` rows of its devices and walked in time order per device, with every value the write needs
made here, once per batch; the write itself is statements only (`position_writes`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from hifazat.config import Settings, get_settings
from hifazat.core.db import utcnow
from hifazat.tracking.cache import TrackingState
from hifazat.tracking.escort_events import escort_events
from hifazat.tracking.events import UNAUTHENTICATED_SOURCES, device_label
from hifazat.tracking.fixes import Fixes, Stored, iso_ms, none_if_nan
from hifazat.tracking.hooks import TrackingEventData
from hifazat.tracking.last_rows import LastRow, lock_last_rows, stored_pairs
from hifazat.tracking.position_writes import last_params, position_rows
from hifazat.tracking.zone_events import event, zone_changes


@dataclass
class Walked:
    """A batch walked against the `device_last` rows as read (`store`'s steps 1 to 5), ready to be written."""

    fx: Fixes
    dc: np.ndarray
    code_to_dev: list[str]
    code_key: np.ndarray
    last: dict[str, LastRow]
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
    empty = np.zeros(0, dtype=np.int64)
    if not len(fixes):
        return Walked(fixes, empty, [], empty, {}, {}, {}, [], result, now)

    fx, dc, code_to_dev = _ordered(fixes, result)
    # 2. lock and read the hot rows
    last = lock_last_rows(session, sorted(code_to_dev), create=not reading)
    if len(last) < len(code_to_dev):
        return None
    read = {d: h.as_read() for d, h in last.items()} if reading else {}
    code_key = np.array([state.by_id[d].position_key for d in code_to_dev], dtype=np.int64)
    walked = Walked(fx, dc, code_to_dev, code_key, last, {}, {}, [], result, now, read)

    late = _drop_stored_late(session, walked)
    result.late = int(late.sum())
    result.stored = len(walked.fx)
    if result.stored == 0:
        return walked
    _walk_positions(walked, late, state, settings)
    _finish(session, walked, state, settings, reading)
    return walked


def _ordered(fixes: Fixes, result: Stored) -> tuple[Fixes, np.ndarray, list[str]]:
    """Step 1: the fixes ordered by (device, time) without in-batch repeats, each row's device code, and
    the device id of each code."""
    codes: dict[str, int] = {}
    dev_code = np.fromiter((codes.setdefault(d, len(codes)) for d in fixes.device_ids), np.int64, len(fixes))
    order = np.lexsort((fixes.t_ms, dev_code))
    dc, tm = dev_code[order], fixes.t_ms[order]
    keep = np.ones(len(order), dtype=bool)
    keep[1:] = (dc[1:] != dc[:-1]) | (tm[1:] != tm[:-1])
    result.duplicates += int((~keep).sum())
    return fixes.take(order[keep]), dc[keep], list(codes)


def _drop_stored_late(session: Session, walked: Walked) -> np.ndarray:
    """Step 3: rows at or before their device's last fix are late; those already stored are dropped (from
    `walked`). Returns which remaining rows are late."""
    fx, dc, last = walked.fx, walked.dc, walked.last
    never = -(2**62)
    last_ms = np.array(
        [(last[d].at_ms if last[d].at_ms is not None else never) for d in walked.code_to_dev], dtype=np.int64
    )
    late: np.ndarray = fx.t_ms <= last_ms[dc]
    if not late.any():
        return late
    li = np.flatnonzero(late)
    pairs = list(zip(walked.code_key[dc[li]].tolist(), fx.t_ms[li].tolist(), strict=True))
    existing = stored_pairs(session, pairs, session.get_bind().dialect.name)
    drop = np.zeros(len(fx), dtype=bool)
    for i, pair in zip(li.tolist(), pairs, strict=True):
        if pair in existing:
            drop[i] = True
    if drop.any():
        walked.result.duplicates += int(drop.sum())
        keep_idx = np.flatnonzero(~drop)
        walked.fx, walked.dc, late = fx.take(keep_idx), dc[keep_idx], late[keep_idx]
    return late


def _walk_positions(walked: Walked, late: np.ndarray, state: TrackingState, settings: Settings) -> None:
    """Step 4: one geofence pass over the batch, then a walk in time order per device emitting sos,
    zone_enter / zone_exit / red_zone_entry and low_battery; late rows emit only sos."""
    fx, dc, code_to_dev, last = walked.fx, walked.dc, walked.code_to_dev, walked.last
    if fx.inside is not None and fx.engine is state.engine:
        inside = fx.inside
    else:
        inside = state.engine.inside_sets(fx.lon, fx.lat)
    shapes = state.shapes_by_key
    threshold = settings.tracking_low_battery_percent
    events = walked.events
    by_id = state.by_id
    alarms = fx.alarms
    sources = fx.sources
    dc_l = dc.tolist()
    late_l = late.tolist()
    t_l = fx.t_ms.tolist()
    lat_l = fx.lat.tolist()
    lon_l = fx.lon.tolist()
    batt_l = fx.numeric["battery"].tolist()
    final_row = walked.final_row
    cur_code = -1
    prev: set[str] = set()
    prev_batt: float | None = None
    dev: Any = None
    for i in range(len(fx)):
        c = dc_l[i]
        if c != cur_code:
            cur_code = c
            dev = by_id[code_to_dev[c]]
            row = last[dev.id]
            prev = {k for k in (row.inside or []) if k in shapes}
            prev_batt = row.battery
        alarm = alarms[i]
        authed = sources[i] not in UNAUTHENTICATED_SOURCES
        if alarm is not None and alarm.lower() == "sos":
            sos = event("sos", dev, lat_l[i], lon_l[i], t_l[i], battery=none_if_nan(batt_l[i]), authed=authed)
            events.append(sos)
        if late_l[i]:
            continue
        final_row[c] = i
        cur = inside[i]
        if cur or prev:
            curs = set(cur)
            if curs != prev:
                zone_changes(events, dev, lat_l[i], lon_l[i], t_l[i], curs, prev, shapes, authed)
                prev = curs
        b = batt_l[i]
        if b == b:  # not NaN
            if b < threshold and (prev_batt is None or prev_batt >= threshold):
                low = event("low_battery", dev, lat_l[i], lon_l[i], t_l[i], battery=b, authed=authed)
                events.append(low)
            prev_batt = b
        last[dev.id].inside = sorted(prev)
        last[dev.id].battery = prev_batt


def _finish(
    session: Session, walked: Walked, state: TrackingState, settings: Settings, reading: bool
) -> None:
    """Step 5 (unaccompanied: protected persons away from every device of their escort unit), then the
    values the write needs and each device's newest position for the live map."""
    fx = walked.fx
    if state.escorts_by_person:
        escorts_read = walked.read if reading else None
        walked.events.extend(
            escort_events(
                session,
                fx,
                walked.final_row,
                walked.code_to_dev,
                state,
                walked.last,
                settings,
                walked.separated,
                escorts_read,
            )
        )
    walked.rows = position_rows(fx, walked.code_key[walked.dc].tolist(), walked.now)
    walked.last_params = last_params(
        fx, walked.final_row, walked.code_to_dev, walked.last, walked.separated, walked.now
    )
    _latest(walked, state)


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
            "name": device_label(dev.name, dev.identifier),
            "kind": dev.kind,
            "owner_kind": dev.owner_kind,
            "owner_id": dev.owner_id,
            "agency_id": dev.agency_id,
            "province": dev.province,
            "district": dev.district,
            "lat": lat_l[i],
            "lon": lon_l[i],
            "at": iso_ms(t_l[i]),
            "battery": none_if_nan(batt_l[i]) if batt_l[i] == batt_l[i] else last[dev.id].battery,
            "speed_kmh": none_if_nan(float(fx.numeric["speed_kmh"][i])),
            "course": none_if_nan(float(fx.numeric["course"][i])),
        }
