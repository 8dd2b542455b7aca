"""Movement requests: who travels, in what, escorted by whom, from where to where, along which route and
when; the districts the route crosses are computed when it is written."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hifazat.core.db import Base, IdMixin, TimestampMixin
from hifazat.core.scope import ScopedColumns


class MovementStatus(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    rejected = "rejected"
    in_progress = "in_progress"
    arrived = "arrived"
    cancelled = "cancelled"


class Movement(IdMixin, TimestampMixin, ScopedColumns, Base):
    """Scoped by the requesting agency and the origin's province and district (the police of the origin
    see it by jurisdiction); `districts` lists every "PK-XX:District" the route crosses, in route order."""

    __tablename__ = "movements"
    __table_args__ = (Index("ix_movements_status_depart", "status", "depart_after"),)

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    province: Mapped[str | None] = mapped_column(String(100), index=True)
    district: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default=MovementStatus.draft.value)
    person_ids: Mapped[list[str]] = mapped_column(default=list)
    vehicle_ids: Mapped[list[str]] = mapped_column(default=list)
    escort_unit_ids: Mapped[list[str]] = mapped_column(default=list)
    escort_personnel_ids: Mapped[list[str]] = mapped_column(default=list)
    origin_site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    destination_site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    route: Mapped[dict[str, Any]] = mapped_column()
    districts: Mapped[list[str]] = mapped_column(default=list)
    depart_after: Mapped[datetime] = mapped_column()
    depart_before: Mapped[datetime | None] = mapped_column(default=None)
    arrive_by: Mapped[datetime | None] = mapped_column(default=None)
    purpose: Mapped[str] = mapped_column(Text, default="")
    convoy: Mapped[dict[str, Any]] = mapped_column(default=dict)
    comms_plan: Mapped[str] = mapped_column(Text, default="")
    check_in_interval_min: Mapped[int | None] = mapped_column(Integer, default=None)
    decision_note: Mapped[str | None] = mapped_column(Text, default=None)  # the approval's or rejection's
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
