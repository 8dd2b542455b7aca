"""Login, tokens, lockout, throttling, logout, /me, deactivation and password policy."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from hifazat.auth import service as auth_service
from hifazat.auth.models import AccessToken, User
from hifazat.core.db import utcnow
from hifazat.platform.db import unit_of_work
from hifazat.security.ratelimit import SlidingWindowLimiter

PASSWORD = "correct-horse-battery"
TOKEN_URL = "/api/v1/auth/token"


def _token(client: TestClient, username: str, password: str) -> Any:
    return client.post(TOKEN_URL, data={"username": username, "password": password})


def _is_problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    assert body["title"]
    assert body["type"]
    return body


def _lockout_settings(monkeypatch: pytest.MonkeyPatch, failures: int = 3) -> None:
    from hifazat.config import reset_settings

    monkeypatch.setenv("HIFAZAT_LOGIN_MAX_FAILURES", str(failures))
    monkeypatch.setenv("HIFAZAT_LOGIN_WINDOW_SECONDS", "600")
    monkeypatch.setenv("HIFAZAT_LOGIN_LOCKOUT_SECONDS", "120")
    reset_settings()


def test_login_returns_exactly_the_oauth2_fields(client: TestClient) -> None:
    r = _token(client, "admin", PASSWORD)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 8 * 3600
    assert isinstance(body["access_token"], str)
    assert len(body["access_token"]) >= 32
    # The user name is case-insensitive; a second login yields a different token.
    r2 = _token(client, "ADMIN", PASSWORD)
    assert r2.status_code == 200
    assert r2.json()["access_token"] != body["access_token"]


def test_wrong_password_and_unknown_user_are_401_problems(client: TestClient) -> None:
    body = _is_problem(_token(client, "admin", "not-the-password"), 401)
    assert body["title"] == "Unauthorized"
    r = _token(client, "nobody-here", PASSWORD)
    body2 = _is_problem(r, 401)
    # The same answer for both, so user names are not revealed.
    assert body2["detail"] == body["detail"]
    assert r.headers["www-authenticate"] == "Bearer"


def test_missing_form_fields_and_bad_grant_are_problems(client: TestClient) -> None:
    body = _is_problem(client.post(TOKEN_URL, data={"username": "admin"}), 422)
    assert {"field": "password", "reason": body["errors"][0]["reason"]} in body["errors"]
    r = client.post(TOKEN_URL, data={"username": "admin", "password": PASSWORD, "grant_type": "client_cred"})
    body = _is_problem(r, 400)
    assert body["errors"][0]["field"] == "grant_type"


def test_repeated_failures_lock_then_unlock(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    _lockout_settings(monkeypatch, failures=3)
    for _ in range(2):
        _is_problem(_token(client, "admin", "wrong-password-1"), 401)
    # The third failure locks the account.
    _is_problem(_token(client, "admin", "wrong-password-1"), 401)
    r = _token(client, "admin", PASSWORD)  # right password, but locked
    body = _is_problem(r, 429)
    assert "locked" in body["detail"]
    retry = int(r.headers["retry-after"])
    assert 0 < retry <= 121
    with unit_of_work() as s:
        user = s.scalar(select(User).where(User.username == "admin"))
        assert user is not None
        assert user.locked_until is not None
        assert user.locked_until > utcnow() + timedelta(seconds=100)
        # Time passes: the lock expires.
        user.locked_until = utcnow() - timedelta(seconds=1)
    r = _token(client, "admin", PASSWORD)
    assert r.status_code == 200, r.text
    with unit_of_work() as s:
        user = s.scalar(select(User).where(User.username == "admin"))
        assert user is not None
        assert user.locked_until is None
        assert user.failed_logins == 0


def test_failures_outside_the_window_do_not_add_up(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _lockout_settings(monkeypatch, failures=2)
    _is_problem(_token(client, "admin", "wrong-password-1"), 401)
    with unit_of_work() as s:
        s.execute(update(User).values(first_failed_at=utcnow() - timedelta(seconds=3600)))
    _is_problem(_token(client, "admin", "wrong-password-1"), 401)  # counts as the first of a new window
    assert _token(client, "admin", PASSWORD).status_code == 200


def test_successful_login_resets_the_failure_count(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _lockout_settings(monkeypatch, failures=2)
    _is_problem(_token(client, "admin", "wrong-password-1"), 401)
    assert _token(client, "admin", PASSWORD).status_code == 200
    _is_problem(_token(client, "admin", "wrong-password-1"), 401)
    assert _token(client, "admin", PASSWORD).status_code == 200


def test_per_ip_throttle(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth_service, "login_ip_limiter", SlidingWindowLimiter(limit=3, window_seconds=60))
    for name in ("ghost-1", "ghost-2", "ghost-3"):
        _is_problem(_token(client, name, "whatever-password"), 401)
    r = _token(client, "admin", PASSWORD)
    _is_problem(r, 429)
    assert int(r.headers["retry-after"]) >= 1


def test_sliding_window_limiter_unit() -> None:
    lim = SlidingWindowLimiter(limit=2, window_seconds=10)
    assert lim.hit("a", now=0.0)
    assert lim.hit("a", now=1.0)
    assert not lim.hit("a", now=2.0)
    assert lim.hit("b", now=2.0)  # keys are independent
    assert lim.retry_after("a", now=2.0) == 9
    assert lim.hit("a", now=10.5)  # the first hit left the window
    assert lim.retry_after("nobody") == 0
    small = SlidingWindowLimiter(limit=1, window_seconds=10, max_keys=2)
    for k in ("x", "y", "z"):
        assert small.hit(k, now=0.0)
    assert len(small._hits) <= 2


def test_tokens_are_stored_only_as_sha256(client: TestClient, settings: Any) -> None:
    token = _token(client, "admin", PASSWORD).json()["access_token"]
    if settings.is_sqlite:
        db = settings.effective_database_url.split("///", 1)[1]
        raw = b"".join(Path(p).read_bytes() for p in (db, db + "-wal") if os.path.exists(p))
        assert hashlib.sha256(token.encode()).hexdigest().encode() in raw
        assert token.encode() not in raw
    with unit_of_work() as s:
        rows = s.scalars(select(AccessToken)).all()
        assert len(rows) == 1
        assert rows[0].token_hash == hashlib.sha256(token.encode()).hexdigest()
        for row in rows:
            for col in AccessToken.__table__.columns:
                assert getattr(row, col.key) != token
    # Nor anywhere in the audit log.
    with unit_of_work() as s:
        from hifazat.platform.audit.models import AuditEntry

        for e in s.scalars(select(AuditEntry)):
            assert token not in str(e.before) + str(e.after)


def test_expired_token_is_401(client: TestClient) -> None:
    token = _token(client, "admin", PASSWORD).json()["access_token"]
    h = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=h).status_code == 200
    with unit_of_work() as s:
        s.execute(update(AccessToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    _is_problem(client.get("/api/v1/me", headers=h), 401)


def test_no_or_garbage_token_is_401(client: TestClient) -> None:
    _is_problem(client.get("/api/v1/me"), 401)
    _is_problem(client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"}), 401)
    _is_problem(client.get("/api/v1/me", headers={"Authorization": "Basic YWRtaW46eA=="}), 401)


def test_logout_revokes_only_that_token(client: TestClient) -> None:
    t1 = _token(client, "admin", PASSWORD).json()["access_token"]
    t2 = _token(client, "admin", PASSWORD).json()["access_token"]
    h1, h2 = ({"Authorization": f"Bearer {t}"} for t in (t1, t2))
    r = client.post("/api/v1/auth/logout", headers=h1)
    assert r.status_code == 204
    _is_problem(client.get("/api/v1/me", headers=h1), 401)
    _is_problem(client.post("/api/v1/auth/logout", headers=h1), 401)
    assert client.get("/api/v1/me", headers=h2).status_code == 200


def test_cookie_login_for_the_dashboard(client: TestClient) -> None:
    r = client.post(
        TOKEN_URL + "?set_cookie=true",
        data={"username": "admin", "password": PASSWORD},
        headers={"Origin": "http://testserver"},
    )
    assert r.status_code == 200
    assert "httponly" in r.headers["set-cookie"].lower()
    assert client.get("/api/v1/me").status_code == 200  # the client kept the cookie
    client.cookies.clear()


def test_me(client: TestClient, world: Any) -> None:
    r = client.get("/api/v1/me", headers=world.headers["police-operator"])
    assert r.status_code == 200
    me = r.json()
    assert me["username"] == "police-operator"
    assert me["roles"] == ["operator"]
    assert me["agency"]["id"] == world.agency["police"]
    assert me["agency"]["kind"] == "provincial_police"
    assert me["jurisdiction"] == ["PK-SD"]
    assert me["sharing"] == []
    assert "password_hash" not in r.text


def _user_id(client: TestClient, headers: dict[str, str], username: str) -> str:
    r = client.get(f"/api/v1/users?q={username}", headers=headers)
    assert r.status_code == 200
    return str(next(u["id"] for u in r.json()["items"] if u["username"] == username))


def test_deactivated_user_cannot_log_in_and_old_tokens_stop(
    client: TestClient, world: Any, admin: dict[str, str]
) -> None:
    old = world.headers["psc-operator"]
    uid = _user_id(client, admin, "psc-operator")
    r = client.patch(f"/api/v1/users/{uid}", headers=world.headers["psc-admin"], json={"active": False})
    assert r.status_code == 200, r.text
    assert r.json()["active"] is False
    _is_problem(client.get("/api/v1/me", headers=old), 401)
    _is_problem(_token(client, "psc-operator", PASSWORD), 401)
    r = client.patch(f"/api/v1/users/{uid}", headers=world.headers["psc-admin"], json={"active": True})
    assert r.status_code == 200
    assert _token(client, "psc-operator", PASSWORD).status_code == 200
    _is_problem(client.get("/api/v1/me", headers=old), 401)  # revoked tokens stay revoked


def test_deleted_user_cannot_log_in(client: TestClient, world: Any, admin: dict[str, str]) -> None:
    uid = _user_id(client, admin, "psc-operator")
    old = world.headers["psc-operator"]
    assert client.delete(f"/api/v1/users/{uid}", headers=admin).status_code == 204
    _is_problem(client.get("/api/v1/me", headers=old), 401)
    _is_problem(_token(client, "psc-operator", PASSWORD), 401)
    _is_problem(client.get(f"/api/v1/users/{uid}", headers=admin), 404)


def test_password_change_revokes_tokens(client: TestClient, world: Any, admin: dict[str, str]) -> None:
    uid = _user_id(client, admin, "psc-operator")
    old = world.headers["psc-operator"]
    r = client.patch(f"/api/v1/users/{uid}", headers=admin, json={"password": "a-brand-new-secret"})
    assert r.status_code == 200, r.text
    _is_problem(client.get("/api/v1/me", headers=old), 401)
    _is_problem(_token(client, "psc-operator", PASSWORD), 401)
    assert _token(client, "psc-operator", "a-brand-new-secret").status_code == 200


@pytest.mark.parametrize(
    ("password", "reason"),
    [("short", "at least 10"), (" padded-password ", "whitespace")],
)
def test_password_policy_is_a_problem_with_field(
    client: TestClient, admin: dict[str, str], initialised: Any, password: str, reason: str
) -> None:
    body = {
        "username": "new-user",
        "password": password,
        "full_name": "New User",
        "agency_id": initialised.agency_id,
        "roles": ["operator"],
    }
    p = _is_problem(client.post("/api/v1/users", headers=admin, json=body), 422)
    assert p["errors"][0]["field"] == "password"
    assert reason in p["errors"][0]["reason"]
    assert password not in str(p)
    uid = initialised.admin_id
    p = _is_problem(client.patch(f"/api/v1/users/{uid}", headers=admin, json={"password": password}), 422)
    assert p["errors"][0]["field"] == "password"
    assert _token(client, "admin", PASSWORD).status_code == 200


def test_login_attempts_are_audited(client: TestClient, login_as: Callable[..., dict[str, str]]) -> None:
    _token(client, "admin", "wrong-password-1")
    h = login_as("admin")
    r = client.get("/api/v1/audit?entity=users", headers=h)
    actions = [e["action"] for e in r.json()["items"]]
    assert "login_failed" in actions
    assert "login" in actions
    for e in r.json()["items"]:
        assert "wrong-password" not in str(e)
