"""The native batch: POST /api/v1/positions, a JSON array of up to `tracking_max_batch` positions.

Validated in bulk (no model object per position), all-or-nothing: one bad item rejects the batch with
422 naming up to 50 offending items; the answer is sent only after the batch is committed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import orjson

from hifazat.auth.policy import Principal, can_write_agency, require
from hifazat.config import get_settings
from hifazat.core.db import utcnow
from hifazat.core.errors import Problem
from hifazat.platform.db import local_writes
from hifazat.platform.sqlite.api import run_background, unit_of_work
from hifazat.tracking.cache import TrackingState, get_cache
from hifazat.tracking.ingest import NUMERIC, Fixes, Raced, Stored, store, store_walked, walk
from hifazat.tracking.live import publisher
from hifazat.tracking.protocols import Rejected
from hifazat.tracking.protocols.osmand import parse_time

MAX_ERRORS = 50
_NUM = (int, float)
NUM_TYPES = {int, float}
NUM_OR_NONE = {int, float, type(None)}


def _fail(errors: list[dict[str, str]], status: int = 422) -> Problem:
    detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5])
    more = len(errors) - 5
    if more > 0:
        detail += f" (and {more} more)"
    return Problem(
        status,
        "Validation Failed",
        detail,
        type_="https://hifazat.example/problems/validation",
        errors=errors,
    )


def _time(v: Any) -> int:
    if type(v) in _NUM:
        if not math.isfinite(v):
            raise ValueError("must be a finite number")
        t = int(v)
        return t * 1000 if abs(t) < 2**31 - 1 else t
    if isinstance(v, str):
        try:
            return parse_time(v, "at")
        except Rejected as exc:
            raise ValueError(exc.reason) from None
    raise ValueError("must be an ISO 8601 string or epoch seconds/milliseconds")


def _fast(items: list[Any], state: TrackingState, principal: Principal) -> Fixes | None:
    """Column-wise path for well-formed batches (C-level loops); None sends the batch to `parse_slow`,
    which names every offending item."""
    if set(map(type, items)) != {dict}:
        return None
    by_ident = state.by_identifier
    devs = [by_ident.get(it.get("device")) for it in items]
    if None in devs or any(it.get("device_id") is not None for it in items):
        return None
    agencies = {d.agency_id for d in devs if d is not None}
    if not all(d is not None and d.active for d in devs) or not all(
        can_write_agency(principal, a) for a in agencies
    ):
        return None
    lats = [it.get("lat") for it in items]
    lons = [it.get("lon") for it in items]
    ats = [it.get("at") for it in items]
    if not set(map(type, lats)) <= NUM_TYPES or not set(map(type, lons)) <= NUM_TYPES:
        return None
    at_types = set(map(type, ats))
    if at_types == {int}:
        t = np.array(ats, dtype=np.int64)
        t_ms = np.where(np.abs(t) < 2**31 - 1, t * 1000, t)
    else:
        try:
            t_ms = np.array([_time(v) for v in ats], dtype=np.int64)
        except ValueError:
            return None
    numeric = {}
    for key in NUMERIC:
        col = [it.get(key) for it in items]
        kinds = set(map(type, col))
        if kinds == {type(None)}:
            numeric[key] = np.full(len(items), np.nan)
        elif kinds <= NUM_OR_NONE:
            numeric[key] = np.array([np.nan if v is None else v for v in col], dtype=np.float64)
        else:
            return None
    alarms = [it.get("alarm") for it in items]
    if not set(map(type, alarms)) <= {str, type(None)} or any(a is not None and len(a) > 40 for a in alarms):
        return None
    attrs = [it.get("attributes") for it in items]
    if not set(map(type, attrs)) <= {dict, type(None)} or any(a is not None and len(a) > 50 for a in attrs):
        return None
    return Fixes(
        device_ids=[d.id for d in devs],  # type: ignore[union-attr]
        t_ms=t_ms,
        lat=np.array(lats, dtype=np.float64),
        lon=np.array(lons, dtype=np.float64),
        numeric=numeric,
        sources=["api"] * len(items),
        alarms=alarms,
        attributes=attrs,
    )


def parse(body: bytes, state: TrackingState, principal: Principal) -> Fixes:
    settings = get_settings()
    try:
        items = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise _fail([{"field": "body", "reason": f"not valid JSON ({exc})"}]) from None
    if not isinstance(items, list):
        raise _fail([{"field": "body", "reason": "must be a JSON array of positions"}])
    if not items:
        raise _fail([{"field": "body", "reason": "must contain at least one position"}])
    if len(items) > settings.tracking_max_batch:
        raise _fail(
            [{"field": "body", "reason": f"at most {settings.tracking_max_batch} positions per batch"}], 413
        )
    fast = _fast(items, state, principal)
    if fast is not None:
        return _check_ranges(fast, [])
    n = len(items)
    errors: list[dict[str, str]] = []
    dev_ids: list[str] = [""] * n
    lat = np.empty(n)
    lon = np.empty(n)
    t_ms = np.empty(n, dtype=np.int64)
    numeric = {k: np.full(n, np.nan) for k in NUMERIC}
    alarms: list[str | None] = [None] * n
    attrs: list[dict[str, Any] | None] = [None] * n
    by_ident, by_id = state.by_identifier, state.by_id
    allowed: dict[str, bool] = {}

    def err(i: int, field: str, reason: str) -> None:
        errors.append({"field": f"[{i}].{field}", "reason": reason})

    for i, it in enumerate(items):
        if len(errors) >= MAX_ERRORS:
            break
        if type(it) is not dict:
            err(i, "body", "must be an object")
            continue
        ident = it.get("device")
        dev = None
        if ident is not None:
            dev = by_ident.get(ident) if isinstance(ident, str) else None
        elif "device_id" in it:
            dev = by_id.get(it["device_id"]) if isinstance(it["device_id"], str) else None
        else:
            err(i, "device", "give device (its identifier) or device_id")
            continue
        if dev is None or not dev.active:
            err(i, "device", "no such active device visible to you")
            continue
        ok = allowed.get(dev.agency_id)
        if ok is None:
            ok = allowed[dev.agency_id] = can_write_agency(principal, dev.agency_id)
        if not ok:
            err(i, "device", "no such active device visible to you")
            continue
        dev_ids[i] = dev.id
        la, lo = it.get("lat"), it.get("lon")
        if type(la) not in _NUM or type(lo) not in _NUM:
            err(i, "lat" if type(la) not in _NUM else "lon", "must be a number")
            continue
        lat[i], lon[i] = la, lo
        try:
            t_ms[i] = _time(it.get("at"))
        except ValueError as exc:
            err(i, "at", str(exc))
            continue
        for key in NUMERIC:
            v = it.get(key)
            if v is not None:
                if type(v) not in _NUM:
                    err(i, key, "must be a number")
                    break
                numeric[key][i] = v
        a = it.get("alarm")
        if a is not None:
            if not isinstance(a, str) or len(a) > 40:
                err(i, "alarm", "must be a short string such as sos")
                continue
            alarms[i] = a
        at = it.get("attributes")
        if at is not None:
            if not isinstance(at, dict) or len(at) > 50:
                err(i, "attributes", "must be an object of at most 50 keys")
                continue
            attrs[i] = at
    if errors:
        raise _fail(errors)
    fixes = Fixes(
        device_ids=dev_ids,
        t_ms=t_ms,
        lat=lat,
        lon=lon,
        numeric=numeric,
        sources=["api"] * n,
        alarms=alarms,
        attributes=attrs,
    )
    return _check_ranges(fixes, errors)


def _check_ranges(fx: Fixes, errors: list[dict[str, str]]) -> Fixes:
    """Vectorised range checks over the whole batch."""
    settings = get_settings()
    lat, lon, t_ms, numeric = fx.lat, fx.lon, fx.t_ms, fx.numeric

    def err(i: int, field: str, reason: str) -> None:
        errors.append({"field": f"[{i}].{field}", "reason": reason})

    now_ms = round(utcnow().timestamp() * 1000)
    limit = now_ms + settings.tracking_future_tolerance_seconds * 1000
    checks = (
        (~np.isfinite(lat) | (lat < -90) | (lat > 90), "lat", "must be between -90 and 90"),
        (~np.isfinite(lon) | (lon < -180) | (lon > 180), "lon", "must be between -180 and 180"),
        (t_ms > limit, "at", f"is more than {settings.tracking_future_tolerance_seconds} s in the future"),
        (t_ms < 0, "at", "is before 1970"),
        ((numeric["battery"] < 0) | (numeric["battery"] > 100), "battery", "must be a percentage 0-100"),
        ((numeric["course"] < 0) | (numeric["course"] > 360), "course", "must be 0-360 degrees"),
        (numeric["speed_kmh"] < 0, "speed_kmh", "must not be negative"),
    )
    for mask, field, reason in checks:
        for i in np.flatnonzero(mask)[: MAX_ERRORS - len(errors)].tolist():
            err(int(i), field, reason)
    if errors:
        raise _fail(errors)
    return fx


class _Stale(Exception):
    """What `_store_late` read changed before its write: rolled back, stored the usual way."""


def _store_late(
    fixes: Fixes, check: Callable[[TrackingState], None], accepted: list[TrackingState]
) -> Stored | None:
    """SQLite: the batch walked in a read-only transaction (no write lock), then written in a transaction of
    statements only if what it read is unchanged, so the write lock an SOS may wait for is held briefly.
    None when it changed meanwhile (or a device has no hot row yet), with nothing written but the chunks
    of positions committed apart for an SOS (`store_walked`), which the usual way does not store twice;
    then the state it was checked against is put in `accepted`: the batch may no longer be refused."""
    cache = get_cache()
    with unit_of_work(readonly=True) as session:
        state = cache.fresh(session)
        check(state)
        walked = walk(session, fixes, state, reading=True)
    if walked is None:
        return None

    def write() -> Stored:
        with unit_of_work("bulk") as session:
            stored = store_walked(session, walked, state, lambda: cache.fresh(session) is state)
            if stored is None:
                raise _Stale
            return stored

    try:
        # Its own tries: preempted before it wrote (`store_walked`), the write runs again, not the walk.
        return run_background(write)
    except _Stale:
        return None
    except Raced as exc:
        if exc.parted and not accepted:
            accepted.append(state)
        return None


def ingest_batch(body: bytes, principal: Principal) -> Stored:
    require(principal, "positions", "write")
    cache = get_cache()
    state = cache.current()
    if state is None:
        with unit_of_work(readonly=True) as session:
            state = cache.fresh(session)
    fixes = parse(body, state, principal)
    fixes.precompute(state.engine)

    def check(fresh: TrackingState) -> None:
        if fresh is not state:  # configuration changed meanwhile: re-resolve against the new one
            by_id = fresh.by_id
            gone = sorted({d for d in fixes.device_ids if d not in by_id or not by_id[d].active})
            if gone:
                raise _fail(
                    [{"field": "device", "reason": f"device {d} is no longer active"} for d in gone[:50]]
                )

    # Set once some of the batch is committed (chunks given way to an SOS): from then on it is accepted, so a
    # configuration changed since (a device suspended) no longer refuses it: a 4xx never leaves rows behind.
    accepted: list[TrackingState] = []

    def write() -> Stored:
        if local and not accepted:
            stored = _store_late(fixes, check, accepted)
            if stored is not None:
                return stored
        with unit_of_work("bulk") as session:
            fresh = cache.fresh(session)
            try:
                check(fresh)
            except Problem:
                if not accepted:
                    raise
                fresh = accepted[0]  # the state it was accepted under: its devices are all known there
            return store(session, fixes, fresh)

    local = local_writes()
    result = run_background(write)  # an SOS may take the write lock first: then it runs again
    publisher.offer(result.latest)
    return result
