"""A batch of positions before it is stored: one `Fix` per decoded position, `Fixes` their columns (numpy
arrays, so validation, geofence evaluation and the insert are bulk operations), `Stored` the outcome."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from hifazat.tracking.hooks import TrackingEventData

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


def ms_of(dt: datetime | None) -> int | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return round(dt.timestamp() * 1000)


def none_if_nan(v: float) -> float | None:
    return None if math.isnan(v) else v
