"""Test helpers: cheap argon2 parameters (same algorithm) so logins do not dominate the run time."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from hifazat.security import passwords

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def login_as(client: TestClient) -> Callable[..., dict[str, str]]:
    def _login(username: str, password: str = PASSWORD) -> dict[str, str]:
        r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    return _login
