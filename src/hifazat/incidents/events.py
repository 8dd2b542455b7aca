"""The incidents domain's event: an incident changed (created, edited, moved, noted).

A frozen dataclass carrying its scope; `payload()` is the wire dict the outbox, the bus and the live stream
carry. It holds only the summary fields (`SUMMARY`), so a subscriber who sees the incident learns from the
event no more than a summary view shows; the page reads the rest through the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hifazat.core.scope import Scope
from hifazat.platform.stream import Audience

SUBJECT = "incidents.changed"
# What a summary view of an incident shows (reads, filters, and the live stream with the change's name).
SUMMARY = ("id", "agency_id", "type", "severity", "status", "province", "occurred_at", "created_at")


@dataclass(frozen=True, slots=True)
class IncidentChanged:
    """`incidents.changed` (SSE `incident`): the incident's summary fields and what changed."""

    scope: Scope
    incident: Mapping[str, Any]  # `service.incident_json`
    change: str

    def payload(self) -> dict[str, Any]:
        body = {k: self.incident.get(k) for k in SUMMARY}
        body = self.scope.on_wire({**body, "change": self.change})
        return Audience(summary=(*SUMMARY, "change")).on_wire(body)
