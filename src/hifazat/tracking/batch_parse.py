"""Parsing the native batch (POST /api/v1/positions): a JSON array of positions into `Fixes`.

Validated in bulk (no model object per position), all-or-nothing: well-formed batches take a column-wise
path (`_fast`); any other goes item by item (`_parse_slow`), naming up to 50 offending items in one 422.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from hifazat.auth.policy import Principal, can_write_agency
from hifazat.config import Settings, get_settings
from hifazat.core.db import utcnow
from hifazat.core.errors import Problem
from hifazat.tracking.cache import TrackingState
from hifazat.tracking.fixes import NUMERIC, Fixes
from hifazat.tracking.protocols import Rejected
from hifazat.tracking.protocols.osmand import parse_time
from hifazat.tracking.protocols.times import latest_ms

MAX_ERRORS = 50
_NUM = (int, float)
NUM_TYPES = {int, float}
NUM_OR_NONE = {int, float, type(None)}
# Larger magnitudes cannot be times (ms 10**15 is the year 33658) and would overflow int64 columns.
MAX_TIME = 10**15
NOT_A_TIME = "is not a time (epoch seconds or milliseconds from 1970 to now)"


def validation_problem(errors: list[dict[str, str]], status: int = 422) -> Problem:
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
        if abs(v) >= MAX_TIME:
            raise ValueError(NOT_A_TIME)
        t = int(v)
        return t * 1000 if abs(t) < 2**31 - 1 else t
    if isinstance(v, str):
        try:
            return parse_time(v, "at")
        except Rejected as exc:
            raise ValueError(exc.reason) from None
    raise ValueError("must be an ISO 8601 string or epoch seconds/milliseconds")


def _time_column(ats: list[Any]) -> Any:
    """Epoch ms column of the batch, or None when some value is not a time (the slow path names it)."""
    if set(map(type, ats)) == {int}:
        if max(map(abs, ats)) >= MAX_TIME:
            return None
        t = np.array(ats, dtype=np.int64)
        return np.where(np.abs(t) < 2**31 - 1, t * 1000, t)
    try:
        return np.array([_time(v) for v in ats], dtype=np.int64)
    except ValueError:
        return None


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
    t_ms = _time_column(ats)
    if t_ms is None:
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
    items = _items(body, get_settings())
    fast = _fast(items, state, principal)
    if fast is not None:
        return _check_ranges(fast, [])
    return _parse_slow(items, state, principal)


def _items(body: bytes, settings: Settings) -> list[Any]:
    """The body as a non-empty JSON array of at most `tracking_max_batch` items (else 422, or 413)."""
    try:
        items = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise validation_problem([{"field": "body", "reason": f"not valid JSON ({exc})"}]) from None
    if not isinstance(items, list):
        raise validation_problem([{"field": "body", "reason": "must be a JSON array of positions"}])
    if not items:
        raise validation_problem([{"field": "body", "reason": "must contain at least one position"}])
    if len(items) > settings.tracking_max_batch:
        raise validation_problem(
            [{"field": "body", "reason": f"at most {settings.tracking_max_batch} positions per batch"}], 413
        )
    return items


@dataclass
class _Columns:
    """The slow path's columns, filled item by item."""

    dev_ids: list[str]
    lat: np.ndarray
    lon: np.ndarray
    t_ms: np.ndarray
    numeric: dict[str, np.ndarray]
    alarms: list[str | None]
    attrs: list[dict[str, Any] | None]

    @classmethod
    def empty(cls, n: int) -> _Columns:
        return cls(
            [""] * n,
            np.empty(n),
            np.empty(n),
            np.empty(n, dtype=np.int64),
            {k: np.full(n, np.nan) for k in NUMERIC},
            [None] * n,
            [None] * n,
        )

    def fixes(self) -> Fixes:
        return Fixes(
            device_ids=self.dev_ids,
            t_ms=self.t_ms,
            lat=self.lat,
            lon=self.lon,
            numeric=self.numeric,
            sources=["api"] * len(self.dev_ids),
            alarms=self.alarms,
            attributes=self.attrs,
        )


