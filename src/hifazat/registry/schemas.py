"""Request and response models of the registry. Responses are shaped by the caller's view (policy)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from hifazat.core.geometry import validate_geometry
from hifazat.core.validators import CountryCode, Name, Phone, ProvinceCode
from hifazat.registry.models import ArmourLevel, PersonStatus, ProjectStatus, SiteKind, UnitKind, UnitStatus

_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")
_REG = re.compile(r"^[A-Z0-9][A-Z0-9 \-]{1,18}$")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9\-_.]{0,39}$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _passport(v: str | None) -> str | None:
    if v is None:
        return None
    v = "".join(v.split()).upper()
    if not _PASSPORT.match(v):
        raise ValueError("must be 5-20 letters or digits")
    return v


# --- projects -------------------------------------------------------------------------------------------


class ProjectIn(Strict):
    name: Name
    code: str | None = Field(default=None, max_length=40)
    description: str = Field(default="", max_length=5000)
    status: ProjectStatus = ProjectStatus.active
    province: ProvinceCode | None = None
    cpec: bool = False
    sponsor_country: CountryCode | None = None
    agency_id: str | None = Field(default=None, description="Owning agency; default the caller's")

    @field_validator("code")
    @classmethod
    def _code(cls, v: str | None) -> str | None:
        if v is not None and not _CODE.match(v.upper()):
            raise ValueError("must be 1-40 upper-case letters, digits, dash, dot or underscore")
        return v.upper() if v else v


class ProjectPatch(Strict):
    name: Name | None = None
    code: str | None = Field(default=None, max_length=40)
    description: str | None = Field(default=None, max_length=5000)
    status: ProjectStatus | None = None
    province: ProvinceCode | None = None
    cpec: bool | None = None
    sponsor_country: CountryCode | None = None


class ProjectOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    agency_id: str
    name: str
    code: str | None = None
    description: str | None = None
    status: str | None = None
    province: str | None = None
    cpec: bool | None = None
    sponsor_country: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


# --- sites ----------------------------------------------------------------------------------------------


class SiteIn(Strict):
    name: Name
    kind: SiteKind
    project_id: str | None = None
    # radius_m comes first so the geometry validator can see it (a circle is a Point plus a radius).
    radius_m: float | None = None
    geometry: dict[str, Any]
    address: str = Field(default="", max_length=500)
    # Derived from the geometry (18.6); a typed one must agree with it.
    province: ProvinceCode | None = None
    district: str | None = Field(default=None, max_length=100)
    perimeter_wall: bool = False
    razor_wire: bool = False
    cctv: bool = False
    guard_posts: int = Field(default=0, ge=0, le=500)
    access_control: bool = False
    agency_id: str | None = None

    @field_validator("geometry")
    @classmethod
    def _shape(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        geometry, _, _ = validate_geometry(v, info.data.get("radius_m"))
        return geometry

    @model_validator(mode="after")
    def _polygon_has_no_radius(self) -> SiteIn:
        if self.geometry["type"] == "Polygon":
            self.radius_m = None
        return self


class SitePatch(Strict):
    name: Name | None = None
    kind: SiteKind | None = None
    project_id: str | None = None
    geometry: dict[str, Any] | None = None
    radius_m: float | None = None
    address: str | None = Field(default=None, max_length=500)
    province: ProvinceCode | None = None
    district: str | None = Field(default=None, max_length=100)
    perimeter_wall: bool | None = None
    razor_wire: bool | None = None
    cctv: bool | None = None
    guard_posts: int | None = Field(default=None, ge=0, le=500)
    access_control: bool | None = None


class SiteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    agency_id: str
    name: str
    kind: str
    project_id: str | None = None
    geometry: dict[str, Any] | None = None
    radius_m: float | None = None
    center_lat: float | None = None
    center_lon: float | None = None
    address: str | None = None
    province: str | None = None
    district: str | None = None
    perimeter_wall: bool | None = None
    razor_wire: bool | None = None
    cctv: bool | None = None
    guard_posts: int | None = None
    access_control: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


# --- persons --------------------------------------------------------------------------------------------


class PersonIn(Strict):
    given_name: Name
    family_name: Name
    nationality: CountryCode
    passport_number: str | None = Field(default=None, repr=False)
    employer_agency_id: str | None = None
    project_id: str | None = None
    residence_site_id: str | None = None
    phone: Phone | None = None
    emergency_contact_name: Name | None = None
    emergency_contact_phone: Phone | None = None
    status: PersonStatus = PersonStatus.in_country
    notes: str = Field(default="", max_length=5000)
    agency_id: str | None = None

    @field_validator("passport_number")
    @classmethod
    def _passport_number(cls, v: str | None) -> str | None:
        return _passport(v)


class PersonPatch(Strict):
    given_name: Name | None = None
    family_name: Name | None = None
    nationality: CountryCode | None = None
    passport_number: str | None = Field(default=None, repr=False)
    employer_agency_id: str | None = None
    project_id: str | None = None
    residence_site_id: str | None = None
    phone: Phone | None = None
    emergency_contact_name: Name | None = None
    emergency_contact_phone: Phone | None = None
    status: PersonStatus | None = None
    notes: str | None = Field(default=None, max_length=5000)

    @field_validator("passport_number")
    @classmethod
    def _passport_number(cls, v: str | None) -> str | None:
        return _passport(v)


class PersonOut(BaseModel):
    id: str
    agency_id: str
    given_name: str
    family_name: str
    nationality: str
    passport_number: str | None = None
    employer_agency_id: str | None = None
    project_id: str | None = None
    residence_site_id: str | None = None
    province: str | None = None
    phone: str | None = None
    emergency_contact_name: str | None = None
    emergency_contact_phone: str | None = None
    status: str
    notes: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    view: str = "full"
    redacted: list[str] = Field(default_factory=list)


# --- units ----------------------------------------------------------------------------------------------


class UnitIn(Strict):
    call_sign: str = Field(min_length=1, max_length=40)
    kind: UnitKind
    strength: int = Field(default=1, ge=1, le=1000)
    status: UnitStatus = UnitStatus.available
    base_site_id: str | None = None
    phone: Phone | None = None
    agency_id: str | None = None


class UnitPatch(Strict):
    call_sign: str | None = Field(default=None, min_length=1, max_length=40)
    kind: UnitKind | None = None
    strength: int | None = Field(default=None, ge=1, le=1000)
    status: UnitStatus | None = None
    base_site_id: str | None = None
    phone: Phone | None = None


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    agency_id: str
    call_sign: str
    kind: str
    strength: int | None = None
    status: str
    base_site_id: str | None = None
    province: str | None = None
    phone: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


# --- vehicles -------------------------------------------------------------------------------------------


def _registration(v: str | None) -> str | None:
    if v is None:
        return None
    v = " ".join(v.upper().split())
    if not _REG.match(v):
        raise ValueError("must be 2-19 letters, digits, spaces or dashes")
    return v


class VehicleIn(Strict):
    registration: str
    make_model: str = Field(default="", max_length=100)
    armoured_level: ArmourLevel = ArmourLevel.none
    seats: int = Field(default=4, ge=1, le=80)
    unit_id: str | None = None
    status: str = Field(default="available", pattern=r"^(available|in_use|maintenance|retired)$")
    agency_id: str | None = None

    @field_validator("registration")
    @classmethod
    def _registration_number(cls, v: str | None) -> str | None:
        return _registration(v)


class VehiclePatch(Strict):
    registration: str | None = None
    make_model: str | None = Field(default=None, max_length=100)
    armoured_level: ArmourLevel | None = None
    seats: int | None = Field(default=None, ge=1, le=80)
    unit_id: str | None = None
    status: str | None = Field(default=None, pattern=r"^(available|in_use|maintenance|retired)$")

    @field_validator("registration")
    @classmethod
    def _registration_number(cls, v: str | None) -> str | None:
        return _registration(v)


class VehicleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    agency_id: str
    registration: str
    make_model: str | None = None
    armoured_level: str | None = None
    seats: int | None = None
    unit_id: str | None = None
    status: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
