"""Login CSRF (issue 18.10): a cookie login is accepted only from this server's own origin or a configured
one; a bearer-token login without the cookie is unaffected."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from hifazat.config import reset_settings

PASSWORD = "correct-horse-battery"
COOKIE_LOGIN = "/api/v1/auth/token?set_cookie=true"
CREDENTIALS = {"username": "admin", "password": PASSWORD}


def _refused(r: Any) -> str:
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "set-cookie" not in r.headers
    return str(r.json()["detail"])


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Origin": "https://evil.example"}, "https://evil.example"),
        ({"Origin": "null"}, "null"),
        ({"Referer": "https://evil.example/phish?x=1"}, "https://evil.example"),
        ({"Origin": "https://testserver"}, "https://testserver"),  # our host, another scheme
        ({}, "no Origin or Referer"),
    ],
)
def test_a_foreign_or_unnamed_origin_is_refused(
    client: TestClient, headers: dict[str, str], reason: str
) -> None:
    detail = _refused(client.post(COOKIE_LOGIN, data=CREDENTIALS, headers=headers))
    assert reason in detail
    assert "hifazat_token" not in client.cookies


def test_a_refused_cookie_login_is_not_a_failed_attempt(client: TestClient) -> None:
    # Refused before the password is looked at: a foreign page can neither probe nor lock an account.
    for _ in range(6):
        _refused(client.post(COOKIE_LOGIN, data={**CREDENTIALS, "password": "wrong"}, headers={}))
    assert client.post("/api/v1/auth/token", data=CREDENTIALS).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://testserver"},
        {"Origin": "HTTP://TestServer:80"},
        {"Referer": "http://testserver/login?next=/"},
    ],
)
def test_the_own_origin_signs_in(client: TestClient, headers: dict[str, str]) -> None:
    r = client.post(COOKIE_LOGIN, data=CREDENTIALS, headers=headers)
    assert r.status_code == 200, r.text
    assert "hifazat_token" in client.cookies
    assert client.get("/api/v1/me").status_code == 200


def test_a_configured_origin_signs_in(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIFAZAT_ALLOWED_ORIGINS", '["https://control.example/"]')
    reset_settings()
    assert client.post(
        COOKIE_LOGIN, data=CREDENTIALS, headers={"Origin": "https://control.example"}
    ).is_success
    _refused(client.post(COOKIE_LOGIN, data=CREDENTIALS, headers={"Origin": "https://evil.example"}))


def test_bearer_login_without_cookie_ignores_origin(client: TestClient) -> None:
    for headers in ({"Origin": "https://evil.example"}, {}):
        r = client.post("/api/v1/auth/token", data=CREDENTIALS, headers=headers)
        assert r.status_code == 200, r.text
        assert "set-cookie" not in r.headers


def test_logout_form_judges_origin_the_same_way(client: TestClient) -> None:
    assert client.post(COOKIE_LOGIN, data=CREDENTIALS, headers={"Origin": "http://testserver"}).is_success
    evil = {"Referer": "https://evil.example/page"}
    assert client.post("/logout", headers=evil, follow_redirects=False).status_code == 403
    assert client.get("/api/v1/me").status_code == 200  # still signed in
    assert client.post("/logout", follow_redirects=False).status_code == 303  # SameSite=Strict guards
    assert client.get("/api/v1/me").status_code == 401


def test_the_login_form_has_no_second_way_in(client: TestClient) -> None:
    # The form's script posts to the token endpoint above; a post to /login itself signs no one in.
    r = client.post("/login", data=CREDENTIALS, headers={"Origin": "https://evil.example"})
    assert r.status_code == 405
    assert "set-cookie" not in r.headers
    assert "/api/v1/auth/token?set_cookie=true" in client.get("/static/js/login.js").text
