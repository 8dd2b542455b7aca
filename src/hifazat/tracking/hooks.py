"""In-transaction hooks: other domains react to tracking events inside the transaction that stores them.

The ingest path calls every registered hook with the events one batch produced, INSIDE the same
transaction that stores the positions, so a reaction (an SOS becoming an alert) commits atomically with
the position that caused it, exactly once — unlike bus subscribers, which run in every worker.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from hifazat.tracking.events import EVENT_KINDS, TrackingEventData

__all__ = ["EVENT_KINDS", "TRACKING_HOOKS", "TrackingEventData", "register_tracking_hook", "run_hooks"]

TrackingHook = Callable[[Session, list[TrackingEventData]], None]
TRACKING_HOOKS: list[TrackingHook] = []


def register_tracking_hook(fn: TrackingHook) -> TrackingHook:
    """Register `fn(session, events)`; idempotent, usable as a decorator."""
    if fn not in TRACKING_HOOKS:
        TRACKING_HOOKS.append(fn)
    return fn


def run_hooks(session: Session, events: list[TrackingEventData]) -> None:
    """Called by the ingest path inside its transaction; a failing hook rolls the whole batch back."""
    if not events:
        return
    for hook in list(TRACKING_HOOKS):
        hook(session, events)
