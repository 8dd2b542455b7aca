"""OwnTracks JSON (HTTP mode and MQTT). Only `_type: location` and `transition` carry a fix we store;
`lwt`, `waypoint(s)`, `card`, `cmd`, `status`, `steps`, `encrypted` ... are acknowledged and ignored."""

from __future__ import annotations

import math
from typing import Any

import orjson

from hifazat.tracking.protocols import Decoded, Rejected
from hifazat.tracking.protocols.times import NOT_A_TIME_STATUS, check_ms

MAX_BODY = 64 * 1024
STORED_TYPES = ("location", "transition")
_KEEP = ("tid", "t", "conn", "SSID", "BSSID", "m", "bs", "inregions", "p", "vac", "event", "desc", "wtst")


def _num(obj: dict[str, Any], key: str) -> float | None:
    v = obj.get(key)
    if v is None:
        return None
    if isinstance(v, str):
        try:
            v = float(v)
        except ValueError:
            raise Rejected(400, f"{key} must be a number", key) from None
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise Rejected(400, f"{key} must be a number", key)
    return float(v)


def parse(body: bytes) -> dict[str, Any]:
    if len(body) > MAX_BODY:
        raise Rejected(413, "body too large", "body")
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise Rejected(400, "body is not valid JSON", "body") from None
    if not isinstance(obj, dict):
        raise Rejected(400, "body must be a JSON object with _type", "body")
    return obj


def decode(obj: dict[str, Any], identifier: str, owntracks_device: str | None = None) -> Decoded | None:
    """A fix from one OwnTracks message, or None for message types that carry none (ignored safely)."""
    kind = obj.get("_type")
    if kind not in STORED_TYPES:
        return None
    lat, lon, tst = _num(obj, "lat"), _num(obj, "lon"), _num(obj, "tst")
    if (lat is None) != (lon is None):
        raise Rejected(400, "lat and lon go together in a location", "lat" if lat is None else "lon")
    if tst is None:
        raise Rejected(400, "tst (epoch seconds) is required in a location", "tst")
    if abs(tst) > 10**11:
        raise Rejected(NOT_A_TIME_STATUS, "tst is out of range", "tst")
    t_ms = check_ms(round(tst * 1000), "tst")
    attrs: dict[str, Any] = {"_type": kind}
    for key in _KEEP:
        v = obj.get(key)
        if isinstance(v, str | int | float | bool):
            attrs[key] = v[:100] if isinstance(v, str) else v
        elif key == "inregions" and isinstance(v, list):
            attrs[key] = [str(x)[:100] for x in v[:20]]
    if owntracks_device:
        attrs["owntracks_device"] = owntracks_device[:100]
    vel = _num(obj, "vel")
    cog = _num(obj, "cog")
    batt = _num(obj, "batt")
    alarm = obj.get("alarm")
    return Decoded(
        identifier=identifier,
        t_ms=t_ms,
        lat=lat,
        lon=lon,
        altitude=_num(obj, "alt"),
        speed_kmh=vel if vel is not None and vel >= 0 else None,
        course=cog if cog is not None and cog >= 0 else None,
        accuracy=_num(obj, "acc"),
        battery=batt if batt is not None and batt >= 0 else None,
        alarm=alarm.strip()[:40] if isinstance(alarm, str) and alarm.strip() else None,
        attributes=attrs,
    )
