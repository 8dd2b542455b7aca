"""Request and response models of agencies, users, tokens and sharing agreements."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from hifazat.auth.models import AgencyKind, Role, ShareLevel
from hifazat.core.validators import CountryCode, JurisdictionCode, Name, Phone
from hifazat.security.passwords import password_problem

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
SHAREABLE_KINDS = (
    "persons",
    "projects",
    "sites",
    "units",
    "vehicles",
    "devices",
    "positions",
    "alerts",
    "incidents",
    "movements",
)


# Passwords are taken verbatim: silently stripping would store a different secret than the one typed.
RawPassword = Annotated[str, StringConstraints(strip_whitespace=False, max_length=1000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int


class AgencyIn(Strict):
    name: Name
    short_name: str | None = Field(default=None, max_length=40)
    kind: AgencyKind
    parent_id: str | None = None
    jurisdiction: list[JurisdictionCode] = Field(default_factory=list, max_length=200)
    country: CountryCode = "PK"
    contact_email: EmailStr | None = None
    contact_phone: Phone | None = None


class AgencyPatch(Strict):
    name: Name | None = None
    short_name: str | None = Field(default=None, max_length=40)
    kind: AgencyKind | None = None
    parent_id: str | None = None
    jurisdiction: list[JurisdictionCode] | None = Field(default=None, max_length=200)
    country: CountryCode | None = None
    contact_email: EmailStr | None = None
    contact_phone: Phone | None = None


class AgencyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    short_name: str | None
    kind: str
    parent_id: str | None
    jurisdiction: list[str]
    country: str
    contact_email: str | None
    contact_phone: str | None
    created_at: datetime
    updated_at: datetime


def _check_username(v: str) -> str:
    v = v.strip().lower()
    if not _USERNAME.match(v):
        raise ValueError("must be 2-80 characters: lower-case letters, digits, dot, dash or underscore")
    return v


def _check_password(v: str) -> str:
    problem = password_problem(v)
    if problem:
        raise ValueError(problem)
    return v


class UserIn(Strict):
    username: str
    password: RawPassword = Field(repr=False)
    full_name: Name
    email: EmailStr | None = None
    phone: Phone | None = None
    agency_id: str
    roles: list[Role] = Field(min_length=1)

    @field_validator("username")
    @classmethod
    def _username(cls, v: str) -> str:
        return _check_username(v)

    @field_validator("password")
    @classmethod
    def _password(cls, v: str) -> str:
        return _check_password(v)

    @field_validator("roles")
    @classmethod
    def _roles(cls, v: list[Role]) -> list[Role]:
        return sorted(set(v))


class UserPatch(Strict):
    full_name: Name | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    roles: list[Role] | None = Field(default=None, min_length=1)
    active: bool | None = None
    password: RawPassword | None = Field(default=None, repr=False)

    @field_validator("password")
    @classmethod
    def _password(cls, v: str | None) -> str | None:
        return v if v is None else _check_password(v)

    @field_validator("roles")
    @classmethod
    def _roles(cls, v: list[Role] | None) -> list[Role] | None:
        return v if v is None else sorted(set(v))


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    username: str
    full_name: str
    email: str | None
    phone: str | None
    agency_id: str
    roles: list[str]
    active: bool
    last_login_at: datetime | None
    locked_until: datetime | None
    created_at: datetime


class MeOut(BaseModel):
    id: str
    username: str
    full_name: str
    agency: AgencyOut
    roles: list[str]
    jurisdiction: list[str]
    sharing: list[dict[str, Any]]


class AgreementIn(Strict):
    name: Name
    grantor_id: str
    grantee_id: str
    entity_kinds: list[str] = Field(min_length=1)
    filters: dict[str, str | list[str]] = Field(default_factory=dict)
    level: ShareLevel = ShareLevel.summary
    redact_fields: list[str] = Field(default_factory=list)
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    @field_validator("entity_kinds")
    @classmethod
    def _kinds(cls, v: list[str]) -> list[str]:
        bad = [k for k in v if k not in SHAREABLE_KINDS]
        if bad:
            raise ValueError(f"unknown kinds {bad}; allowed: {', '.join(SHAREABLE_KINDS)}")
        return sorted(set(v))

    @model_validator(mode="after")
    def _window(self) -> AgreementIn:
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        if self.grantor_id == self.grantee_id:
            raise ValueError("grantor and grantee must be different agencies")
        return self


class AgreementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    grantor_id: str
    grantee_id: str
    entity_kinds: list[str]
    filters: dict[str, Any]
    level: str
    redact_fields: list[str]
    valid_from: datetime | None
    valid_to: datetime | None
    created_at: datetime


class Paged(BaseModel):
    items: list[Any]
    next_cursor: str | None
