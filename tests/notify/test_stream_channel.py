"""The stream channel: a `notification` SSE event reaches its user only, not colleagues of the same agency."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx

from hifazat.auth.models import User
from hifazat.config import Settings
from hifazat.notify import service
from hifazat.notify.schemas import Recipient
from hifazat.platform.db import unit_of_work
from hifazat.security.passwords import hash_password
from tests.conftest import ADMIN_PASSWORD
from tests.notify.conftest import Org


def _listen(base: str, username: str, out: list[dict[str, Any]], ready: threading.Event) -> None:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": ADMIN_PASSWORD})
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    with httpx.stream(
        "GET", f"{base}/api/v1/stream?events=notification", headers=headers, timeout=15
    ) as resp:
        event: dict[str, Any] = {}
        for line in resp.iter_lines():
            if line.startswith(": connected"):
                ready.set()
            elif line.startswith("event: "):
                event["event"] = line[7:]
            elif line.startswith("data: "):
                event["data"] = json.loads(line[6:])
            elif line == "" and event:
                out.append(event)
                event = {}
                return  # the first notification this user sees


def test_notification_reaches_only_its_user(org: Org, notify_env: Settings, live_server: str) -> None:
    with unit_of_work() as s:
        for name in ("police-operator", "police-admin"):
            u = s.get(User, org.users[name])
            assert u is not None
            u.password_hash = hash_password(ADMIN_PASSWORD)
    got: dict[str, list[dict[str, Any]]] = {"police-operator": [], "police-admin": []}
    threads = []
    for name, out in got.items():
        ready = threading.Event()
        t = threading.Thread(target=_listen, args=(live_server, name, out, ready), daemon=True)
        t.start()
        assert ready.wait(10)
        threads.append(t)

    def notify(user: str, ref_id: str) -> None:
        with unit_of_work() as s:
            service.enqueue(
                s,
                ref_kind="alert",
                ref_id=ref_id,
                topic="alert",
                payload={"id": ref_id, "agency_id": org.agency["police"], "severity": "low", "title": ref_id},
                recipients=[Recipient(user_id=org.users[user])],
                reason="raised",
            )

    notify("police-operator", "for-operator")
    notify("police-admin", "for-admin")  # published after the first: the admin's first event must be this
    for t in threads:
        t.join(15)
    assert [e["data"]["ref_id"] for e in got["police-operator"]] == ["for-operator"]
    assert [e["data"]["ref_id"] for e in got["police-admin"]] == ["for-admin"]
    ev = got["police-operator"][0]
    assert ev["event"] == "notification"
    assert ev["data"]["user_id"] == org.users["police-operator"]
    assert ev["data"]["title"] == "for-operator"
