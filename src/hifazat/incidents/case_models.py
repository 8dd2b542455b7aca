"""Investigation cases: the case, the incidents it investigates and its investigators.

A case is owned by its lead agency and lies where its first incident lies, so the policy judges it the way
it judges that incident. Tasks, milestones, corrective actions, evidence and partner questions hang off
`cases.id` in their own modules.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hifazat.core.db import Base, IdMixin, TimestampMixin
from hifazat.core.scope import ScopedColumns


class CaseStatus(enum.StrEnum):
    open = "open"
    closed = "closed"


class Case(IdMixin, TimestampMixin, ScopedColumns, Base):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_status_opened", "status", "opened_at"),)

    # The lead agency owns the case (the policy's `agency_id`).
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    province: Mapped[str | None] = mapped_column(String(100), index=True)
    district: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(24), default=CaseStatus.open.value)
    opened_at: Mapped[datetime] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    findings: Mapped[str] = mapped_column(Text, default="")
    root_cause: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))


class CaseIncident(IdMixin, Base):
    """One incident a case investigates (an incident may be investigated by one case only)."""

    __tablename__ = "case_incidents"
    __table_args__ = (UniqueConstraint("incident_id", name="uq_case_incidents_incident"),)

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"))


class CaseInvestigator(IdMixin, Base):
    """A user assigned to investigate a case."""

    __tablename__ = "case_investigators"
    __table_args__ = (UniqueConstraint("case_id", "user_id", name="uq_case_investigators"),)

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
