"""Fixtures for the dashboard pages: TestClients signed in through the session cookie."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD

FETCH = {"X-Requested-With": "fetch"}
SAME_ORIGIN = {"Origin": "http://testserver"}  # as the login page's script sends it (auth/origin.py)


def cookie_login(client: TestClient, username: str, password: str = ADMIN_PASSWORD) -> TestClient:
    """A client of the same app holding the dashboard session cookie of `username`."""
    c = TestClient(client.app, raise_server_exceptions=False)
    r = c.post(
        "/api/v1/auth/token?set_cookie=true",
        data={"username": username, "password": password},
        headers=SAME_ORIGIN,
    )
    assert r.status_code == 200, r.text
    assert "hifazat_token" in c.cookies
    return c


@pytest.fixture
def admin_web(client: TestClient) -> TestClient:
    return cookie_login(client, "admin")


@pytest.fixture
def make(client: TestClient) -> Callable[..., dict[str, Any]]:
    """Create a record through the API with the given bearer headers; returns its JSON."""

    def _make(headers: dict[str, str], entity: str, /, **body: Any) -> dict[str, Any]:
        r = client.post(f"/api/v1/{entity}", headers=headers, json=body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    return _make


def circle(lon: float, lat: float, radius: float = 300.0) -> dict[str, Any]:
    return {"geometry": {"type": "Point", "coordinates": [lon, lat]}, "radius_m": radius}
