"""Request and response models of the personnel domain, with the reason for each refusal in words."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hifazat.core.validators import Name, Phone, ProvinceCode
from hifazat.personnel.models import (
    CheckKind,
    CheckResult,
    LicenceKind,
    PersonnelRole,
    PersonnelStatus,
)

_CNIC = re.compile(r"^[0-9]{5}-[0-9]{7}-[0-9]$")
_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/\-. ]{0,59}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def check_cnic(v: str | None) -> str | None:
    """A CNIC as NADRA prints it, `#####-#######-#`. The error never repeats the value (it is a secret)."""
    if v is None:
        return None
    v = v.strip()
    if not _CNIC.match(v):
        raise ValueError("must be a CNIC written #####-#######-# (13 digits with two dashes)")
    return v


def _number(v: str) -> str:
    if not _NUMBER.match(v):
        raise ValueError("must be 1-60 letters, digits, spaces, slash, dash or dot")
    return v


# --- licences --------------------------------------------------------------------------------------------


class LicenceIn(Strict):
    agency_id: str = Field(description="The licensed private security company")
    kind: LicenceKind
    number: str = Field(max_length=60)
    category: str = Field(default="", max_length=60)
    province: ProvinceCode | None = Field(default=None, description="Required for a provincial licence")
    issued_on: date
    expires_on: date
    notes: str = Field(default="", max_length=5000)

    @field_validator("number")
    @classmethod
    def _num(cls, v: str) -> str:
        return _number(v)

    @model_validator(mode="after")
    def _consistent(self) -> LicenceIn:
        if self.expires_on <= self.issued_on:
            raise ValueError("expires_on must be after issued_on")
        if self.kind == LicenceKind.provincial and self.province is None:
            raise ValueError("province is required for a provincial licence")
        if self.kind == LicenceKind.noc and self.province is not None:
            raise ValueError("a ministry NOC is national: leave province out")
        return self


class LicencePatch(Strict):
    number: str | None = Field(default=None, max_length=60)
    category: str | None = Field(default=None, max_length=60)
    issued_on: date | None = None
    expires_on: date | None = None
    notes: str | None = Field(default=None, max_length=5000)

    @field_validator("number")
    @classmethod
    def _num(cls, v: str | None) -> str | None:
        return None if v is None else _number(v)


class LicenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    agency_id: str
    issuer_agency_id: str | None
    kind: str
    number: str
    category: str
    province: str | None
    issued_on: date
    expires_on: date
    status: str
    notes: str
    valid_today: bool = False
    actions: list[str] = Field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class ActionIn(Strict):
    note: str | None = Field(default=None, max_length=2000)


# --- personnel -------------------------------------------------------------------------------------------


class PersonnelIn(Strict):
    given_name: Name
    family_name: Name
    role: PersonnelRole
    cnic: str = Field(repr=False)
    date_of_birth: date
    armed: bool = False
    status: PersonnelStatus = PersonnelStatus.active
    province: ProvinceCode | None = None
    district: str | None = Field(default=None, max_length=100)
    phone: Phone | None = None
    notes: str = Field(default="", max_length=5000)
    agency_id: str | None = Field(default=None, description="Employer; default the caller's agency")

    @field_validator("cnic")
    @classmethod
    def _cnic(cls, v: str) -> str:
        return check_cnic(v) or ""

    @field_validator("date_of_birth")
    @classmethod
    def _born(cls, v: date) -> date:
        return _plausible_birth(v)


def _plausible_birth(v: date) -> date:
    if v >= date.today():
        raise ValueError("must be in the past")
    if v.year < 1900:
        raise ValueError("must be after 1900")
    return v


class PersonnelPatch(Strict):
    given_name: Name | None = None
    family_name: Name | None = None
    role: PersonnelRole | None = None
    cnic: str | None = Field(default=None, repr=False)
    date_of_birth: date | None = None
    armed: bool | None = None
    status: PersonnelStatus | None = None
    province: ProvinceCode | None = None
    district: str | None = Field(default=None, max_length=100)
    phone: Phone | None = None
    notes: str | None = Field(default=None, max_length=5000)

    @field_validator("cnic")
    @classmethod
    def _cnic(cls, v: str | None) -> str | None:
        return check_cnic(v)

    @field_validator("date_of_birth")
    @classmethod
    def _born(cls, v: date | None) -> date | None:
        return None if v is None else _plausible_birth(v)


class PersonnelOut(BaseModel):
    id: str
    agency_id: str
    given_name: str
    family_name: str
    role: str
    cnic: str | None = None  # masked unless the caller's role needs it
    date_of_birth: date | None = None
    armed: bool
    status: str
    province: str | None = None
    district: str | None = None
    phone: str | None = None
    notes: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    view: str = "full"
    redacted: list[str] = Field(default_factory=list)


# --- checks ----------------------------------------------------------------------------------------------


class CheckIn(Strict):
    kind: CheckKind
    result: CheckResult
    done_on: date
    expires_on: date | None = Field(default=None, description="Default: done_on + the kind's validity")
    evidence_sha256: str | None = Field(default=None, description="Digest of the evidence file")
    notes: str = Field(default="", max_length=5000)

    @field_validator("done_on")
    @classmethod
    def _not_future(cls, v: date) -> date:
        if v > date.today():
            raise ValueError("must not be in the future")
        return v

    @field_validator("evidence_sha256")
    @classmethod
    def _sha(cls, v: str | None) -> str | None:
        if v is not None and not _SHA256.match(v.lower()):
            raise ValueError("must be 64 hexadecimal characters (a SHA-256 digest)")
        return v.lower() if v else v

    @model_validator(mode="after")
    def _order(self) -> CheckIn:
        if self.expires_on is not None and self.expires_on <= self.done_on:
            raise ValueError("expires_on must be after done_on")
        return self


class CheckOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    personnel_id: str
    agency_id: str
    kind: str
    result: str
    done_on: date
    expires_on: date
    evidence_sha256: str | None
    notes: str
    created_at: datetime | None = None


class ClearanceOut(BaseModel):
    cleared: bool
    at_from: datetime = Field(serialization_alias="from")
    at_to: datetime = Field(serialization_alias="to")
    reasons: list[dict[str, Any]]


def looks_like_cnic(text: str) -> bool:
    """A free-text search that is a whole CNIC (the blind index matches only the exact number)."""
    return bool(_CNIC.match(text.strip()))
