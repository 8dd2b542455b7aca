"""The demo scenario for alert tests: its logins, and SOS at the Clifton guest house moved into a state."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from hifazat.demo import scenario
from tests.alerts.conftest import settle
from tests.conftest import ADMIN_PASSWORD, login
from tests.demo.conftest import DEMO_PASSWORD

CLIFTON = (24.8155, 67.0280)
STATES = ("new", "acknowledged", "responding")
# Who raises the alerts and moves them into each state: the owner's head of security.
OWNER = "company.security"
ASSIGNMENT_STEP = {"en_route": "on_scene", "on_scene": "clear"}


class Demo:
    """The demo's logins and the alerts the test raises and moves."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.h = {u.username: login(client, u.username, DEMO_PASSWORD) for u in scenario.USERS}
        self.h["admin"] = login(client, "admin", ADMIN_PASSWORD)
        owner = self.h[OWNER]
        persons = client.get("/api/v1/persons", headers=owner, params={"q": "Huang", "limit": 100}).json()
        [self.person] = [p["id"] for p in persons["items"] if p["given_name"] == "Yuting"]

    def call(self, user: str, method: str, path: str, body: Any = None) -> httpx.Response:
        return self.client.request(method, path, headers=self.h[user], json=body)

    def ok(self, user: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
        r = self.call(user, method, path, body)
        assert r.status_code in (200, 201), (user, path, r.text)
        return dict(r.json())

    def alert_in(self, state: str) -> str:
        """A fresh SOS, level 0 told, moved by the owner (and, for responding, a Sindh SPU unit sent by
        the national operations centre, so that an assignment exists to update)."""
        body = {"kind": "sos", "lat": CLIFTON[0], "lon": CLIFTON[1], "person_id": self.person}
        alert_id = str(self.ok(OWNER, "POST", "/api/v1/alerts", body)["id"])
        settle(alert_id)
        if state == "acknowledged":
            self.ok(OWNER, "POST", f"/api/v1/alerts/{alert_id}/actions/acknowledge", {})
        elif state == "responding":
            recs = self.ok("sindh.spu", "GET", f"/api/v1/alerts/{alert_id}/recommendations")["items"]
            self.ok(
                "sindh.spu",
                "POST",
                f"/api/v1/alerts/{alert_id}/assignments",
                {"unit_ids": [recs[0]["unit_id"]]},
            )
        return alert_id

    def close(self, alert_id: str) -> None:
        """Release the units again (the ministry's admin owns every alert of its tree)."""
        r = self.call("admin", "GET", f"/api/v1/alerts/{alert_id}")
        if r.json()["status"] in STATES:
            self.ok("admin", "POST", f"/api/v1/alerts/{alert_id}/actions/false_alarm", {})

    def attempt(self, user: str, alert_id: str, action: str) -> httpx.Response:
        base = f"/api/v1/alerts/{alert_id}"
        if action == "dispatch":
            recs = self.call(user, "GET", f"{base}/recommendations")
            units = [r["unit_id"] for r in recs.json().get("items", [])] if recs.status_code == 200 else []
            mine = units[:1] or self._someone_elses_unit(alert_id)
            return self.call(user, "POST", f"{base}/assignments", {"unit_ids": mine})
        if action == "update_assignment":
            answers = [
                self.call(
                    user, "PATCH", f"{base}/assignments/{a['id']}", {"status": ASSIGNMENT_STEP[a["status"]]}
                )
                for a in self.ok("admin", "GET", base)["assignments"]
                if a["status"] in ASSIGNMENT_STEP
            ]
            good = [r for r in answers if r.status_code == 200]
            return good[0] if good else (answers[0] if answers else self.call(user, "GET", f"{base}/nothing"))
        if action == "note":
            return self.call(user, "POST", f"{base}/notes", {"note": f"{user} was here"})
        return self.call(user, "POST", f"{base}/actions/{action}", {})

    def _someone_elses_unit(self, alert_id: str) -> list[str]:
        recs = self.ok("admin", "GET", f"/api/v1/alerts/{alert_id}/recommendations", None)["items"]
        return [recs[0]["unit_id"]] if recs else ["no-such-unit"]


@pytest.fixture
def demo(client: TestClient, initialised: object) -> Demo:
    """The demo scenario loaded as `hifazat demo --load-only` does, with every login signed in."""
    from hifazat.platform.db import unit_of_work

    with unit_of_work() as session:
        scenario.load(session, password=DEMO_PASSWORD)
    return Demo(client)
