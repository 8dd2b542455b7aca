"""The stream's policy filter for notify events (unit level: no server needed)."""

from __future__ import annotations

from collections.abc import Callable

from hifazat.auth import live_stream
from hifazat.auth.policy import Principal
from hifazat.platform import stream
from hifazat.platform.bus import Event
from hifazat.platform.composition import Domain
from tests.conftest import probe_domain


def _p(user_id: str, agency_id: str) -> Principal:
    return Principal(
        user_id=user_id,
        username=user_id,
        agency_id=agency_id,
        roles=frozenset({"operator"}),
        tree=frozenset({agency_id}),
    )


def _see(subject: str, payload: dict[str, object], who: Principal) -> bool:
    route = stream.route_for(subject)
    assert route is not None
    return (
        live_stream.visible_payload(Event(id="e", subject=subject, payload=payload), route, who) is not None
    )


def test_personal_notifications_and_delivery_events(extra_domain: Callable[[Domain], None]) -> None:
    alice, bob, carol = _p("alice", "police"), _p("bob", "police"), _p("carol", "psc")
    mine = {"id": "n1", "agency_id": "police", "user_id": "alice", "title": "SOS"}
    assert stream.route_for("notify.notification").name == "notification"  # type: ignore[union-attr]
    assert _see("notify.notification", mine, alice)
    assert not _see("notify.notification", mine, bob)  # same agency, not the recipient
    assert not _see("notify.notification", mine, carol)
    agency_wide = {**mine, "user_id": None}  # a unit's notice: its agency's dashboards
    assert _see("notify.notification", agency_wide, bob)
    assert not _see("notify.notification", agency_wide, carol)
    delivery = {
        "id": "d1",
        "agency_id": "police",
        "province": None,
        "status": "retrying",
        "recipient_user_id": "x",
    }
    assert stream.route_for("notify.delivery").name == "delivery"  # type: ignore[union-attr]
    assert _see("notify.delivery", delivery, bob)
    assert not _see("notify.delivery", delivery, carol)
    # Other routes are not personal: a `user_id` key in their payload does not restrict them.
    extra_domain(probe_domain("probe.personal"))
    assert _see("probe.personal", {"id": "x", "agency_id": "police", "user_id": "alice"}, bob)
