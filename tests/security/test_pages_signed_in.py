"""Every dashboard page asks for a signed-in session: without one it sends the browser to /login and
shows nothing; with the admin's session cookie each page without a record in its path renders."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD
from tests.security.conftest import DemoWorld
from tests.security.matrix import PAGES

MISSING_ID = "01900000-0000-7000-8000-000000000000"


def _url(page: str) -> str:
    return page.format(**{p.split("}")[0]: MISSING_ID for p in page.split("{")[1:]})


@pytest.mark.parametrize("page", [p for p in PAGES if p != "/login"])
def test_a_page_without_a_session_sends_to_login(demo_world: DemoWorld, page: str) -> None:
    anonymous = TestClient(demo_world.client.app, raise_server_exceptions=False, follow_redirects=False)
    r = anonymous.get(_url(page))
    assert r.status_code in (302, 303, 307), (page, r.status_code)
    assert r.headers["location"].startswith("/login"), r.headers["location"]
    # A bearer token is no session: pages are for the dashboard's cookie only.
    r = anonymous.get(_url(page), headers=demo_world.headers["admin"])
    assert r.status_code in (302, 303, 307), (page, r.status_code)


def test_pages_render_for_a_signed_in_admin(demo_world: DemoWorld) -> None:
    c = TestClient(demo_world.client.app, raise_server_exceptions=False, follow_redirects=False)
    r = c.post(
        "/api/v1/auth/token?set_cookie=true",
        data={"username": "admin", "password": ADMIN_PASSWORD},
        headers={"Origin": "http://testserver"},  # a cookie login comes from our own page
    )
    assert r.status_code == 200
    for page in PAGES:
        r = c.get(_url(page))
        if "{" in page:
            assert r.status_code == 404, (page, r.status_code)  # no such record, as for the API
        elif page == "/login":
            assert r.status_code == 303, r.status_code  # already signed in
        else:
            assert r.status_code == 200, (page, r.status_code)
