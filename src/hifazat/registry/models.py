"""Protected persons, projects, sites, security units and vehicles."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hifazat.core.db import Base, IdMixin, SoftDeleteMixin, TimestampMixin
from hifazat.core.scope import NO_PLACE, PROVINCE_ONLY, ScopedColumns


class SiteKind(enum.StrEnum):
    project_site = "project_site"
    residence = "residence"
    office = "office"
    hotel = "hotel"
    checkpoint = "checkpoint"
    base = "base"


class PersonStatus(enum.StrEnum):
    in_country = "in_country"
    departed = "departed"


class UnitStatus(enum.StrEnum):
    available = "available"
    assigned = "assigned"
    responding = "responding"
    off_duty = "off_duty"


class UnitKind(enum.StrEnum):
    police_protection = "police_protection"
    army_security = "army_security"
    private_guard_team = "private_guard_team"
    escort = "escort"
    quick_reaction = "quick_reaction"
    other = "other"


class ProjectStatus(enum.StrEnum):
    planned = "planned"
    active = "active"
    suspended = "suspended"
    completed = "completed"


class ArmourLevel(enum.StrEnum):
    none = "none"
    B4 = "B4"
    B6 = "B6"
    B7 = "B7"


class Owned(ScopedColumns):
    """Every registry row belongs to one agency: the tenant that may change it."""

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)


class Project(IdMixin, TimestampMixin, SoftDeleteMixin, Owned, Base):
    __tablename__ = "projects"
    __scope_columns__ = PROVINCE_ONLY

    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=ProjectStatus.active.value)
    province: Mapped[str | None] = mapped_column(String(100), index=True)
    cpec: Mapped[bool] = mapped_column(Boolean, default=False)
    sponsor_country: Mapped[str | None] = mapped_column(String(2))


class Site(IdMixin, TimestampMixin, SoftDeleteMixin, Owned, Base):
    __tablename__ = "sites"

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id"), index=True)
    # GeoJSON Polygon, or a Point with radius_m for a circle.
    geometry: Mapped[dict[str, Any]] = mapped_column()
    radius_m: Mapped[float | None] = mapped_column(Float)
    center_lat: Mapped[float] = mapped_column(Float)
    center_lon: Mapped[float] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(500), default="")
    province: Mapped[str] = mapped_column(String(100), index=True)
    district: Mapped[str | None] = mapped_column(String(100))
    perimeter_wall: Mapped[bool] = mapped_column(Boolean, default=False)
    razor_wire: Mapped[bool] = mapped_column(Boolean, default=False)
    cctv: Mapped[bool] = mapped_column(Boolean, default=False)
    guard_posts: Mapped[int] = mapped_column(Integer, default=0)
    access_control: Mapped[bool] = mapped_column(Boolean, default=False)


class Person(IdMixin, TimestampMixin, SoftDeleteMixin, Owned, Base):
    """A protected person: a foreign national working on a project."""

    __tablename__ = "persons"

    given_name: Mapped[str] = mapped_column(String(120))
    family_name: Mapped[str] = mapped_column(String(120), index=True)
    nationality: Mapped[str] = mapped_column(String(2), index=True)
    # Fernet ciphertext and a keyed digest for exact search; the plain number is never stored.
    passport_enc: Mapped[str | None] = mapped_column(String(400))
    passport_index: Mapped[str | None] = mapped_column(String(64), index=True)
    passport_last: Mapped[str | None] = mapped_column(String(4))
    employer_agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id"), index=True)
    residence_site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"), index=True)
    # Copied from the residence site so jurisdiction scoping is one indexed column (and one for districts).
    province: Mapped[str | None] = mapped_column(String(100), index=True)
    district: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    emergency_contact_name: Mapped[str | None] = mapped_column(String(200))
    emergency_contact_phone: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=PersonStatus.in_country.value, index=True)
    notes: Mapped[str] = mapped_column(Text, default="")


class Unit(IdMixin, TimestampMixin, SoftDeleteMixin, Owned, Base):
    """A security unit that can be dispatched: police team, army section, guard team, escort."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("agency_id", "call_sign"),)

    call_sign: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(30), index=True)
    strength: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default=UnitStatus.available.value, index=True)
    base_site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"), index=True)
    # Copied from the base site, as for persons.
    province: Mapped[str | None] = mapped_column(String(100), index=True)
    district: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))


class Vehicle(IdMixin, TimestampMixin, SoftDeleteMixin, Owned, Base):
    __tablename__ = "vehicles"
    __scope_columns__ = NO_PLACE

    registration: Mapped[str] = mapped_column(String(20), unique=True)
    make_model: Mapped[str] = mapped_column(String(100), default="")
    armoured_level: Mapped[str] = mapped_column(String(10), default=ArmourLevel.none.value)
    seats: Mapped[int] = mapped_column(Integer, default=4)
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="available")
