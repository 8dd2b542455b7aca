"""A partner sees nothing of incidents by default; an agreement that names incidents gives what its level
says — at `summary`, the summary fields only, and no filter or search answers a question about a field it
does not show (the no-oracle rule of auth/readable.py). What a partner may see of its nationals' incidents
in full (issue 19, item 6) is not built yet."""

from __future__ import annotations

from typing import Any

from tests.alerts.conftest import Scene
from tests.incidents.conftest import BASE, file, refused
from tests.incidents.test_lifecycle import act


def _agree(sc: Scene, **extra: Any) -> None:
    sc.post(
        "admin",
        "/api/v1/sharing-agreements",
        {
            "name": "Incidents for the embassy",
            "grantor_id": sc.world.agency["psc"],
            "grantee_id": sc.world.agency["embassy"],
            "entity_kinds": ["incidents"],
            **extra,
        },
    )


def test_nothing_by_default(scene: Scene, incident: dict[str, Any]) -> None:
    h = scene.h("liaison")
    assert scene.client.get(BASE, headers=h).json()["items"] == []
    for path in ("", "/timeline", "/timeline?format=csv"):
        refused(scene.client.get(f"{BASE}/{incident['id']}{path}", headers=h), 404)
    refused(act(scene, "liaison", incident["id"], "verify"), 403)
    refused(scene.client.post(f"{BASE}/{incident['id']}/notes", headers=h, json={"note": "?"}), 403)


def test_a_summary_agreement_shows_the_summary_only(scene: Scene, incident: dict[str, Any]) -> None:
    _agree(scene, level="summary")
    h = scene.h("liaison")
    got = scene.client.get(f"{BASE}/{incident['id']}", headers=h).json()
    assert got["view"] == "summary"
    assert got["actions"] == []
    assert (got["type"], got["status"], got["province"]) == ("insider_use_of_force", "reported", "PK-SD")
    for hidden in ("summary", "description", "involved", "casualties", "lat", "lon", "district"):
        assert got[hidden] is None, hidden
    assert scene.client.get(f"{BASE}/{incident['id']}/timeline", headers=h).json() == {"items": []}

    def ids(**params: Any) -> list[str]:
        return [i["id"] for i in scene.client.get(BASE, headers=h, params=params).json()["items"]]

    assert ids() == [incident["id"]]
    assert ids(type="insider_use_of_force") == [incident["id"]]  # a summary field: it may filter on it
    assert ids(q="gate") == []  # the description says "gate", the partner does not read it
    assert ids(q="Guard opened") == []  # nor the summary text
    assert scene.client.get(BASE, headers=scene.h("psc-operator"), params={"q": "gate"}).json()["items"]
    page = file(scene, summary="Second report")
    assert ids() == [page["id"], incident["id"]]
