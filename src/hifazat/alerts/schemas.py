"""Request and response models of alerts, escalation policies, rules, dispatch and polls."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hifazat.alerts.models import AlertKind, AssignmentStatus, CapScope, Severity
from hifazat.core.geometry import validate_geometry
from hifazat.core.validators import ProvinceCode

Lat = float
Lon = float


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


DEFAULT_SEVERITY = {
    AlertKind.sos: Severity.critical,
    AlertKind.attack: Severity.critical,
    AlertKind.need_help: Severity.high,
    AlertKind.red_zone_entry: Severity.high,
    AlertKind.unaccompanied: Severity.high,
    AlertKind.medical: Severity.high,
    AlertKind.fire: Severity.high,
    AlertKind.intrusion: Severity.high,
}


class AlertIn(Strict):
    kind: AlertKind
    severity: Severity | None = Field(default=None, description="Default: critical for sos, else by kind")
    lat: float | None = Field(default=None, ge=-90, le=90, description="WGS 84 latitude")
    lon: float | None = Field(default=None, ge=-180, le=180, description="WGS 84 longitude")
    person_id: str | None = Field(default=None, max_length=36)
    device_id: str | None = Field(default=None, max_length=36)
    for_self: bool = Field(default=False, description="The caller is the one in danger (dashboard SOS)")
    site_id: str | None = Field(default=None, max_length=36)
    title: str | None = Field(default=None, max_length=200)
    description: str = Field(default="", max_length=5000)
    province: ProvinceCode | None = None
    cap_scope: CapScope = CapScope.restricted
    agency_id: str | None = Field(default=None, max_length=36, description="Owning agency; default derived")

    @model_validator(mode="after")
    def _sos_needs_subject(self) -> AlertIn:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon go together: give both or neither")
        if self.kind == AlertKind.sos:
            # No position is no reason to refuse an SOS: the last known one is taken (`raising.py`).
            subjects = [x for x in (self.person_id, self.device_id) if x] + (
                ["self"] if self.for_self else []
            )
            if len(subjects) != 1:
                raise ValueError("an SOS needs exactly one of person_id, device_id or for_self")
        return self


class TransitionIn(Strict):
    note: str = Field(default="", max_length=2000)


class NoteIn(Strict):
    note: str = Field(min_length=1, max_length=2000)


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    agency_id: str
    province: str | None = None
    district: str | None = None
    nationality: str | None = None
    kind: str
    severity: str
    status: str
    source: str
    source_authenticated: bool = True
    title: str
    description: str = ""
    lat: float | None = None
    lon: float | None = None
    position_at: datetime | None = None
    person_id: str | None = None
    subject_user_id: str | None = None
    device_id: str | None = None
    site_id: str | None = None
    cap_scope: str
    created_by: str | None = None
    created_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    escalation_policy_id: str | None = None
    escalation_level: int = 0
    repeat_count: int = 0
    last_seen_at: datetime | None = None
    poll_id: str | None = None


# --- escalation policies --------------------------------------------------------------------------------


class Target(Strict):
    kind: Literal["user", "role", "unit", "agency"]
    id: str | None = Field(default=None, max_length=36, description="user, unit or agency id")
    role: str | None = Field(default=None, max_length=40, description="role name, for kind=role")
    agency_id: str | None = Field(default=None, max_length=36, description="agency of the role")

    @model_validator(mode="after")
    def _shape(self) -> Target:
        if self.kind == "role":
            if not self.role:
                raise ValueError("a role target needs role (and optionally agency_id)")
            if self.id:
                raise ValueError("a role target takes role and agency_id, not id")
        else:
            if not self.id:
                raise ValueError(f"a {self.kind} target needs id")
            if self.role or self.agency_id:
                raise ValueError(f"a {self.kind} target takes only id")
        return self


class Level(Strict):
    timeout_s: int = Field(ge=5, le=7 * 24 * 3600, description="Seconds to wait for acknowledgement")
    targets: list[Target] = Field(min_length=1, max_length=50)


class PolicyIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    site_id: str | None = Field(default=None, max_length=36)
    severity: Severity | None = None
    levels: list[Level] = Field(min_length=1, max_length=10)
    active: bool = True
    agency_id: str | None = Field(default=None, max_length=36)


class PolicyPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    site_id: str | None = Field(default=None, max_length=36)
    severity: Severity | None = None
    levels: list[Level] | None = Field(default=None, min_length=1, max_length=10)
    active: bool | None = None


class PolicyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    agency_id: str
    name: str
    site_id: str | None = None
    severity: str | None = None
    levels: list[dict[str, Any]]
    active: bool
    created_at: datetime
    updated_at: datetime


# --- rules ----------------------------------------------------------------------------------------------


class RuleIn(Strict):
    severity: Severity | None = Field(description="Severity of the alert; null: this kind raises no alert")
    suppress_s: int = Field(default=300, ge=0, le=7 * 24 * 3600, description="Suppression window")
    enabled: bool = True
    agency_id: str | None = Field(default=None, max_length=36)


# --- dispatch -------------------------------------------------------------------------------------------


class AssignIn(Strict):
    unit_ids: list[str] = Field(min_length=1, max_length=20)
    note: str = Field(default="", max_length=2000)

    @field_validator("unit_ids")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("lists a unit twice")
        return v


class AssignmentPatch(Strict):
    status: AssignmentStatus


# --- polls ----------------------------------------------------------------------------------------------


class Area(Strict):
    """A polygon (GeoJSON) or a circle (Point + radius_m), or a registered site."""

    geometry: dict[str, Any] | None = None
    radius_m: float | None = Field(default=None, gt=0, le=50_000)
    site_id: str | None = Field(default=None, max_length=36)

    @model_validator(mode="after")
    def _one(self) -> Area:
        if (self.geometry is None) == (self.site_id is None):
            raise ValueError("give exactly one of geometry (Polygon, or Point with radius_m) or site_id")
        if self.geometry is not None:
            geometry, _, _ = validate_geometry(self.geometry, self.radius_m)
            self.geometry = geometry
        return self


class PollIn(Strict):
    question: str = Field(default="Are you safe?", min_length=1, max_length=500)
    area: Area | None = None
    person_ids: list[str] | None = Field(default=None, min_length=1, max_length=5000)
    deadline_s: int = Field(default=1800, ge=30, le=7 * 24 * 3600, description="Seconds to answer")
    agency_id: str | None = Field(default=None, max_length=36)

    @model_validator(mode="after")
    def _target(self) -> PollIn:
        if (self.area is None) == (self.person_ids is None):
            raise ValueError("give exactly one of area or person_ids")
        return self


class AnswerIn(Strict):
    person_id: str = Field(max_length=36)
    answer: Literal["safe", "need_help"]
