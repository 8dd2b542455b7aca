"""CSRF defence for cookie sessions, logout, and the Content-Security-Policy built from the tile setting."""

from __future__ import annotations

from fastapi.testclient import TestClient

from hifazat.config import Settings
from hifazat.web.templating import content_security_policy
from tests.web.conftest import FETCH


def test_cookie_writes_need_the_fetch_header(admin_web: TestClient, admin: dict[str, str]) -> None:
    body = {"given_name": "A", "family_name": "B", "nationality": "CN"}
    r = admin_web.post("/api/v1/persons", json=body)
    assert r.status_code == 403
    assert r.headers["content-type"] == "application/problem+json"
    assert "X-Requested-With" in r.json()["detail"]
    assert admin_web.get("/api/v1/persons").json()["items"] == []  # nothing was written
    assert admin_web.post("/api/v1/persons", json=body, headers=FETCH).status_code == 201
    # reads need no header; bearer-token clients are not affected
    assert admin_web.get("/api/v1/persons").status_code == 200
    bearer = TestClient(admin_web.app)
    assert bearer.post("/api/v1/persons", json=body, headers=admin).status_code == 201


def test_logout_revokes_the_session(admin_web: TestClient) -> None:
    assert admin_web.get("/", follow_redirects=False).status_code == 200
    r = admin_web.post("/logout", headers={"Origin": "http://evil.example"}, follow_redirects=False)
    assert r.status_code == 403
    assert admin_web.get("/", follow_redirects=False).status_code == 200  # still signed in
    token = admin_web.cookies["hifazat_token"]
    r = admin_web.post("/logout", headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login"
    assert "hifazat_token" not in admin_web.cookies
    admin_web.cookies.set("hifazat_token", token)  # the old token no longer works anywhere
    assert admin_web.get("/", follow_redirects=False).status_code == 303
    assert admin_web.get("/api/v1/me").status_code == 401


def test_csp_allows_the_configured_tile_server() -> None:
    s = Settings(tile_url="https://{s}.tiles.example.org:8443/{z}/{x}/{y}.png")
    csp = content_security_policy(s)
    assert "img-src 'self' data: https://*.tiles.example.org:8443;" in csp
    assert "connect-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    local = content_security_policy(Settings(tile_url="/tiles/{z}/{x}/{y}.png"))
    assert "img-src 'self' data:;" in local
    odd = content_security_policy(Settings(tile_url="javascript:alert(1)"))
    assert "javascript" not in odd


def test_static_assets_are_local(client: TestClient) -> None:
    for path in (
        "/static/leaflet/leaflet.js",
        "/static/leaflet/leaflet.css",
        "/static/leaflet/images/marker-icon.png",
        "/static/js/map.js",
        "/static/js/app.js",
        "/static/css/app.css",
        "/static/geo/pakistan.geojson",
    ):
        assert client.get(path).status_code == 200, path
