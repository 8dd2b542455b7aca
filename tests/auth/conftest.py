"""Fixtures shared by the foundation's test packages (auth, audit, registry, security)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import admin_web, make

__all__ = ["admin_web", "login_as", "make"]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def login_as(client: TestClient) -> Callable[..., dict[str, str]]:
    def _login(username: str, password: str = PASSWORD) -> dict[str, str]:
        r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    return _login
