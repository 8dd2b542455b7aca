"""Request models of incidents: what a report must hold, with the reason in words when it does not."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from hifazat.alerts.models import Severity
from hifazat.core.db import utcnow
from hifazat.core.validators import CountryCode
from hifazat.incidents.models import IncidentType, Outcome, Role

# A reporter's clock may run a little ahead of the server's; more than this is a date in the future.
CLOCK_SKEW = timedelta(minutes=2)
MAX_INVOLVED = 200


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def not_in_future(v: datetime | None) -> datetime | None:
    if v is not None and v > utcnow() + CLOCK_SKEW:
        raise ValueError("must not be in the future")
    return v


class InvolvedIn(Strict):
    role: Role
    person_id: str | None = Field(default=None, max_length=36, description="A protected person")
    personnel_id: str | None = Field(default=None, max_length=36, description="A guard or officer")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    nationality: CountryCode | None = Field(
        default=None, description="ISO 3166-1 alpha-2; default: the person's"
    )
    outcome: Outcome = Outcome.unharmed
    is_security_personnel: bool = False

    @model_validator(mode="after")
    def _who(self) -> InvolvedIn:
        if not (self.person_id or self.personnel_id or self.name):
            raise ValueError("say who: person_id, personnel_id or name")
        if self.nationality is None and not self.person_id:
            raise ValueError("nationality is required unless person_id gives it")
        return self


class _Place(Strict):
    # Both or neither (checked where the stored pair is known too: `writing.py`, naming the field).
    lat: float | None = Field(default=None, ge=-90, le=90, description="WGS 84 latitude")
    lon: float | None = Field(default=None, ge=-180, le=180, description="WGS 84 longitude")


class IncidentIn(_Place):
    """`alert_id` prefills type, severity, summary, description, position, site and occurred_at from the
    alert; anything given here wins."""

    type: IncidentType | None = Field(default=None, description="Required unless alert_id gives it")
    severity: Severity | None = Field(default=None, description="Default: the alert's, else medium")
    summary: str | None = Field(default=None, min_length=1, max_length=300)
    description: str = Field(default="", max_length=20_000)
    occurred_at: AwareDatetime | None = Field(default=None, description="Not in the future; default now")
    site_id: str | None = Field(default=None, max_length=36)
    alert_id: str | None = Field(default=None, max_length=36)
    agency_id: str | None = Field(default=None, max_length=36, description="Owner; default your agency")
    involved: list[InvolvedIn] = Field(default_factory=list, max_length=MAX_INVOLVED)

    _future = field_validator("occurred_at")(not_in_future)


class IncidentPatch(_Place):
    type: IncidentType | None = None
    severity: Severity | None = None
    summary: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20_000)
    occurred_at: AwareDatetime | None = None
    site_id: str | None = Field(default=None, max_length=36)
    involved: list[InvolvedIn] | None = Field(default=None, max_length=MAX_INVOLVED)

    _future = field_validator("occurred_at")(not_in_future)


class ActionIn(Strict):
    note: str = Field(default="", max_length=2000)
    resolution: str | None = Field(default=None, max_length=20_000, description="Required to close")
    reason: str | None = Field(default=None, max_length=2000, description="Required to dismiss")


class NoteIn(Strict):
    note: str = Field(min_length=1, max_length=2000)


Action = Literal["verify", "investigate", "close", "dismiss"]
