"""The work of a case: its tasks, its milestones (FIR, arrest, charge sheet, hearing ...), its corrective
and preventive actions, and its own timeline. Each hangs off `cases.id`; the case's scope is theirs."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hifazat.core.db import Base, IdMixin, TimestampMixin


class MilestoneKind(enum.StrEnum):
    fir_registered = "fir_registered"
    suspect_identified = "suspect_identified"
    suspect_arrested = "suspect_arrested"
    charge_sheet_filed = "charge_sheet_filed"
    hearing = "hearing"
    findings_published = "findings_published"
    other = "other"


class ActionKind(enum.StrEnum):
    corrective = "corrective"
    preventive = "preventive"


class CaseTask(IdMixin, TimestampMixin, Base):
    __tablename__ = "case_tasks"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    done: Mapped[bool] = mapped_column(default=False)
    # When the lead agency was told it is overdue (once per item: the job skips a notified one).
    overdue_notified_at: Mapped[datetime | None] = mapped_column(default=None)


class CaseMilestone(IdMixin, TimestampMixin, Base):
    __tablename__ = "case_milestones"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(default=None)


class CaseAction(IdMixin, TimestampMixin, Base):
    """A corrective or preventive action; its owner is a user or an agency."""

    __tablename__ = "case_actions"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    owner_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    owner_agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"))
    deadline: Mapped[datetime | None] = mapped_column(default=None)
    done_at: Mapped[datetime | None] = mapped_column(default=None)


class CaseEvent(IdMixin, Base):
    """One line of a case's own timeline (created, edited, tasks, milestones, actions, close, reopen)."""

    __tablename__ = "case_events"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column()
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(24))
    action: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
