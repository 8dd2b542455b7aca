"""Forwarded headers (issue 18.9): X-Forwarded-For / -Proto are believed only from configured proxies, and
the one client address they give is what the login limit, the audit log, the access log and the bulk
lane see."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import socket
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hifazat.auth import service as auth_service
from hifazat.config import reset_settings
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import unit_of_work
from hifazat.platform.forwarded import ForwardedClient, client_address, networks
from hifazat.platform.logs import JsonFormatter
from hifazat.platform.sqlite import bulk, bulk_back
from hifazat.platform.sqlite.bulk_channel import REQUEST, Channel
from hifazat.security.ratelimit import SlidingWindowLimiter
from tests.conftest import ADMIN_PASSWORD

CREDENTIALS = {"username": "admin", "password": ADMIN_PASSWORD}
PROXY = ("10.0.0.5", 40000)
OUTSIDER = ("198.51.100.20", 40000)


def test_the_client_behind_trusted_proxies() -> None:
    trusted = networks(("10.0.0.0/24", "2001:db8::/32"))
    assert client_address("198.51.100.20", ["203.0.113.9"], trusted) == "198.51.100.20"  # not a proxy
    assert client_address("10.0.0.5", ["203.0.113.9"], trusted) == "203.0.113.9"
    # The client wrote the left entries itself: the right-most one not a proxy is the client.
    assert client_address("10.0.0.5", ["6.6.6.6, 203.0.113.9, 10.0.0.7"], trusted) == "203.0.113.9"
    assert client_address("10.0.0.5", ["6.6.6.6", "203.0.113.9"], trusted) == "203.0.113.9"  # two headers
    assert client_address("10.0.0.5", [], trusted) == "10.0.0.5"  # the proxy's own request
    assert client_address("10.0.0.5", ["10.0.0.9"], trusted) == "10.0.0.9"  # proxies all the way
    assert client_address("10.0.0.5", ["garbage, 10.0.0.7"], trusted) == "10.0.0.7"  # stops at the junk
    assert client_address("10.0.0.5", ["203.0.113.9:5123"], trusted) == "203.0.113.9"
    assert client_address("2001:db8::1", ["[2001:db9::2]:443"], trusted) == "2001:db9::2"
    assert client_address("10.0.0.5", ["203.0.113.9"], networks(())) == "10.0.0.5"


def test_bad_proxy_settings_fail_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    from hifazat.config import Settings

    monkeypatch.setenv("HIFAZAT_TRUSTED_PROXIES", '["10.0.0.0/33"]')
    with pytest.raises(ValueError, match="trusted_proxies"):
        Settings()
    monkeypatch.setenv("HIFAZAT_TRUSTED_PROXIES", '["10.0.0.0/8", "::1"]')
    assert Settings().trusted_proxies == ["10.0.0.0/8", "::1"]


@pytest.fixture
def app(initialised: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from hifazat.app import create_app

    monkeypatch.setenv("HIFAZAT_TRUSTED_PROXIES", '["10.0.0.0/24"]')
    reset_settings()
    monkeypatch.setattr(auth_service, "login_ip_limiter", SlidingWindowLimiter(limit=2, window_seconds=60))
    return create_app()


def _login(c: TestClient, forwarded_for: str, **headers: str) -> Any:
    return c.post(
        "/api/v1/auth/token", data=CREDENTIALS, headers={"X-Forwarded-For": forwarded_for, **headers}
    )


def test_a_spoofed_header_from_a_non_proxy_neither_lifts_the_limit_nor_reaches_the_audit(app: Any) -> None:
    c = TestClient(app, client=OUTSIDER)
    assert _login(c, "203.0.113.1").status_code == 200
    assert _login(c, "203.0.113.2").status_code == 200
    assert _login(c, "203.0.113.3").status_code == 429  # one address, whatever the header says
    assert _login_sources() == {OUTSIDER[0]}


def test_the_header_from_a_configured_proxy_names_the_client(app: Any) -> None:
    c = TestClient(app, client=PROXY)
    assert _login(c, "6.6.6.6, 203.0.113.1").status_code == 200
    assert _login(c, "203.0.113.1").status_code == 200
    assert _login(c, "203.0.113.1").status_code == 429  # that client's limit is spent ...
    assert _login(c, "203.0.113.2").status_code == 200  # ... not the next one's
    assert _login_sources() == {"203.0.113.1", "203.0.113.2"}


def _login_sources() -> set[str]:
    with unit_of_work(readonly=True) as session:
        rows = session.scalars(select(AuditEntry.after).where(AuditEntry.action == "login")).all()
    return {str(after["from"]) for after in rows if after}


def test_forwarded_proto_from_a_proxy_only(app: Any) -> None:
    https = {"X-Forwarded-Proto": "https", "Origin": "https://testserver"}
    r = TestClient(app, client=PROXY).post(
        "/api/v1/auth/token?set_cookie=true",
        data=CREDENTIALS,
        headers={"X-Forwarded-For": "203.0.113.4", **https},
    )
    assert r.status_code == 200, r.text
    assert "secure" in r.headers["set-cookie"].lower()  # the browser reached us over TLS
    r = TestClient(app, client=OUTSIDER).post(
        "/api/v1/auth/token?set_cookie=true", data=CREDENTIALS, headers=https
    )
    assert r.status_code == 403  # plain http here, whatever the header claims: not our origin


def test_the_access_log_names_the_resolved_client(app: Any) -> None:
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)
    try:
        TestClient(app, client=PROXY).get("/healthz/none", headers={"X-Forwarded-For": "203.0.113.8"})
        TestClient(app, client=OUTSIDER).get("/healthz/none", headers={"X-Forwarded-For": "203.0.113.9"})
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [json.loads(x) for x in buf.getvalue().splitlines() if '"msg": "request"' in x]
    assert [x["client"] for x in lines] == ["203.0.113.8", OUTSIDER[0]]


def test_the_bulk_lane_hands_the_resolved_client_to_its_back(initialised: Any) -> None:
    """The front resolves once and forwards the client; the back's app sees exactly that address."""
    front_sock, back_sock = socket.socketpair()
    front, back = Channel(front_sock), Channel(back_sock)
    seen: list[Any] = []

    async def back_app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["client"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def serve_back() -> None:
        kind, meta, body = back.receive()
        assert kind == REQUEST
        asyncio.run(bulk_back._answer(back_app, back, meta, body))

    async def run() -> int:
        lane = bulk.BulkLane(back_app, "unused:factory")
        lane._loop, lane._ready, lane._channel = asyncio.get_running_loop(), asyncio.Event(), front
        lane._ready.set()
        threading.Thread(target=lane._read, args=(front,), daemon=True).start()
        threading.Thread(target=serve_back, daemon=True).start()
        app = ForwardedClient(lane, ["10.0.0.0/24"])
        sent: list[Any] = []
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/api/v1/positions",
            "headers": [(b"x-forwarded-for", b"6.6.6.6, 203.0.113.5")],
            "client": PROXY,
            "server": ("127.0.0.1", 8000),
            "scheme": "http",
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"[]", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app(scope, receive, send)
        return int(sent[0]["status"])

    try:
        assert asyncio.run(run()) == 204
    finally:
        front.close()
        back.close()
    assert seen == [("203.0.113.5", 0)]
