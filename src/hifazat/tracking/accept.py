"""From a decoded report to a storable fix: device resolution, range and clock checks, failure limits.

Defined answers (docs/protocols.md): latitude outside -90..90 or longitude outside -180..180 -> rejected;
a fix time before 1970 or more than `tracking_future_tolerance_seconds` ahead of the server clock -> 422
(`protocols/times.py`; it would otherwise pin the device's "last known" in the future); no time -> the
server's receive time; no coordinates (or 0,0 as Traccar treats it) -> a sign of life (`sign_of_life`:
last-seen moves on, nothing stored), except with `alarm=sos`: then stored at the device's last known
coordinates, marked `outdated`; battery outside 0..100 -> ignored; course normalised to 0..360.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

from sqlalchemy import select, update

from hifazat.config import get_settings
from hifazat.core.db import utcnow
from hifazat.platform.db import unit_of_work
from hifazat.platform.sqlite import api as sqlite_api
from hifazat.security.ratelimit import SlidingWindowLimiter
from hifazat.tracking.cache import DeviceInfo, get_cache
from hifazat.tracking.ingest import Fix
from hifazat.tracking.models import DeviceLast
from hifazat.tracking.protocols import Decoded, Rejected
from hifazat.tracking.protocols.times import check_ms

log = logging.getLogger("hifazat.tracking.ingest")


class FailureLimiter:
    """Per client address: after N failed device requests in a minute, answer 429 without any lookup."""

    def __init__(self, window_s: float = 60.0) -> None:
        self.window = window_s
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _trim(self, q: deque[float], now: float) -> None:
        while q and q[0] <= now - self.window:
            q.popleft()

    def blocked(self, key: str) -> int:
        """Seconds to wait, or 0 when the address may try."""
        limit = get_settings().tracking_bad_requests_per_minute
        now = time.monotonic()
        with self._lock:
            q = self._hits.get(key)
            if not q:
                return 0
            self._trim(q, now)
            if len(q) < limit:
                return 0
            return max(1, int(q[0] + self.window - now) + 1)

    def fail(self, key: str) -> bool:
        """Count a failure; True when this one crossed the limit (log it once)."""
        limit = get_settings().tracking_bad_requests_per_minute
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > 50_000 and key not in self._hits:
                self._hits.clear()
            q = self._hits.setdefault(key, deque())
            self._trim(q, now)
            q.append(now)
            return len(q) == limit

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


failures = FailureLimiter()
# Reports for identifiers no active device has, per client address (docs/security.md, "Device identifiers"):
# answered like a valid report, so only this count tells an address that guesses from one that reports.
unknown = SlidingWindowLimiter(limit=20, window_seconds=60.0)


def blocked(client: str) -> int:
    """Seconds this address must wait (429) before any device request, or 0."""
    unknown.limit = get_settings().tracking_unknown_devices_per_minute
    return failures.blocked(client) or unknown.blocked(client)


def unknown_identifier(protocol: str, client: str, identifier: str) -> None:
    """Count one report for an identifier no active device has; logged, never answered differently."""
    unknown.limit = get_settings().tracking_unknown_devices_per_minute
    if not unknown.hit(client):
        return  # already past the limit: the next request is answered 429
    log.warning(
        "report for an unknown device identifier",
        extra={"protocol": protocol, "client": client, "identifier": identifier[:100]},
    )
    if unknown.blocked(client):
        log.warning("unknown device identifier limit engaged", extra={"protocol": protocol, "client": client})


def reject(protocol: str, client: str, exc: Rejected, identifier: str | None = None) -> None:
    crossed = failures.fail(client)
    log.warning(
        "device request rejected",
        extra={
            "protocol": protocol,
            "client": client,
            "status": exc.status,
            "reason": exc.reason,
            "identifier": (identifier or "")[:100],
        },
    )
    if crossed:
        log.warning("device request rate limit engaged", extra={"protocol": protocol, "client": client})


def lookup(identifier: str) -> DeviceInfo | None:
    """The device for an identifier from this worker's cache (no database access)."""
    state = get_cache().current()
    return state.by_identifier.get(identifier) if state is not None else None


def lookup_fresh(identifier: str) -> DeviceInfo | None:
    """Cache miss: reload if the configuration changed (a device registered a moment ago)."""
    with unit_of_work(readonly=True) as session:
        state = get_cache().fresh(session)
    return state.by_identifier.get(identifier)


def last_known(device_id: str) -> tuple[float, float] | None:
    with unit_of_work(readonly=True) as session:
        row = session.execute(
            select(DeviceLast.lat, DeviceLast.lon).where(DeviceLast.device_id == device_id)
        ).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    return float(row[0]), float(row[1])


def needs_last(d: Decoded) -> bool:
    return d.lat is None or d.lon is None or (d.lat == 0 and d.lon == 0)


def is_sign_of_life(d: Decoded) -> bool:
    """A report with no fix (cell or Wi-Fi only) that raises nothing: it only shows the device is alive."""
    return needs_last(d) and (d.alarm or "").lower() != "sos"


def sign_of_life(device: DeviceInfo) -> None:
    """The device reported without a fix: it is alive (`alive_at`, the receive time) and no longer stale;
    no position is stored and its last fix (`at`, lat/lon) stays as it was: its later fixes are not late."""
    with sqlite_api.unit_of_work() as session:
        session.execute(
            update(DeviceLast).where(DeviceLast.device_id == device.id).values(alive_at=utcnow(), stale=False)
        )


def to_fix(d: Decoded, device: DeviceInfo, source: str, last: tuple[float, float] | None = None) -> Fix:
    now_ms = round(utcnow().timestamp() * 1000)
    attrs = dict(d.attributes)
    if needs_last(d):
        if last is None:
            raise Rejected(400, "no coordinates in the report and no last known position", "lat")
        lat, lon = last
        attrs["outdated"] = True
    else:
        lat, lon = float(d.lat), float(d.lon)  # type: ignore[arg-type]
    if not -90.0 <= lat <= 90.0:
        raise Rejected(400, "latitude must be between -90 and 90", "lat")
    if not -180.0 <= lon <= 180.0:
        raise Rejected(400, "longitude must be between -180 and 180", "lon")
    t_ms = d.t_ms if d.t_ms is not None else now_ms
    check_ms(t_ms, "timestamp", now_ms)  # the decoders checked already: this is the clock as stored
    battery = d.battery if d.battery is not None and 0 <= d.battery <= 100 else None
    course = d.course % 360.0 if d.course is not None else None
    return Fix(
        device_id=device.id,
        t_ms=t_ms,
        lat=lat,
        lon=lon,
        source=source,
        altitude=d.altitude,
        speed_kmh=d.speed_kmh,
        course=course,
        accuracy=d.accuracy,
        battery=battery,
        alarm=d.alarm,
        attributes=attrs or None,
    )


# Stands in for the device an unknown identifier does not name, so its report is checked exactly as a
# known device's would be (the same 4xx for the same mistakes) and then dropped.
_NOBODY = DeviceInfo(
    id="",
    position_key=0,
    identifier="",
    name="",
    kind="",
    agency_id="",
    owner_kind=None,
    owner_id=None,
    province=None,
    district=None,
    status="active",
    secret_hash=None,
    secret_salt=None,
)


def check_only(d: Decoded, source: str) -> None:
    """Raise what `to_fix` would raise for this report from a known device that has a last position."""
    if not is_sign_of_life(d):
        to_fix(d, _NOBODY, source, (0.0, 0.0))
