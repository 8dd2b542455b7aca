"""Tracking events become alerts INSIDE the ingest transaction (exactly once, atomically with the position).

Contributed to `hifazat.tracking.hooks.TRACKING_HOOKS` by the alerts domain; a bus subscriber would run in
every worker and create one alert per worker, so alerts never come from bus handlers.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.alerts import rules
from hifazat.alerts.models import Alert
from hifazat.alerts.raising import raise_alert
from hifazat.auth.models import User
from hifazat.auth.policy import system_actor
from hifazat.core.db import utcnow
from hifazat.registry.models import Person

log = logging.getLogger("hifazat.alerts.from_tracking")

TITLES = {
    "sos": "SOS",
    "red_zone_entry": "Entered a red zone",
    "unaccompanied": "Moving without escort",
    "device_stale": "Device silent",
    "low_battery": "Device battery low",
    "zone_enter": "Entered a zone",
    "zone_exit": "Left a zone",
}


def _at(value: str) -> datetime:
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return utcnow()
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def on_tracking_events(session: Session, events: list[Any]) -> None:
    """The hook: apply the rules to each event of one ingest batch."""

    # A batch carries thousands of events of a handful of (agency, kind) pairs: look each rule up once, and
    # ask for already-raised events in one query, so the hook stays cheap inside the ingest transaction.
    rule_of: dict[tuple[str | None, str], rules.Rule | None] = {}
    wanted = []
    for ev in events:
        pair = (ev.agency_id, ev.kind)
        if pair not in rule_of:
            rule_of[pair] = rules.rule_for(session, ev.agency_id, ev.kind)
        rule = rule_of[pair]
        if rule is not None and rule.enabled and rule.severity is not None:
            wanted.append((ev, rule))
    if not wanted:
        return
    raised: set[str] = set()
    ids = [ev.id for ev, _ in wanted]
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        raised.update(
            x
            for x in session.scalars(select(Alert.source_event_id).where(Alert.source_event_id.in_(chunk)))
            if x
        )
    for ev, rule in wanted:
        if ev.id in raised:
            continue  # the same event delivered again: already an alert
        raised.add(ev.id)
        assert rule.severity is not None
        at = _at(ev.at)
        key = rules.subject_key(ev.kind, ev.owner_kind, ev.owner_id, ev.device_id)
        detail = {
            "source": "tracking",
            "event_id": ev.id,
            "device_id": ev.device_id,
            "device_identifier": ev.device_identifier,  # the owner's tree only (service.timeline_json)
            "device_name": ev.device_name,
            "source_authenticated": ev.source_authenticated,
            "lat": ev.lat,
            "lon": ev.lon,
            "at": ev.at,
        }
        for extra in ("zone_id", "zone_name", "zone_kind", "battery", "distance_m"):
            value = getattr(ev, extra, None)
            if value is not None:
                detail[extra] = value
        existing = rules.suppressing_alert(session, key, at, rule.suppress_s)
        if existing is not None:
            rules.fold_repeat(session, existing, at, detail)
            continue
        person = session.get(Person, ev.owner_id) if ev.owner_kind == "person" and ev.owner_id else None
        user = session.get(User, ev.owner_id) if ev.owner_kind == "user" and ev.owner_id else None
        who = (
            f"{person.given_name} {person.family_name}"
            if person
            else (user.full_name or user.username)
            if user
            else ev.device_name or f"device {ev.device_id[:8]}"  # never the identifier: a credential
        )
        title = f"{TITLES.get(ev.kind, ev.kind)}: {who}"
        if getattr(ev, "zone_name", None):
            title += f" ({ev.zone_name})"
        raise_alert(
            session,
            actor=system_actor("tracking", ev.agency_id),
            agency_id=ev.agency_id,
            kind=ev.kind,
            severity=rule.severity,
            source="tracking",
            source_authenticated=ev.source_authenticated,
            title=title,
            lat=ev.lat,
            lon=ev.lon,
            person_id=person.id if person else None,
            subject_user_id=user.id if user else None,
            device_id=ev.device_id,
            province=ev.province or (person.province if person else None),
            district=ev.district if ev.province else (person.district if person else None),
            nationality=person.nationality if person else None,
            dedupe_key=key,
            source_event_id=ev.id,
            data=detail,
        )
