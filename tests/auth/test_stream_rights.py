"""When agreements, roles or jurisdictions change, an open stream judges the next event by the new rights.

Each test opens a stream, sees an event its rights allow, changes the rights, waits RIGHTS_S (the stream
re-resolves its token every RECHECK_S through the token cache, which every such change clears at commit),
then sends the event again and a sentinel the stream must deliver: the sentinel arrives, the event does not.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx

from hifazat.auth.live_stream import visible_payload
from hifazat.auth.policy import Principal, permissions
from hifazat.core.db import utcnow
from hifazat.platform.bus import Event
from hifazat.platform.composition import Domain, contribute
from hifazat.platform.stream import STREAM_ROUTES, StreamRoute, route_for
from tests.auth.test_district_stream import Reader, _agency_with_user, _h, _post, _token

RIGHTS_S = 1.0  # the promise: a change of rights holds on every open stream within about a second
KHI = {"lat": 24.8607, "lon": 67.0011}


def _wait(reader: Reader, check: Callable[[], bool], limit_s: float = 15.0) -> None:
    """Until `check()` holds, the stream still open (unlike `Reader.wait_for`, which ends the reading)."""
    deadline = time.monotonic() + limit_s
    while not check():
        assert time.monotonic() < deadline, f"never came; got {reader.events}"
        time.sleep(0.05)


def _titles(reader: Reader) -> set[str]:
    return {e["data"].get("title", "") for e in reader.events if e.get("event") == "alert"}


def _raise(base: str, token: str, title: str) -> None:
    _post(base, token, "/alerts", {"kind": "attack", "title": title, **KHI})


def _agency_of(base: str, token: str) -> str:
    return str(httpx.get(f"{base}/api/v1/me", headers=_h(token), timeout=10).json()["agency"]["id"])


class Pair:
    """A grantor agency (admin) whose alerts a viewer agency (operator) may or may not see."""

    def __init__(
        self, base: str, root: str, name: str, viewer_kind: str = "private_security_company"
    ) -> None:
        self.base = base
        self.admin = _token(base, "admin")
        g = _agency_with_user(
            base, self.admin, root, f"Grantor {name}", "private_security_company", [], "admin"
        )
        v = _agency_with_user(base, self.admin, root, f"Viewer {name}", viewer_kind, [], "operator")
        self.grantor, self.viewer = _token(base, g), _token(base, v)
        self.grantor_id, self.viewer_id = _agency_of(base, self.grantor), _agency_of(base, self.viewer)
        self.viewer_user = v

    def agreement(self, **extra: Any) -> str:
        body = {
            "name": "alerts to the viewer",
            "grantor_id": self.grantor_id,
            "grantee_id": self.viewer_id,
            "entity_kinds": ["alerts"],
            "level": "full",
            **extra,
        }
        return str(_post(self.base, self.grantor, "/sharing-agreements", body)["id"])

    def judged_by_new_rights(self, reader: Reader, title: str, *, delivered: bool) -> None:
        """After the change: the grantor's next alert reaches the stream exactly when the new rights say."""
        time.sleep(RIGHTS_S)
        _raise(self.base, self.grantor, title)
        _raise(self.base, self.viewer, f"sentinel {title}")  # the viewer's own: always delivered, after it
        _wait(
            reader,
            lambda: f"sentinel {title}" in _titles(reader) and (not delivered or title in _titles(reader)),
        )
        assert (title in _titles(reader)) is delivered, _titles(reader)


def _open(base: str, token: str, pair: Pair, first: str) -> Reader:
    reader = Reader(base, token)
    _raise(base, pair.grantor, first)
    _wait(reader, lambda: first in _titles(reader))
    return reader


def test_a_deleted_agreement_stops_the_grantors_next_alert(live_server: str, initialised: Any) -> None:
    pair = Pair(live_server, initialised.agency_id, "deleted")
    agreement = pair.agreement()
    reader = _open(live_server, pair.viewer, pair, "before")
    r = httpx.delete(
        f"{live_server}/api/v1/sharing-agreements/{agreement}", headers=_h(pair.grantor), timeout=10
    )
    assert r.status_code == 204, r.text
    pair.judged_by_new_rights(reader, "after delete", delivered=False)


def test_an_expired_agreement_stops_the_grantors_next_alert(live_server: str, initialised: Any) -> None:
    """Nothing is written when an agreement ends: the caches must not outlive its end (the token cache kept
    the grants for its own 5 s before)."""
    pair = Pair(live_server, initialised.agency_id, "expired")
    ends = utcnow() + timedelta(seconds=2.5)
    pair.agreement(valid_to=ends.isoformat())
    reader = _open(live_server, pair.viewer, pair, "before")
    time.sleep(max((ends - utcnow()).total_seconds(), 0.0))
    pair.judged_by_new_rights(reader, "after expiry", delivered=False)


def test_a_changed_jurisdiction_judges_the_next_alert(live_server: str, initialised: Any) -> None:
    pair = Pair(live_server, initialised.agency_id, "jurisdiction", viewer_kind="provincial_police")
    reader = Reader(live_server, pair.viewer)

    def juris(*entries: str) -> None:
        r = httpx.patch(
            f"{live_server}/api/v1/agencies/{pair.viewer_id}",
            headers=_h(pair.admin),
            json={"jurisdiction": list(entries)},
            timeout=10,
        )
        assert r.status_code == 200, r.text

    pair.judged_by_new_rights(reader, "no jurisdiction", delivered=False)
    juris("PK-SD")
    pair.judged_by_new_rights(reader, "now Sindh", delivered=True)
    juris("PK-PB")
    pair.judged_by_new_rights(reader, "now Punjab", delivered=False)


# A kind only analysts may read, streamed as `probe`: the stream judges each event by the caller's roles,
# as they are when the event comes (the stream re-resolves its principal as in the tests above).
SECRET = "probe_secret"
PROBE = Domain(
    "probe",
    contributions=(
        permissions({(SECRET, "read"): frozenset({"analyst"})}),
        contribute(STREAM_ROUTES, StreamRoute("probe.secret", "probe", SECRET)),
    ),
)


def test_a_removed_role_stops_the_next_event(extra_domain: Callable[[Domain], None]) -> None:
    extra_domain(PROBE)
    route = route_for("probe.secret")
    assert route is not None
    event = Event("e1", "probe.secret", {"id": "x", "agency_id": "a1"})
    analyst = Principal("u1", "u", "a1", frozenset({"analyst", "operator"}), tree=frozenset({"a1"}))
    assert visible_payload(event, route, analyst) == {"id": "x", "agency_id": "a1"}
    operator = replace(analyst, roles=frozenset({"operator"}))
    assert visible_payload(event, route, operator) is None
