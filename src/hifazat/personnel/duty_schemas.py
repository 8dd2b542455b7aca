"""Duty bodies and answers. A post needs its site, an escort its escort assignment; the shift ends after it
starts. Times without a zone are taken as UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hifazat.personnel.duty_models import DutyKind
from hifazat.personnel.schemas import Strict

ID = Field(min_length=1, max_length=36)
MAX_SHIFT = timedelta(hours=24)


def _utc(v: datetime) -> datetime:
    return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)


class DutyIn(Strict):
    personnel_id: str = ID
    kind: DutyKind
    site_id: str | None = Field(default=None, min_length=1, max_length=36)
    escort_id: str | None = Field(default=None, min_length=1, max_length=36)
    armed: bool = False
    starts_at: datetime
    ends_at: datetime

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _zone(cls, v: datetime) -> datetime:
        return _utc(v)

    @model_validator(mode="after")
    def _consistent(self) -> DutyIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.ends_at - self.starts_at > MAX_SHIFT:
            raise ValueError("a shift lasts at most 24 hours")
        if self.kind == DutyKind.escort:
            if self.escort_id is None:
                raise ValueError("escort_id is required for an escort")
        elif self.site_id is None:
            raise ValueError(f"site_id is required for a {self.kind.value}")
        return self


class DutyPatch(Strict):
    """A change of shift or of arms: the whole rule is judged again on the changed duty."""

    armed: bool | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _zone(cls, v: datetime | None) -> datetime | None:
        return None if v is None else _utc(v)


class DutyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    agency_id: str
    personnel_id: str
    kind: str
    site_id: str | None
    escort_id: str | None
    armed: bool
    starts_at: datetime
    ends_at: datetime
    status: str
    at_risk: bool
    risk_reasons: list[dict[str, Any]]
    province: str | None
    district: str | None
    created_at: datetime
    updated_at: datetime
    actions: list[str] = []
