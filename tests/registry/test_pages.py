"""The registry's pages rendered server-side: agency scoping, masking and redaction, escaping, cursor
pagination, forms derived from the API models, and the map page's extension scripts."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from hifazat.platform.composition import Domain, contribute
from tests.conftest import World
from tests.web.conftest import cookie_login


def test_missing_record_is_a_404_page(admin_web: TestClient) -> None:
    r = admin_web.get("/persons/01a00000-0000-7000-8000-000000000000")
    assert r.status_code == 404
    assert "person not found" in r.text
    assert r.headers["content-type"].startswith("text/html")


def test_other_agencies_persons_are_not_listed_and_operator_limits(
    world: World, make: Callable[..., dict[str, Any]]
) -> None:
    police = world.headers["police-admin"]
    psc = world.headers["psc-admin"]
    theirs = make(police, "persons", given_name="Hidden", family_name="Police", nationality="CN")
    ours = make(
        psc,
        "persons",
        given_name="Visible",
        family_name="Private",
        nationality="CN",
        passport_number="G55501234",
    )

    web = cookie_login(world.client, "psc-operator")
    r = web.get("/persons")
    assert r.status_code == 200
    assert ours["id"] in r.text
    assert "Visible Private" in r.text
    assert theirs["id"] not in r.text
    assert "Hidden" not in r.text
    r = web.get("/persons", params={"q": "Hidden"})
    assert "Hidden" not in r.text.replace('value="Hidden"', "")
    assert "Nothing found" in r.text
    # the detail page answers exactly like a record that does not exist
    r = web.get(f"/persons/{theirs['id']}")
    assert r.status_code == 404
    assert "person not found" in r.text
    # an operator sees passport numbers masked, edits own-agency records, has no admin pages
    r = web.get(f"/persons/{ours['id']}")
    assert r.status_code == 200
    assert "G55501234" not in r.text
    assert "******234" in r.text
    assert 'class="badge b-masked"' in r.text
    assert 'data-api="PATCH"' in r.text
    home = web.get("/").text
    assert 'href="/users"' not in home
    assert 'href="/audit"' not in home
    assert web.get("/users").status_code == 403


def test_summary_share_shows_redacted_fields(world: World, make: Callable[..., dict[str, Any]]) -> None:
    police = world.headers["police-admin"]
    person = make(
        police,
        "persons",
        given_name="Chen",
        family_name="Hua",
        nationality="CN",
        phone="+92 300 1234567",
        passport_number="P99887766",
    )
    r = world.client.post(
        "/api/v1/sharing-agreements",
        headers=police,
        json={
            "name": "Embassy summary",
            "grantor_id": world.agency["police"],
            "grantee_id": world.agency["embassy"],
            "entity_kinds": ["persons"],
            "filters": {"nationality": "CN"},
            "level": "summary",
        },
    )
    assert r.status_code == 201, r.text
    web = cookie_login(world.client, "liaison")
    listing = web.get("/persons").text
    assert "Chen Hua" in listing
    assert 'class="badge b-summary"' in listing
    r = web.get(f"/persons/{person['id']}")
    assert r.status_code == 200
    assert "+92 300 1234567" not in r.text
    assert "P99887766" not in r.text
    phone = re.search(r'<dd data-field="phone">(.*?)</dd>', r.text, re.S)
    assert phone
    assert 'class="badge b-redacted"' in phone.group(1)
    assert "summary level" in r.text
    assert 'data-api="PATCH"' not in r.text  # shared records are read-only
    assert web.get("/persons/new").status_code == 403  # a liaison registers nothing
    assert 'href="/persons/new"' not in listing


def test_names_are_escaped_everywhere(admin_web: TestClient, admin: dict[str, str], make: Any) -> None:
    evil = "<script>alert(1)</script>"
    person = make(
        admin, "persons", given_name=evil, family_name='"><img src=x onerror=alert(2)>', nationality="CN"
    )
    for path in ("/persons", f"/persons/{person['id']}", "/audit"):
        body = admin_web.get(path).text
        assert evil not in body, path
        assert "<img src=x" not in body, path
    body = admin_web.get(f"/persons/{person['id']}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in body  # inside the edit form too


def test_list_search_filters_and_cursor_pages(
    admin_web: TestClient, admin: dict[str, str], make: Callable[..., dict[str, Any]]
) -> None:
    ids = [
        make(admin, "persons", given_name=f"Worker{i}", family_name="Lin", nationality=nat)["id"]
        for i, nat in enumerate(["CN", "CN", "CN", "TR"])
    ]
    r = admin_web.get("/persons", params={"nationality": "cn", "limit": "2"})
    first = re.findall(r'<tr data-id="([^"]+)"', r.text)
    assert first == ids[:2]
    nxt = re.search(r'href="(/persons\?[^"]+)" rel="next"', r.text)
    assert nxt, "a next-page link"
    r = admin_web.get(nxt.group(1).replace("&amp;", "&"))
    assert re.findall(r'<tr data-id="([^"]+)"', r.text) == [ids[2]]  # TR filtered out, filter kept
    assert 'rel="next"' not in r.text
    assert "First page" in r.text
    r = admin_web.get("/persons", params={"q": "worker3"})
    assert re.findall(r'<tr data-id="([^"]+)"', r.text) == [ids[3]]
    r = admin_web.get("/persons", params={"cursor": "!!!"})
    assert r.status_code == 422
    assert "cursor" in r.text


def test_forms_follow_the_api_models(admin_web: TestClient) -> None:
    r = admin_web.get("/persons/new")
    assert 'data-api="POST" data-url="/api/v1/persons"' in r.text
    for name in (
        "given_name",
        "family_name",
        "nationality",
        "passport_number",
        "residence_site_id",
        "status",
    ):
        assert f'data-field="{name}"' in r.text, name
    assert '<option value="in_country" selected>' in r.text
    r = admin_web.get("/sites/new")
    assert 'data-type="shape"' in r.text
    assert 'data-error-for="geometry radius_m body"' in r.text
    assert '<option value="PK-SD">Sindh</option>' in r.text
    r = admin_web.get("/vehicles/new")
    assert '<option value="maintenance">' in r.text  # choices from the schema's pattern


def test_map_page_loads_scripts_other_domains_contribute(
    admin_web: TestClient, extra_domain: Callable[[Domain], None]
) -> None:
    from hifazat.web.map_layers import MAP_SCRIPTS

    url = "/static/js/live-devices.js"
    extra_domain(Domain("layers", contributions=(contribute(MAP_SCRIPTS, url, url),)))
    body = admin_web.get("/").text
    assert body.count('<script type="module" src="/static/js/live-devices.js"></script>') == 1
    assert body.index("map-page.js") < body.index("live-devices.js")  # after the map exists
