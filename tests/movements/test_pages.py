"""The movements pages: the list, one movement with its route and the caller's moves; hidden from others."""

from __future__ import annotations

from tests.movements.conftest import Fleet
from tests.web.conftest import cookie_login


def test_list_and_movement_pages(fleet: Fleet) -> None:
    mid = fleet.file().json()["id"]
    assert fleet.act(mid, "submit", "psc-admin").status_code == 200
    police = cookie_login(fleet.client, "police-operator")
    listing = police.get("/movements")
    assert listing.status_code == 200
    assert f'data-movement-id="{mid}"' in listing.text
    page = police.get(f"/movements/{mid}")
    assert page.status_code == 200
    assert 'data-action="approve"' in page.text
    assert "PK-SD:Hyderabad" in page.text
    assert '"LineString"' in page.text  # the route, for the map
    own = cookie_login(fleet.client, "psc-operator").get(f"/movements/{mid}").text
    assert 'data-action="cancel"' in own
    assert 'data-action="approve"' not in own
    stranger = cookie_login(fleet.client, "liaison")
    assert stranger.get(f"/movements/{mid}").status_code == 404
    assert f'data-movement-id="{mid}"' not in stranger.get("/movements").text
