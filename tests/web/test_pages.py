"""The page shell around every dashboard page: the header (user, agency, logout), the nav filtered by role,
the map's tiles and local Leaflet, and the security headers on every list, create and detail page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD
from tests.web.conftest import SAME_ORIGIN, circle

LIST_PAGES = ["/persons", "/sites", "/projects", "/units", "/vehicles", "/agencies", "/users", "/audit"]
NEW_PAGES = ["/persons/new", "/sites/new", "/projects/new", "/units/new", "/vehicles/new"]


def test_every_page_renders_for_an_admin(
    admin_web: TestClient, admin: dict[str, str], make: Callable[..., dict[str, Any]]
) -> None:
    project = make(admin, "projects", name="Karachi Coastal Power", code="KCP", province="PK-SD")
    site = make(
        admin,
        "sites",
        name="KCP camp",
        kind="residence",
        province="PK-SD",
        project_id=project["id"],
        **circle(67.01, 24.86),
    )
    person = make(
        admin,
        "persons",
        given_name="Wei",
        family_name="Zhang",
        nationality="CN",
        passport_number="E1234567",
        residence_site_id=site["id"],
        project_id=project["id"],
    )
    unit = make(admin, "units", call_sign="SPU-1", kind="police_protection", base_site_id=site["id"])
    vehicle = make(admin, "vehicles", registration="BKA 123", armoured_level="B6", unit_id=unit["id"])
    me = admin_web.get("/api/v1/me").json()

    r = admin_web.get("/")
    assert r.status_code == 200
    assert 'id="map"' in r.text
    assert "/static/leaflet/leaflet.js" in r.text
    assert 'data-tile-url=""' in r.text  # no tiles unless configured: only the shipped base map
    assert "img-src 'self' data:;" in r.headers["content-security-policy"]
    assert "cdn" not in r.text.lower()
    assert "unpkg" not in r.text
    # header: user, agency, logout; nav filtered by role
    assert f'data-testid="user" href="/users/{me["id"]}">admin<' in r.text
    assert "MoI" in r.text
    assert 'action="/logout"' in r.text
    assert 'href="/audit"' in r.text
    assert 'href="/users"' in r.text

    for path in [*LIST_PAGES, *NEW_PAGES, "/agencies/new", "/users/new"]:
        r = admin_web.get(path)
        assert r.status_code == 200, path
        assert r.headers["content-security-policy"].startswith("default-src 'self'")
    details = {
        f"/persons/{person['id']}": "Wei Zhang",
        f"/sites/{site['id']}": "KCP camp",
        f"/projects/{project['id']}": "Karachi Coastal Power",
        f"/units/{unit['id']}": "SPU-1",
        f"/vehicles/{vehicle['id']}": "BKA 123",
        f"/agencies/{me['agency']['id']}": "Ministry of Interior",
        f"/users/{me['id']}": "admin",
    }
    for path, title in details.items():
        r = admin_web.get(path)
        assert r.status_code == 200, path
        assert f"<h1>{title}</h1>" in r.text, path
        assert 'data-api="PATCH"' in r.text, path  # the admin may edit each of these
    # references shown by name and linked; the admin sees the passport number in full
    r = admin_web.get(f"/persons/{person['id']}")
    assert f'<a href="/sites/{site["id"]}">KCP camp</a>' in r.text
    assert "E1234567" in r.text
    r = admin_web.get("/persons")
    assert f'<a href="/persons/{person["id"]}">Wei Zhang</a>' in r.text
    assert f'<a href="/projects/{project["id"]}">Karachi Coastal Power</a>' in r.text


def test_a_configured_tile_server_reaches_the_map_and_the_csp(client: TestClient) -> None:
    """Tiles are opt-in: with HIFAZAT_TILE_URL set, the map pages get the template and the CSP its host."""
    from hifazat.app import create_app  # the app under other settings than the fixture's
    from hifazat.config import get_settings

    url = "https://tiles.example.org/{z}/{x}/{y}.png"
    tiled = get_settings().model_copy(update={"tile_url": url, "tile_attribution": "&copy; Example"})
    with TestClient(create_app(tiled), raise_server_exceptions=False) as c:
        r = c.get("/login")
        assert "img-src 'self' data: https://tiles.example.org;" in r.headers["content-security-policy"]
        r = c.post(
            "/api/v1/auth/token?set_cookie=true",
            data={"username": "admin", "password": ADMIN_PASSWORD},
            headers=SAME_ORIGIN,
        )
        assert r.status_code == 200, r.text
        r = c.get("/")
        assert f'data-tile-url="{url}"' in r.text
