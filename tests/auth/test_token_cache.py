"""The principal of an access token is cached; any change to a user or token clears it at commit (and in
the other workers through `auth.changed`), and no entry outlives its token."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, update

from hifazat.auth import cache
from hifazat.auth.models import User
from hifazat.auth.service import principal_for_token
from hifazat.bootstrap import InitResult
from hifazat.core.db import utcnow
from hifazat.platform.bus import Event
from hifazat.platform.db import get_engine, unit_of_work
from tests.conftest import ADMIN_PASSWORD


def _login(client: TestClient) -> str:
    r = client.post("/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _token_queries(token: str, times: int) -> int:
    """How many statements `times` look-ups of `token` ran."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(times):
            with unit_of_work(readonly=True) as s:
                assert principal_for_token(s, token) is not None
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return sum("access_tokens" in sql for sql in seen)


def test_a_token_is_read_once_then_served_from_the_cache(client: TestClient, initialised: InitResult) -> None:
    token = _login(client)
    assert _token_queries(token, 5) <= 1


def test_a_role_change_applies_at_once(client: TestClient, initialised: InitResult) -> None:
    token = _login(client)
    h = {"Authorization": f"Bearer {token}"}
    assert "admin" in client.get("/api/v1/me", headers=h).json()["roles"]
    with unit_of_work() as s:  # a bulk UPDATE, past the ORM's flush
        s.execute(update(User).where(User.username == "admin").values(roles=["auditor"]))
    assert client.get("/api/v1/me", headers=h).json()["roles"] == ["auditor"]


def test_deactivated_user_is_refused_at_once(client: TestClient, initialised: InitResult) -> None:
    token = _login(client)
    h = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=h).status_code == 200
    with unit_of_work() as s:
        user = s.query(User).filter_by(username="admin").one()
        user.active = False
    assert client.get("/api/v1/me", headers=h).status_code == 401


def test_another_workers_change_clears_the_cache(client: TestClient, initialised: InitResult) -> None:
    token = _login(client)
    assert _token_queries(token, 2) <= 1
    cache.invalidate()  # what the `auth.changed` subscription does when another worker's event arrives
    assert _token_queries(token, 1) == 1
    unsubscribe = cache.subscribe(_Bus())
    try:
        assert _token_queries(token, 1) == 0
        _Bus.handler(Event(id="x", subject=cache.SUBJECT, payload={}))
        assert _token_queries(token, 1) == 1
    finally:
        unsubscribe()


class _Bus:
    handler: Any = None

    def subscribe(self, subject: str, handler: Any) -> Any:
        assert subject == cache.SUBJECT
        _Bus.handler = handler
        return lambda: None


def test_no_entry_outlives_its_token(initialised: InitResult) -> None:
    loads: list[int] = []

    def load() -> tuple[str, Any]:
        loads.append(1)
        return "principal", utcnow() + timedelta(seconds=0.2)

    with unit_of_work(readonly=True) as s:
        assert cache.principal(s, "digest-1", load) == "principal"
        assert cache.principal(s, "digest-1", load) == "principal"
        assert len(loads) == 1
        time.sleep(0.3)
        cache.principal(s, "digest-1", load)
        assert len(loads) == 2
        assert cache.principal(s, "unknown", lambda: None) is None
        assert cache.principal(s, "unknown", lambda: ("late", utcnow() + timedelta(hours=1))) == "late"
