"""Security companies' licences, their personnel (guards, escorts, drivers, supervisors) and each person's
vetting, fitness and training checks."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hifazat.core.db import Base, IdMixin, SoftDeleteMixin, TimestampMixin
from hifazat.core.scope import NO_PLACE, PROVINCE_ONLY, ScopedColumns


class LicenceKind(enum.StrEnum):
    noc = "noc"  # the interior ministry's no-objection certificate
    provincial = "provincial"  # the provincial home department's licence


class LicenceStatus(enum.StrEnum):
    active = "active"
    suspended = "suspended"
    revoked = "revoked"


class PersonnelRole(enum.StrEnum):
    guard = "guard"
    escort = "escort"
    driver = "driver"
    supervisor = "supervisor"


class PersonnelStatus(enum.StrEnum):
    active = "active"
    suspended = "suspended"
    left = "left"


class CheckKind(enum.StrEnum):
    police_verification = "police_verification"
    background_check = "background_check"
    biometric_verification = "biometric_verification"
    physical_fitness = "physical_fitness"
    psychological_evaluation = "psychological_evaluation"
    weapons_training = "weapons_training"
    refresher_training = "refresher_training"


class CheckResult(enum.StrEnum):
    passed = "pass"
    failed = "fail"


class Licence(IdMixin, TimestampMixin, SoftDeleteMixin, ScopedColumns, Base):
    """A company's licence. Its scope is the licensed company (which reads its own) and, for a provincial
    licence, the province; the ministry that issued it is named beside it and is the one that changes it."""

    __tablename__ = "licences"
    __scope_columns__ = PROVINCE_ONLY

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    issuer_agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"))
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(60), default="")
    province: Mapped[str | None] = mapped_column(String(100), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=LicenceStatus.active.value, index=True)
    notes: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_licences_kind_number", "kind", "number", unique=True),)


class Personnel(IdMixin, TimestampMixin, SoftDeleteMixin, ScopedColumns, Base):
    """One of a security company's people. `agency_id` is the employer (the owning tenant)."""

    __tablename__ = "personnel"

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    given_name: Mapped[str] = mapped_column(String(120))
    family_name: Mapped[str] = mapped_column(String(120), index=True)
    role: Mapped[str] = mapped_column(String(20), index=True)
    # Fernet ciphertext and a keyed digest for exact search, as for passports: the plain CNIC is never stored.
    cnic_enc: Mapped[str] = mapped_column(String(400))
    cnic_index: Mapped[str] = mapped_column(String(64), index=True)
    cnic_last: Mapped[str] = mapped_column(String(4))
    date_of_birth: Mapped[date] = mapped_column(Date)
    armed: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default=PersonnelStatus.active.value, index=True)
    # Where the person is posted (their scope for jurisdiction); None until posted.
    province: Mapped[str | None] = mapped_column(String(100), index=True)
    district: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str] = mapped_column(Text, default="")


class Check(IdMixin, TimestampMixin, SoftDeleteMixin, ScopedColumns, Base):
    """One vetting, fitness or training check of one person; its scope is the person's employer."""

    __tablename__ = "personnel_checks"
    __scope_columns__ = NO_PLACE
    __table_args__ = (Index("ix_personnel_checks_person_kind", "personnel_id", "kind"),)

    personnel_id: Mapped[str] = mapped_column(ForeignKey("personnel.id"))
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    result: Mapped[str] = mapped_column(String(10))
    done_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date, index=True)
    # The evidence file's digest in the content-addressed evidence store (wired in a later change).
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str] = mapped_column(Text, default="")
