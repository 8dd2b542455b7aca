"""Unaccompanied: a protected person whose newest position in a batch is away from every device of each
escort unit currently assigned to them. Runs once per batch, after the walk, over its persons' devices."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.config import Settings
from hifazat.tracking.cache import TrackingState
from hifazat.tracking.events import UNAUTHENTICATED_SOURCES
from hifazat.tracking.fixes import Fixes
from hifazat.tracking.geofence import haversine_m
from hifazat.tracking.hooks import TrackingEventData
from hifazat.tracking.last_rows import LastRow, read_now
from hifazat.tracking.models import DeviceLast
from hifazat.tracking.zone_events import event

Point = tuple[float, float]


def escort_events(
    session: Session,
    fx: Fixes,
    final_row: dict[int, int],
    code_to_dev: list[str],
    state: TrackingState,
    last: dict[str, LastRow],
    settings: Settings,
    separated: dict[str, bool],
    read: dict[str, tuple[Any, ...]] | None = None,
) -> list[TrackingEventData]:
    """The batch's unaccompanied events; `separated` gets each judged person device's new flag. `read`: the
    escort devices' rows looked up here are added, to be checked again before the write (`store_walked`)."""
    checks = _checks(fx, final_row, code_to_dev, state)
    if not checks:
        return []
    in_batch = {code_to_dev[c]: i for c, i in final_row.items()}
    known = _known_positions(session, fx, checks, in_batch, state, last, read)
    default_max = settings.tracking_escort_max_distance_m
    out: list[TrackingEventData] = []
    for dev, i, escorts in checks:
        lat, lon = float(fx.lat[i]), float(fx.lon[i])
        judged = _judge(lat, lon, escorts, known, state, default_max)
        if judged is None:
            continue
        far_all, nearest, limit = judged
        was = bool(last[dev.id].separated)
        separated[dev.id] = far_all
        if far_all and not was:
            extra = {"max_distance_m": limit}
            distance = round(nearest or 0.0, 1)
            authed = fx.sources[i] not in UNAUTHENTICATED_SOURCES  # the protected person's own position
            t_ms = int(fx.t_ms[i])
            out.append(event("unaccompanied", dev, lat, lon, t_ms, authed, distance_m=distance, extra=extra))
    return out


def _checks(
    fx: Fixes, final_row: dict[int, int], code_to_dev: list[str], state: TrackingState
) -> list[tuple[Any, int, list[Any]]]:
    """(device, its newest row, the escorts current then) for each person's device in the batch."""
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
    return checks


def _known_positions(
    session: Session,
    fx: Fixes,
    checks: list[tuple[Any, int, list[Any]]],
    in_batch: dict[str, int],
    state: TrackingState,
    last: dict[str, LastRow],
    read: dict[str, tuple[Any, ...]] | None,
) -> dict[str, Point]:
    """The newest known position of every escort device: this batch first, else its last-known row."""
    unit_ids = {e.unit_id for _, _, es in checks for e in es}
    esc_devs = sorted({d for u in unit_ids for d in state.unit_devices.get(u, [])})
    outside = [d for d in esc_devs if d not in in_batch and d not in last]
    known = _outside_positions(session, outside, read) if outside else {}
    for d in esc_devs:
        if d in in_batch:
            j = in_batch[d]
            known[d] = (float(fx.lat[j]), float(fx.lon[j]))
        elif d in last and last[d].lat is not None:
            known[d] = (float(last[d].lat or 0.0), float(last[d].lon or 0.0))
    return known


def _outside_positions(
    session: Session, outside: list[str], read: dict[str, tuple[Any, ...]] | None
) -> dict[str, Point]:
    """Last-known positions of escort devices the batch did not read."""
    known: dict[str, Point] = {}
    if read is not None:  # read to be checked again before the write (`store_walked`)
        read.update(read_now(session, outside))
        for d in outside:
            if d in read and read[d][1] is not None:
                known[d] = (float(read[d][1] or 0.0), float(read[d][2] or 0.0))
        return known
    for r in session.execute(
        select(DeviceLast.device_id, DeviceLast.lat, DeviceLast.lon).where(
            DeviceLast.device_id.in_(outside), DeviceLast.lat.is_not(None)
        )
    ):
        known[r[0]] = (float(r[1] or 0.0), float(r[2] or 0.0))
    return known


def _judge(
    lat: float,
    lon: float,
    escorts: list[Any],
    known: dict[str, Point],
    state: TrackingState,
    default_max: float,
) -> tuple[bool, float | None, float] | None:
    """(away from every unit, nearest escort distance, the limit last applied); None if no escort device
    has a known position."""
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
    return (far_all, nearest, limit) if judged else None
