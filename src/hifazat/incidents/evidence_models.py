"""Evidence of a case and its chain of custody. The bytes live in the content-addressed store
(`platform/evidence`), named by `sha256`; a row here says who brought them, for which case, and who has
held them since, step by step."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hifazat.core.db import Base, IdMixin, TimestampMixin
from hifazat.core.scope import ScopedColumns


class Evidence(IdMixin, TimestampMixin, ScopedColumns, Base):
    """One piece of evidence; its scope is its case's (copied so the policy judges it without a join)."""

    __tablename__ = "evidence"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    province: Mapped[str | None] = mapped_column(String(100))
    district: Mapped[str | None] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(Text)
    # The last custody step's action and who holds the item now (the chain's head, kept for the rules).
    state: Mapped[str] = mapped_column(String(24))
    holder_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    uploaded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))


class CustodyStep(IdMixin, Base):
    """One step of an item's chain of custody, numbered from 1 in the order they were taken."""

    __tablename__ = "evidence_custody"
    __table_args__ = (UniqueConstraint("evidence_id", "position", name="uq_evidence_custody_position"),)

    evidence_id: Mapped[str] = mapped_column(ForeignKey("evidence.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column()
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(80))
    to_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
