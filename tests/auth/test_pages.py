"""The auth domain's pages: sign-in, the redirect of every page when signed out or with a bad cookie,
the post-login target, and the user form derived from the API model."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.testclient import TestClient

from tests.web.test_pages import LIST_PAGES, NEW_PAGES


def test_login_page_renders_with_security_headers(client: TestClient) -> None:
    r = client.get("/login")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert 'id="login-form"' in r.text
    assert 'name="password"' in r.text
    assert '<script type="module" src="/static/js/login.js">' in r.text
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "img-src 'self' data:;" in csp  # no tile server unless one is configured
    assert r.headers["x-frame-options"] == "DENY"
    assert "<script>" not in r.text  # no inline script anywhere: the CSP would block it


def test_pages_redirect_to_login_when_signed_out(client: TestClient) -> None:
    for path in ["/", *LIST_PAGES, *NEW_PAGES, "/persons/0000", "/sites?kind=base"]:
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303, path
        assert r.headers["location"] == "/login?next=" + quote(path, safe=""), path


def test_invalid_or_revoked_cookie_redirects(client: TestClient) -> None:
    client.cookies.set("hifazat_token", "not-a-real-token")
    r = client.get("/persons?q=li", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=" + quote("/persons?q=li", safe="")


def test_login_next_only_accepts_local_paths(admin_web: TestClient, client: TestClient) -> None:
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        r = client.get("/login", params={"next": evil})
        assert 'data-next="/"' in r.text, evil
    r = client.get("/login", params={"next": "/persons?q=a"})
    assert 'data-next="/persons?q=a"' in r.text
    # Already signed in: straight on to the target.
    r = admin_web.get("/login", params={"next": "/sites"}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/sites"
    r = admin_web.get("/login", params={"next": "//evil.example"}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_user_form_follows_the_api_model(admin_web: TestClient) -> None:
    r = admin_web.get("/users/new")
    assert 'data-type="multi"' in r.text
    assert 'value="auditor"' in r.text
