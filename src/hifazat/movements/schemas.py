"""Request shapes of movements. Ids and windows are checked against the data in `service.py` (unknown or
not visible: 422 naming the field); the shape of each key here."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Id = str
Ids = list[Id]
MAX_IDS = 100


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Convoy(Strict):
    order: list[str] = Field(default_factory=list, max_length=MAX_IDS, description="Vehicle ids, lead first")
    leader: str | None = Field(default=None, max_length=200, description="Escort personnel id or a name")


class MovementIn(Strict):
    agency_id: str | None = Field(default=None, max_length=36, description="Requesting agency; default yours")
    person_ids: Ids = Field(default_factory=list, max_length=MAX_IDS)
    vehicle_ids: Ids = Field(default_factory=list, max_length=MAX_IDS)
    escort_unit_ids: Ids = Field(default_factory=list, max_length=MAX_IDS)
    escort_personnel_ids: Ids = Field(default_factory=list, max_length=MAX_IDS)
    origin_site_id: str = Field(max_length=36)
    destination_site_id: str = Field(max_length=36)
    route: dict[str, Any] | None = Field(default=None, description="GeoJSON LineString")
    waypoints: list[Any] | None = Field(default=None, description="[lon, lat] or {lat, lon}; when no route")
    depart_after: AwareDatetime
    depart_before: AwareDatetime | None = None
    arrive_by: AwareDatetime | None = None
    purpose: str = Field(default="", max_length=2000)
    convoy: Convoy = Field(default_factory=Convoy)
    comms_plan: str = Field(default="", max_length=4000)
    check_in_interval_min: int | None = Field(default=None, ge=1, le=24 * 60)


class ActionIn(Strict):
    note: str | None = Field(default=None, max_length=2000)