class _Reader:
    """Reads one item at a time into `_Columns`, collecting errors by item index."""

    def __init__(self, n: int, state: TrackingState, principal: Principal) -> None:
        self.cols = _Columns.empty(n)
        self.errors: list[dict[str, str]] = []
        self.state = state
        self.principal = principal
        self.allowed: dict[str, bool] = {}

    def err(self, i: int, field: str, reason: str) -> None:
        self.errors.append({"field": f"[{i}].{field}", "reason": reason})

    def device(self, i: int, it: dict[str, Any]) -> Any:
        """The item's active device the principal may write for, or None (with its error)."""
        ident = it.get("device")
        dev = None
        if ident is not None:
            dev = self.state.by_identifier.get(ident) if isinstance(ident, str) else None
        elif "device_id" in it:
            dev = self.state.by_id.get(it["device_id"]) if isinstance(it["device_id"], str) else None
        else:
            self.err(i, "device", "give device (its identifier) or device_id")
            return None
        if dev is None or not dev.active or not self.may_write(dev.agency_id):
            self.err(i, "device", "no such active device visible to you")
            return None
        return dev

    def may_write(self, agency_id: str) -> bool:
        ok = self.allowed.get(agency_id)
        if ok is None:
            ok = self.allowed[agency_id] = can_write_agency(self.principal, agency_id)
        return ok

    def item(self, i: int, it: Any) -> None:
        if type(it) is not dict:
            self.err(i, "body", "must be an object")
            return
        dev = self.device(i, it)
        if dev is None:
            return
        cols = self.cols
        cols.dev_ids[i] = dev.id
        la, lo = it.get("lat"), it.get("lon")
        if type(la) not in _NUM or type(lo) not in _NUM:
            self.err(i, "lat" if type(la) not in _NUM else "lon", "must be a number")
            return
        cols.lat[i], cols.lon[i] = la, lo
        try:
            cols.t_ms[i] = _time(it.get("at"))
        except ValueError as exc:
            self.err(i, "at", str(exc))
            return
        self.numbers(i, it)
        self.extras(i, it)

    def numbers(self, i: int, it: dict[str, Any]) -> None:
        for key in NUMERIC:
            v = it.get(key)
            if v is not None:
                if type(v) not in _NUM:
                    self.err(i, key, "must be a number")
                    break
                self.cols.numeric[key][i] = v

    def extras(self, i: int, it: dict[str, Any]) -> None:
        a = it.get("alarm")
        if a is not None:
            if not isinstance(a, str) or len(a) > 40:
                self.err(i, "alarm", "must be a short string such as sos")
                return
            self.cols.alarms[i] = a
        at = it.get("attributes")
        if at is not None:
            if not isinstance(at, dict) or len(at) > 50:
                self.err(i, "attributes", "must be an object of at most 50 keys")
                return
            self.cols.attrs[i] = at


def _parse_slow(items: list[Any], state: TrackingState, principal: Principal) -> Fixes:
    """Item by item, naming every offending item (up to `MAX_ERRORS`)."""
    reader = _Reader(len(items), state, principal)
    for i, it in enumerate(items):
        if len(reader.errors) >= MAX_ERRORS:
            break
        reader.item(i, it)
    if reader.errors:
        raise validation_problem(reader.errors)
    return _check_ranges(reader.cols.fixes(), reader.errors)


def _check_ranges(fx: Fixes, errors: list[dict[str, str]]) -> Fixes:
    """Vectorised range checks over the whole batch."""
    settings = get_settings()
    lat, lon, t_ms, numeric = fx.lat, fx.lon, fx.t_ms, fx.numeric

    def err(i: int, field: str, reason: str) -> None:
        errors.append({"field": f"[{i}].{field}", "reason": reason})

    limit = latest_ms(round(utcnow().timestamp() * 1000))
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
        raise validation_problem(errors)
    return fx
