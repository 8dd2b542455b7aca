"""Delivery channels. Each `send` raises SendError (permanent or not) when the receiver did not take it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hifazat.notify.events import title_of


class SendError(Exception):
    """A send did not succeed. `permanent` failures are not retried (e.g. a webhook answering 410)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Job:
    """What a worker needs to send one claimed delivery (a snapshot; the row is not held open)."""

    id: str
    idempotency_key: str
    channel: str
    address: str
    recipient_kind: str
    recipient_id: str
    ref_kind: str
    ref_id: str
    topic: str
    reason: str
    severity: str
    payload: dict[str, Any]
    attempt: int
    created_at: datetime
    secret: str | None = None  # webhooks: the signing secret

    def message(self) -> dict[str, Any]:
        """The JSON document webhooks and MQTT devices receive."""
        return {
            "id": self.id,
            "idempotency_key": self.idempotency_key,
            "topic": self.topic,
            "reason": self.reason,
            "severity": self.severity,
            "ref_kind": self.ref_kind,
            "ref_id": self.ref_id,
            "title": title_of(self.topic, self.reason, self.payload),
            "created_at": self.created_at.isoformat(),
            "attempt": self.attempt,
            "data": {k: v for k, v in self.payload.items() if not str(k).startswith("_")},
        }
