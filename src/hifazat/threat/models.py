"""Threat levels per district: every setting is kept (the history); the current level of a district is its
latest setting."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hifazat.core.db import Base, IdMixin, utcnow


class Level(enum.StrEnum):
    low = "low"
    elevated = "elevated"
    high = "high"
    critical = "critical"


# The order protocol rules compare levels by ("the highest level along the route").
RANK = {lvl.value: i for i, lvl in enumerate(Level)}


class ThreatLevel(IdMixin, Base):
    """One setting of a district's level: who set it, why, and from which source (by hand or a feed)."""

    __tablename__ = "threat_levels"
    __table_args__ = (Index("ix_threat_levels_place_at", "province", "district", "set_at"),)

    province: Mapped[str] = mapped_column(String(100), index=True)
    district: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(40), default="manual")
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    set_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    set_by_name: Mapped[str] = mapped_column(String(120), default="")
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"))
