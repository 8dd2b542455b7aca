"""Request and response shapes of threat levels."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from hifazat.core.validators import ProvinceCode
from hifazat.threat.models import Level


class LevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    province: ProvinceCode = Field(description="ISO 3166-2, e.g. PK-SD")
    district: str = Field(min_length=1, max_length=100, description="One of the province's shipped districts")
    level: Level
    reason: str = Field(min_length=1, max_length=2000)


class LevelOut(BaseModel):
    id: str
    province: str
    district: str
    level: str
    reason: str
    source: str
    set_at: datetime
    set_by: str | None
    set_by_name: str
