"""The SSE stream delivers registered bus events to subscribers who may see the record, and no one else."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import httpx

from hifazat.platform.composition import Domain
from hifazat.platform.db import unit_of_work
from hifazat.platform.outbox import emit
from tests.conftest import ADMIN_PASSWORD, probe_domain


def _token(base: str, username: str) -> str:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": ADMIN_PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _collect(base: str, token: str, out: list[dict[str, Any]], ready: threading.Event, n: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.stream("GET", f"{base}/api/v1/stream?events=probe", headers=headers, timeout=10) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        event: dict[str, Any] = {}
        for line in r.iter_lines():
            if line.startswith(": connected"):
                ready.set()
            elif line.startswith("event: "):
                event["event"] = line[7:]
            elif line.startswith("id: "):
                event["id"] = line[4:]
            elif line.startswith("data: "):
                event["data"] = json.loads(line[6:])
            elif line == "" and event:
                out.append(event)
                event = {}
                if len(out) >= n:
                    return


def test_stream_filters_by_agency(
    live_server: str, initialised: Any, extra_domain: Callable[[Domain], None]
) -> None:
    extra_domain(probe_domain("probe.*"))
    base = live_server
    admin_token = _token(base, "admin")
    r = httpx.post(
        f"{base}/api/v1/agencies",
        headers={"Authorization": f"Bearer {admin_token}"},
        json={"name": "Other", "kind": "other"},
    )
    assert r.status_code == 201, r.text
    other_id = r.json()["id"]

    got: list[dict[str, Any]] = []
    ready = threading.Event()
    t = threading.Thread(target=_collect, args=(base, admin_token, got, ready, 1), daemon=True)
    t.start()
    assert ready.wait(10)
    with unit_of_work() as session:
        # The admin's tree is the ministry's; "Other" is a separate top-level agency and its event lies
        # outside the ministry's whole-country jurisdiction (which covers what has no place), so it is hidden.
        emit(session, "probe.hidden", {"id": "x1", "agency_id": other_id, "province": "AF-KAB"})
        emit(session, "probe.shown", {"id": "x2", "agency_id": initialised.agency_id, "_internal": 1})
    t.join(10)
    assert len(got) == 1
    assert got[0]["event"] == "probe"
    assert got[0]["data"] == {"id": "x2", "agency_id": initialised.agency_id}


def test_stream_requires_auth(live_server: str) -> None:
    r = httpx.get(f"{live_server}/api/v1/stream", timeout=5)
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
