"""Two `hifazat serve` workers on PostgreSQL and NATS: a change of rights made through worker A holds on a
stream held open on worker B within about a second (18.1). Worker B's token cache is cleared by the
`auth.changed` event A's commit publishes; B's stream re-resolves its token every RECHECK_S.

Uses the database and worker helpers of `test_two_workers.py` (the SQLite pass takes over the dedicated
PostgreSQL database HIFAZAT_TEST_PG_URL_TWO_WORKERS)."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hifazat.platform.db import dispose_engines
from tests.conftest import ADMIN_PASSWORD, free_port
from tests.integration.test_two_workers import pg_world, start_worker, wait_ready

__all__ = ["pg_world"]  # the fixture, used by name below

PROMISE_S = 1.0  # "within about a second"
KHI = {"lat": 24.8607, "lon": 67.0011}


class Stream:
    """Worker B's stream of one token: alert titles as they come, and when the server ended it."""

    def __init__(self, base: str, token: str) -> None:
        self.titles: list[str] = []
        self.closed_at: float | None = None
        self.ready = threading.Event()
        threading.Thread(target=self._read, args=(base, token), daemon=True).start()
        assert self.ready.wait(10)

    def _read(self, base: str, token: str) -> None:
        url = f"{base}/api/v1/stream?events=alert"
        try:
            with httpx.stream("GET", url, headers=_h(token), timeout=30) as r:
                for line in r.iter_lines():
                    if line.startswith(": connected"):
                        self.ready.set()
                    elif line.startswith("data: "):
                        self.titles.append(str(json.loads(line[6:]).get("title", "")))
        except httpx.HTTPError:
            pass
        self.closed_at = time.monotonic()

    def wait_for(self, title: str, limit_s: float = 15.0) -> None:
        deadline = time.monotonic() + limit_s
        while title not in self.titles:
            assert time.monotonic() < deadline, f"{title!r} never came; got {self.titles}"
            time.sleep(0.02)


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _token(base: str, username: str) -> str:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": ADMIN_PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _post(base: str, token: str, path: str, body: Any) -> dict[str, Any]:
    r = httpx.post(f"{base}/api/v1{path}", headers=_h(token), json=body, timeout=10)
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


def _agency(base: str, admin: str, name: str, role: str) -> tuple[str, str]:
    """A company with one user of `role`; (agency id, the user's token)."""
    agency = _post(base, admin, "/agencies", {"name": name, "kind": "private_security_company"})
    username = name.lower().replace(" ", "-")
    user = {
        "username": username,
        "full_name": name,
        "password": ADMIN_PASSWORD,
        "agency_id": agency["id"],
        "roles": [role],
    }
    _post(base, admin, "/users", user)
    return str(agency["id"]), _token(base, username)


def _raise(base: str, token: str, title: str) -> None:
    _post(base, token, "/alerts", {"kind": "attack", "title": title, **KHI})


@pytest.fixture
def workers(pg_world: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    ports = [free_port(), free_port()]
    procs = [
        start_worker(pg_world, p, tmp_path / f"w{i}", tmp_path / f"w{i}.log") for i, p in enumerate(ports)
    ]
    try:
        for i, (proc, port) in enumerate(zip(procs, ports, strict=True)):
            wait_ready(proc, port, tmp_path / f"w{i}.log")
        a, b = (f"http://127.0.0.1:{p}" for p in ports)
        yield a, b
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        dispose_engines()


@pytest.mark.integration
def test_changes_through_worker_a_hold_on_worker_bs_open_stream(workers: tuple[str, str]) -> None:
    a, b = workers
    admin = _token(a, "admin")
    grantor_id, grantor = _agency(a, admin, "Grantor Co", "admin")
    viewer_id, viewer = _agency(a, admin, "Viewer Co", "operator")
    body = {
        "name": "alerts to the viewer",
        "grantor_id": grantor_id,
        "grantee_id": viewer_id,
        "entity_kinds": ["alerts"],
        "level": "full",
    }
    agreement = _post(a, grantor, "/sharing-agreements", body)["id"]
    stream = Stream(b, viewer)
    _raise(a, grantor, "shared")
    stream.wait_for("shared")  # the agreement grants it, on B as on A

    # The agreement deleted through A: B's stream judges the grantor's next alert by the new rights.
    r = httpx.delete(f"{a}/api/v1/sharing-agreements/{agreement}", headers=_h(grantor), timeout=10)
    assert r.status_code == 204, r.text
    time.sleep(PROMISE_S)
    _raise(a, grantor, "after delete")
    _raise(a, viewer, "sentinel")  # the viewer's own: always delivered, after the other
    stream.wait_for("sentinel")
    assert "after delete" not in stream.titles, stream.titles

    # The token revoked through A (logout): B ends the stream within about a second.
    assert stream.closed_at is None
    r = httpx.post(f"{a}/api/v1/auth/logout", headers=_h(viewer), timeout=10)
    assert r.status_code == 204, r.text
    revoked = time.monotonic()
    deadline = revoked + 10
    while stream.closed_at is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert stream.closed_at is not None, "worker B kept the revoked token's stream open"
    assert stream.closed_at - revoked < PROMISE_S + 0.5, stream.closed_at - revoked
    assert httpx.get(f"{b}/api/v1/stream", headers=_h(viewer), timeout=5).status_code == 401
