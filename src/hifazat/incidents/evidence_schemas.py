"""The custody step a caller posts (the upload is a multipart form, parsed by the route)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hifazat.incidents.evidence_custody import Custody


class CustodyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Custody
    to_user_id: str | None = Field(default=None, max_length=36)
    note: str = Field(default="", max_length=4000)
