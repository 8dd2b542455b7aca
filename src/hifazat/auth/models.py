"""Agencies (tenants), users, access tokens and sharing agreements."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hifazat.core.db import Base, IdMixin, SoftDeleteMixin, TimestampMixin


class AgencyKind(enum.StrEnum):
    federal_ministry = "federal_ministry"
    provincial_police = "provincial_police"
    army_security_division = "army_security_division"
    private_security_company = "private_security_company"
    project_company = "project_company"
    foreign_embassy = "foreign_embassy"
    other = "other"


class Role(enum.StrEnum):
    admin = "admin"
    operator = "operator"
    responder = "responder"
    investigator = "investigator"
    analyst = "analyst"
    liaison = "liaison"
    auditor = "auditor"


class ShareLevel(enum.StrEnum):
    summary = "summary"
    full = "full"


class Agency(IdMixin, TimestampMixin, SoftDeleteMixin, Base):
    __tablename__ = "agencies"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    # ISO 3166-2 codes ("PK" means the whole country); districts as "PK-SD:Karachi South".
    jurisdiction: Mapped[list[str]] = mapped_column(default=list)
    country: Mapped[str] = mapped_column(String(2), default="PK")
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))


class User(IdMixin, TimestampMixin, SoftDeleteMixin, Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    roles: Mapped[list[str]] = mapped_column(default=list)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    first_failed_at: Mapped[datetime | None] = mapped_column(default=None)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def agency_id_value(self) -> str:
        return self.agency_id


class AccessToken(IdMixin, Base):
    __tablename__ = "access_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    client: Mapped[str | None] = mapped_column(String(200))


class SharingAgreement(IdMixin, TimestampMixin, SoftDeleteMixin, Base):
    """Grants the grantee agency read access to the grantor's records of the listed kinds."""

    __tablename__ = "sharing_agreements"
    __table_args__ = (UniqueConstraint("grantor_id", "grantee_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    grantor_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    grantee_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    entity_kinds: Mapped[list[str]] = mapped_column(default=list)
    # Column equality filters, e.g. {"nationality": "CN"}; a row must match every key.
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    level: Mapped[str] = mapped_column(String(20), default=ShareLevel.summary.value)
    redact_fields: Mapped[list[str]] = mapped_column(default=list)
    valid_from: Mapped[datetime | None] = mapped_column(default=None)
    valid_to: Mapped[datetime | None] = mapped_column(default=None)
