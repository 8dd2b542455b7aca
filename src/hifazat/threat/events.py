"""The event a change of threat level announces (read by everyone who reads threat levels)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SUBJECT = "threat.level.set"


@dataclass(frozen=True)
class LevelSet:
    id: str
    province: str
    district: str
    level: str
    previous: str | None

    def payload(self) -> dict[str, Any]:
        # No owning agency: a threat level is for every reader of the platform (docs/movements.md).
        return {
            "id": self.id,
            "agency_id": None,
            "province": self.province,
            "district": self.district,
            "level": self.level,
            "previous": self.previous,
        }
