"""Duties: one person on one post or escort for one shift (the roster), and whether it still complies."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hifazat.core.db import Base, IdMixin, SoftDeleteMixin, TimestampMixin
from hifazat.core.scope import ScopedColumns


class DutyKind(enum.StrEnum):
    site_post = "site_post"
    residence_post = "residence_post"
    escort = "escort"


class DutyStatus(enum.StrEnum):
    scheduled = "scheduled"
    cancelled = "cancelled"


class Duty(IdMixin, TimestampMixin, SoftDeleteMixin, ScopedColumns, Base):
    """Its scope is the person's employer and the post's province. `at_risk` and `risk_reasons` are set by
    the daily compliance job when a stored duty no longer passes the rule (a check expired meanwhile...)."""

    __tablename__ = "duties"
    __table_args__ = (Index("ix_duties_person_starts", "personnel_id", "starts_at"),)

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    personnel_id: Mapped[str] = mapped_column(ForeignKey("personnel.id"))
    kind: Mapped[str] = mapped_column(String(20))
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"), index=True)
    escort_id: Mapped[str | None] = mapped_column(ForeignKey("escort_assignments.id"))
    armed: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default=DutyStatus.scheduled.value, index=True)
    at_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    province: Mapped[str | None] = mapped_column(String(100), index=True)
    district: Mapped[str | None] = mapped_column(String(100))
