"""In-transaction hooks: other domains react to tracking events inside the transaction that stores them.

The ingest path calls every contributed hook with the events one batch produced, INSIDE the same
transaction that stores the positions, so a reaction (an SOS becoming an alert) commits atomically with
the position that caused it, exactly once — unlike bus subscribers, which run in every worker.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from hifazat.platform.composition import ExtensionPoint, current
from hifazat.tracking.events import EVENT_KINDS, TrackingEventData

__all__ = ["EVENT_KINDS", "TRACKING_HOOKS", "TrackingEventData", "run_hooks"]

TrackingHook = Callable[[Session, list[TrackingEventData]], None]
# Other domains contribute `fn(session, events)` here in their `Domain` (alerts: an SOS becomes an alert).
TRACKING_HOOKS: ExtensionPoint[TrackingHook] = ExtensionPoint("tracking.hooks")


def run_hooks(session: Session, events: list[TrackingEventData]) -> None:
    """Called by the ingest path inside its transaction; a failing hook rolls the whole batch back."""
    if not events:
        return
    for hook in current().get(TRACKING_HOOKS):
        hook(session, events)
