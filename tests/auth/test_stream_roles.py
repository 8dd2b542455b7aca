"""End to end: removing a role through `PATCH /api/v1/users/{id}` makes an open stream judge the next event
by the new roles (18.1). The stream stays open (a role change revokes no token); it re-resolves the token
through the token cache, which the user's change cleared at commit.

No shipped stream kind is readable by some roles only, so a probe domain declares one (`probe_secret`,
analysts only) beside a kind every role reads (persons), whose events are the sentinels."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from hifazat.auth.policy import permissions
from hifazat.platform.composition import Domain, contribute
from hifazat.platform.db import unit_of_work
from hifazat.platform.outbox import emit
from hifazat.platform.stream import STREAM_ROUTES, StreamRoute
from tests.auth.test_district_stream import _h, _post, _token
from tests.auth.test_stream_rights import RIGHTS_S
from tests.conftest import ADMIN_PASSWORD

SECRET = "probe_secret"
PROBE = Domain(
    "probe",
    contributions=(
        permissions({(SECRET, "read"): frozenset({"analyst"})}),
        contribute(STREAM_ROUTES, StreamRoute("probe.secret", "probe", SECRET)),
        contribute(STREAM_ROUTES, StreamRoute("probe.open", "probe", "persons")),
    ),
)


class ProbeReader:
    """Collects the `probe` events of one stream in a thread until told to stop."""

    def __init__(self, base: str, token: str) -> None:
        self.ids: list[str] = []
        self.ready, self.stop = threading.Event(), threading.Event()
        threading.Thread(target=self._read, args=(base, token), daemon=True).start()
        assert self.ready.wait(10)

    def _read(self, base: str, token: str) -> None:
        url = f"{base}/api/v1/stream?events=probe"
        try:
            with httpx.stream("GET", url, headers=_h(token), timeout=30) as r:
                for line in r.iter_lines():
                    if line.startswith(": connected"):
                        self.ready.set()
                    elif line.startswith("data: "):
                        self.ids.append(str(json.loads(line[6:])["id"]))
                    if self.stop.is_set():
                        return
        except httpx.TransportError:
            return  # the live server closed it at teardown

    def wait_for(self, wanted: str, limit_s: float = 15.0) -> None:
        deadline = time.monotonic() + limit_s
        while wanted not in self.ids:
            assert time.monotonic() < deadline, f"{wanted} never came; got {self.ids}"
            time.sleep(0.05)


def _send(agency_id: str, *subjects_and_ids: tuple[str, str]) -> None:
    with unit_of_work() as session:
        for subject, event_id in subjects_and_ids:
            emit(session, subject, {"id": event_id, "agency_id": agency_id})


def test_removing_a_role_stops_the_next_event_on_an_open_stream(
    live_server: str, initialised: Any, extra_domain: Callable[[Domain], None]
) -> None:
    extra_domain(PROBE)
    base, admin = live_server, _token(live_server, "admin")
    agency = _post(base, admin, "/agencies", {"name": "Analysts", "kind": "other", "parent_id": None})
    user = {
        "username": "two-roles",
        "full_name": "Two Roles",
        "password": ADMIN_PASSWORD,
        "agency_id": agency["id"],
        "roles": ["analyst", "operator"],
    }
    user_id = _post(base, admin, "/users", user)["id"]
    reader = ProbeReader(base, _token(base, "two-roles"))
    try:
        _send(agency["id"], ("probe.secret", "secret-1"), ("probe.open", "open-1"))
        reader.wait_for("open-1")
        reader.wait_for("secret-1")  # an analyst reads the secret kind
        r = httpx.patch(
            f"{base}/api/v1/users/{user_id}", headers=_h(admin), json={"roles": ["operator"]}, timeout=10
        )
        assert r.status_code == 200, r.text
        time.sleep(RIGHTS_S)
        _send(agency["id"], ("probe.secret", "secret-2"), ("probe.open", "open-2"))
        reader.wait_for("open-2")  # the stream is still open, and judged the secret before the sentinel
        assert "secret-2" not in reader.ids, reader.ids
        r = httpx.patch(
            f"{base}/api/v1/users/{user_id}",
            headers=_h(admin),
            json={"roles": ["operator", "analyst"]},
            timeout=10,
        )
        assert r.status_code == 200, r.text
        time.sleep(RIGHTS_S)
        _send(agency["id"], ("probe.secret", "secret-3"), ("probe.open", "open-3"))
        reader.wait_for("open-3")
        reader.wait_for("secret-3", limit_s=2)  # the role given back: delivered again
    finally:
        reader.stop.set()
