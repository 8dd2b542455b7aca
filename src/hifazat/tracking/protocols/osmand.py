"""The OsmAnd protocol as Traccar's own OsmAndProtocolDecoder accepts it (Traccar Client, OsmAnd app).

Query string (GET or POST), else the form-encoded body; or, with Content-Type application/json, the JSON
body newer Traccar Clients post: {"device_id": ..., "location": {"timestamp", "coords": {...},
"battery": {"level", "is_charging"}, "is_moving", "odometer", "event", "activity", "extras"}}.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import orjson

from hifazat.tracking.protocols import Decoded, Rejected
from hifazat.tracking.protocols.times import NOT_A_TIME_STATUS, check_ms

KNOTS_TO_KMH = 1.852
MPS_TO_KMH = 3.6
INT_MAX = 2**31 - 1
_DIGITS = re.compile(r"^-?\d{1,19}$")
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
MAX_BODY = 64 * 1024


def _num(value: str, name: str) -> float:
    try:
        v = float(value)
    except ValueError:
        raise Rejected(400, f"{name} must be a number", name) from None
    if not math.isfinite(v):
        raise Rejected(400, f"{name} must be a finite number", name)
    return v


def parse_time(value: str, name: str = "timestamp") -> int:
    """Epoch seconds or milliseconds (as Traccar: below 2^31 means seconds), ISO 8601, or
    'yyyy-MM-dd HH:mm:ss' (UTC). Returns epoch milliseconds; whether it is a possible fix time is
    `times.check_ms`'s to say. A number no date can be is Rejected(422), an unreadable form 400."""
    value = value.strip()
    if _NUMBER.match(value):
        # A number in any notation; as Traccar, below 2^31 it counts seconds. Past 10^15 ms (the year
        # 33658) no date is meant, and int64 columns end not much further.
        t = float(value) if len(value) <= 40 else math.inf
        if not math.isfinite(t) or not -(10**15) < t < 10**15:
            raise Rejected(NOT_A_TIME_STATUS, f"{name} is not a time", name)
        if _DIGITS.match(value):
            whole = int(value)  # exact: a float would round milliseconds
            return whole * 1000 if whole < INT_MAX else whole
        return round(t * 1000) if abs(t) < INT_MAX else round(t)
    try:
        if "T" in value:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        else:
            dt = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise Rejected(
            400, f"{name} must be epoch seconds, epoch milliseconds, ISO 8601 or yyyy-MM-dd HH:mm:ss", name
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        return round(dt.timestamp() * 1000)
    except (OverflowError, OSError, ValueError):
        raise Rejected(NOT_A_TIME_STATUS, f"{name} is out of range", name) from None


def _typed(value: str) -> Any:
    try:
        v = float(value)
        if math.isfinite(v):
            return v
    except ValueError:
        pass
    if value in ("true", "false"):
        return value == "true"
    return value[:200]


def _flag(value: str) -> bool:
    return value.lower() == "true" or value == "1"


def _location(out: Decoded, value: str) -> None:
    parts = value.split(",")
    if len(parts) < 2:
        raise Rejected(400, "location must be 'lat,lon'", "location")
    out.lat, out.lon = _num(parts[0], "location"), _num(parts[1], "location")


def _alarm(out: Decoded, attrs: dict[str, Any], value: str) -> None:
    out.alarm = value.strip()[:40] or None
    attrs["alarm"] = out.alarm


# key -> what it sets: (decoded so far, attributes, key, value). A key not here is kept as an attribute.
_Setter = Callable[[Decoded, dict[str, Any], str, str], None]
_PARAMS: dict[str, _Setter] = {
    "id": lambda o, a, k, v: setattr(o, "identifier", v.strip()),
    "deviceid": lambda o, a, k, v: setattr(o, "identifier", v.strip()),
    "valid": lambda o, a, k, v: a.__setitem__("valid", _flag(v)),
    "timestamp": lambda o, a, k, v: setattr(o, "t_ms", check_ms(parse_time(v), "timestamp")),
    "lat": lambda o, a, k, v: setattr(o, "lat", _num(v, "lat")),
    "lon": lambda o, a, k, v: setattr(o, "lon", _num(v, "lon")),
    "location": lambda o, a, k, v: _location(o, v),
    "speed": lambda o, a, k, v: setattr(o, "speed_kmh", _num(v, "speed") * KNOTS_TO_KMH),
    "bearing": lambda o, a, k, v: setattr(o, "course", _num(v, k)),
    "heading": lambda o, a, k, v: setattr(o, "course", _num(v, k)),
    "altitude": lambda o, a, k, v: setattr(o, "altitude", _num(v, "altitude")),
    "accuracy": lambda o, a, k, v: setattr(o, "accuracy", _num(v, "accuracy")),
    "hdop": lambda o, a, k, v: a.__setitem__("hdop", _num(v, "hdop")),
    "batt": lambda o, a, k, v: setattr(o, "battery", _num(v, "batt")),
    "charge": lambda o, a, k, v: a.__setitem__("charge", _flag(v)),
    "alarm": lambda o, a, k, v: _alarm(o, a, v),
    "driverUniqueId": lambda o, a, k, v: a.__setitem__("driverUniqueId", v[:100]),
    "cell": lambda o, a, k, v: a.setdefault(k, []).append(v[:200]),
    "wifi": lambda o, a, k, v: a.setdefault(k, []).append(v[:200]),
}


def decode_params(params: list[tuple[str, str]]) -> Decoded:
    """The query-string / form variant. Rejected(400) without a device id or with unusable values."""
    if not params:
        raise Rejected(400, "no parameters: expected id, lat, lon, timestamp ...", "id")
    out = Decoded(identifier="", t_ms=None, lat=None, lon=None)
    attrs: dict[str, Any] = {}
    for key, value in params:
        setter = _PARAMS.get(key)
        if setter is not None:
            setter(out, attrs, key, value)
        elif len(attrs) < 50 and key:
            attrs[key[:40]] = _typed(value)
    if not out.identifier:
        raise Rejected(400, "id (or deviceid) is required", "id")
    out.attributes = attrs
    return out


def _jnum(obj: dict[str, Any], key: str, name: str) -> float | None:
    v = obj.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise Rejected(400, f"{name} must be a number", name)
    return float(v)


def _object(value: Any, name: str) -> dict[str, Any] | None:
    if value is not None and not isinstance(value, dict):
        raise Rejected(400, f"{name} must be an object", name)
    return value


def _coords(out: Decoded, coords: dict[str, Any]) -> None:
    out.lat = _jnum(coords, "latitude", "location.coords.latitude")
    out.lon = _jnum(coords, "longitude", "location.coords.longitude")
    out.accuracy = _jnum(coords, "accuracy", "location.coords.accuracy")
    speed = _jnum(coords, "speed", "location.coords.speed")
    out.speed_kmh = speed * MPS_TO_KMH if speed is not None and speed >= 0 else None
    heading = _jnum(coords, "heading", "location.coords.heading")
    out.course = heading if heading is not None and heading >= 0 else None
    out.altitude = _jnum(coords, "altitude", "location.coords.altitude")


def _battery(out: Decoded, attrs: dict[str, Any], battery: dict[str, Any]) -> None:
    level = _jnum(battery, "level", "location.battery.level")
    if level is not None and level >= 0:
        out.battery = round(level * 100, 1) if level <= 1 else level
    if isinstance(battery.get("is_charging"), bool):
        attrs["charge"] = battery["is_charging"]


def _json_attributes(root: dict[str, Any], loc: dict[str, Any], out: Decoded, attrs: dict[str, Any]) -> None:
    for key in ("event", "is_moving", "odometer", "mock"):
        v = loc.get(key)
        if isinstance(v, str | int | float | bool):
            attrs[key] = v if not isinstance(v, str) else v[:100]
    activity = loc.get("activity")
    if isinstance(activity, dict) and isinstance(activity.get("type"), str):
        attrs["activity"] = activity["type"][:40]
    extras = loc.get("extras")
    alarm = root.get("alarm")
    if isinstance(extras, dict) and alarm is None:
        alarm = extras.get("alarm")
    if isinstance(alarm, str) and alarm.strip():
        out.alarm = alarm.strip()[:40]
        attrs["alarm"] = out.alarm


def decode_json(body: bytes) -> Decoded:
    try:
        root = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise Rejected(400, "body is not valid JSON", "body") from None
    if not isinstance(root, dict):
        raise Rejected(400, "body must be a JSON object", "body")
    ident = root.get("device_id")
    if not isinstance(ident, str | int) or isinstance(ident, bool) or not str(ident).strip():
        raise Rejected(404, "device_id is required", "device_id")
    out = Decoded(identifier=str(ident).strip(), t_ms=None, lat=None, lon=None)
    loc = _object(root.get("location"), "location") or {}
    ts = loc.get("timestamp")
    if ts is not None:
        if isinstance(ts, bool) or not isinstance(ts, str | int):
            raise Rejected(400, "location.timestamp must be a string or an integer", "location.timestamp")
        out.t_ms = check_ms(parse_time(str(ts), "location.timestamp"), "location.timestamp")
    attrs: dict[str, Any] = {}
    coords = _object(loc.get("coords"), "location.coords")
    if coords is not None:
        _coords(out, coords)
    battery = loc.get("battery")
    if isinstance(battery, dict):
        _battery(out, attrs, battery)
    _json_attributes(root, loc, out, attrs)
    out.attributes = attrs
    return out


def decode(query: bytes, body: bytes, content_type: str) -> Decoded:
    """Decode one OsmAnd request. Raises Rejected with the status Traccar would answer."""
    if len(body) > MAX_BODY:
        raise Rejected(413, "body too large", "body")
    if content_type.split(";")[0].strip().lower() == "application/json" and not query:
        return decode_json(body)
    params = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    if not params and body:
        params = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
    return decode_params(params)
