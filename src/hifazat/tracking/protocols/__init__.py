"""Device protocol decoders: pure functions from request bytes to fixes or a defined rejection."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Decoded:
    """A decoded position report, device not yet resolved. lat/lon None: no fix in the report."""

    identifier: str
    t_ms: int | None
    lat: float | None
    lon: float | None
    altitude: float | None = None
    speed_kmh: float | None = None
    course: float | None = None
    accuracy: float | None = None
    battery: float | None = None
    alarm: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


class Rejected(Exception):
    def __init__(self, status: int, reason: str, field: str = "body") -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.field = field
