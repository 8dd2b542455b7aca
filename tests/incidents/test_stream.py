"""Each incident change is an `incidents.changed` event in the writing transaction, and the live stream
shows it as SSE `incident` to whoever may see the incident: the owner, the jurisdiction; never the partner
embassy without an agreement naming incidents."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hifazat.auth.live_stream import visible_payload
from hifazat.auth.models import User
from hifazat.auth.policy import Principal, build_principal
from hifazat.platform.bus import Event
from hifazat.platform.db import unit_of_work
from hifazat.platform.outbox import OutboxEvent
from hifazat.platform.stream import route_for
from tests.alerts.conftest import Scene
from tests.incidents.conftest import BASE


def _principal(username: str) -> Principal:
    with unit_of_work(readonly=True) as s:
        u = s.scalars(select(User).where(User.username == username)).one()
        return build_principal(s, user_id=u.id, username=u.username, agency_id=u.agency_id, roles=u.roles)


def _events() -> list[Event]:
    with unit_of_work(readonly=True) as s:
        rows = s.scalars(
            select(OutboxEvent).where(OutboxEvent.subject == "incidents.changed").order_by(OutboxEvent.seq)
        )
        return [Event(r.id, r.subject, r.payload) for r in rows]


def test_changes_reach_those_who_see_the_incident(scene: Scene, incident: dict[str, Any]) -> None:
    r = scene.client.post(
        f"{BASE}/{incident['id']}/actions/verify", headers=scene.h("police-operator"), json={}
    )
    assert r.status_code == 200, r.text
    events = _events()
    assert [e.payload["change"] for e in events] == ["created", "verify"]
    route = route_for("incidents.changed")
    assert route is not None
    assert route.name == "incident"
    for username in ("psc-operator", "police-operator"):
        seen = visible_payload(events[1], route, _principal(username))
        assert seen is not None, username
        assert (seen["id"], seen["status"], seen["province"]) == (incident["id"], "verified", "PK-SD")
        assert "description" not in seen  # the event holds the summary fields; pages read the rest
        assert "involved" not in seen
    assert all(visible_payload(e, route, _principal("liaison")) is None for e in events)
