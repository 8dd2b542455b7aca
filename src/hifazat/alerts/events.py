"""The alerts domain's events: an alert changed, a safety poll changed.

Each is a frozen dataclass carrying its scope (the record's agency, province and district) and, for an
alert, its audience (the agencies it was shared with, what a summary view shows). `payload()` is the wire
dict the outbox, the bus and the live stream carry, key for key as before the events were typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hifazat.core.scope import Scope
from hifazat.platform.stream import Audience

ALERT_SUBJECT = "alerts.changed"
POLL_SUBJECT = "polls.changed"
# What a summary view of an alert shows (reads, and the live stream with the change's name).
ALERT_SUMMARY = ("id", "agency_id", "kind", "severity", "status", "province", "nationality", "created_at")


@dataclass(frozen=True, slots=True)
class AlertChanged:
    """`alerts.changed` (SSE `alert`): the alert as `AlertOut` JSON and what changed."""

    scope: Scope
    alert: Mapping[str, Any]  # `service.alert_json`
    change: str
    shared_with: tuple[str, ...]

    def payload(self) -> dict[str, Any]:
        body = self.scope.on_wire({**self.alert, "change": self.change})
        audience = Audience(shared_with=self.shared_with, summary=(*ALERT_SUMMARY, "change"))
        return audience.on_wire(body, shared=True)


@dataclass(frozen=True, slots=True)
class PollChanged:
    """`polls.changed` (SSE `poll`): the poll as JSON and what changed."""

    scope: Scope
    poll: Mapping[str, Any]  # `polls.poll_json`
    change: str

    def payload(self) -> dict[str, Any]:
        return self.scope.on_wire({**self.poll, "change": self.change})
