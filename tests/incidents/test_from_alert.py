"""An incident created from an alert: its facts prefilled (type by the alert's kind, position, site, time,
severity, title), the alert's timeline merged into the incident's, one incident per alert."""

from __future__ import annotations

import csv
import io

from tests.alerts.conftest import KHI, Scene
from tests.incidents.conftest import BASE, refused, stranger


def raise_alert(sc: Scene) -> dict[str, object]:
    return sc.post(
        "psc-operator",
        "/api/v1/alerts",
        {
            "kind": "attack",
            "lat": KHI[0],
            "lon": KHI[1],
            "site_id": sc.ids["residence"],
            "title": "Shots at the residence gate",
            "description": "Guard firing",
        },
    )


def test_prefill_from_the_alert(scene: Scene) -> None:
    alert = raise_alert(scene)
    r = scene.client.post(BASE, headers=scene.h("psc-operator"), json={"alert_id": alert["id"]})
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["type"] == "armed_attack"
    assert got["severity"] == alert["severity"]
    assert got["summary"] == "Shots at the residence gate"
    assert got["description"] == "Guard firing"
    assert (got["lat"], got["lon"], got["site_id"]) == (KHI[0], KHI[1], scene.ids["residence"])
    assert got["occurred_at"] == alert["created_at"]
    assert got["province"] == "PK-SD"
    listed = scene.client.get(BASE, headers=scene.h("psc-operator"), params={"alert_id": alert["id"]})
    assert [i["id"] for i in listed.json()["items"]] == [got["id"]]
    # One incident per alert: the second answers 409 naming the first.
    again = scene.client.post(BASE, headers=scene.h("psc-operator"), json={"alert_id": alert["id"]})
    refused(again, 409, "alert_id")
    assert again.json()["incident_id"] == got["id"]


def test_given_fields_win_over_the_alert(scene: Scene) -> None:
    alert = raise_alert(scene)
    got = scene.post(
        "psc-operator",
        BASE,
        {"alert_id": alert["id"], "type": "insider_use_of_force", "summary": "Insider shooting", "lat": None},
    )
    assert (got["type"], got["summary"]) == ("insider_use_of_force", "Insider shooting")
    assert got["lat"] is None
    assert got["province"] == "PK-SD"  # from the site now


def test_timeline_merges_the_alert_and_exports_csv(scene: Scene) -> None:
    alert = raise_alert(scene)
    scene.act("psc-operator", str(alert["id"]), "acknowledge")
    incident = scene.post("psc-operator", BASE, {"alert_id": alert["id"]})
    url = f"{BASE}/{incident['id']}/timeline"
    items = scene.client.get(url, headers=scene.h("psc-operator")).json()["items"]
    shown = [(e["source"], e["action"]) for e in items if e["action"] in ("created", "acknowledge")]
    assert shown == [("alert", "created"), ("alert", "acknowledge"), ("incident", "created")]
    assert [e["at"] for e in items] == sorted(e["at"] for e in items)
    assert items[-1]["data"] == {"alert_id": alert["id"]}
    only = scene.client.get(url, headers=scene.h("psc-operator"), params={"source": "incident"}).json()
    assert [e["action"] for e in only["items"]] == ["created"]
    r = scene.client.get(url, headers=scene.h("psc-operator"), params={"format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["at", "source", "action", "actor", "from_status", "to_status", "note"]
    assert [row[1:3] for row in rows[1:]] == [[e["source"], e["action"]] for e in items]
    refused(scene.client.get(url, headers=scene.h("psc-operator"), params={"format": "xml"}), 422)


def test_an_alert_the_caller_cannot_see_is_unknown(scene: Scene) -> None:
    alert = raise_alert(scene)
    refused(scene.client.post(BASE, headers=scene.h("liaison"), json={"alert_id": alert["id"]}), 403)
    punjab = stranger(scene)
    hidden = scene.client.post(BASE, headers=punjab, json={"alert_id": alert["id"]})
    refused(hidden, 422, "alert_id")
    missing = scene.client.post(
        BASE, headers=punjab, json={"alert_id": "01900000-0000-7000-8000-000000000000"}
    )
    refused(missing, 422, "alert_id")
    assert hidden.json()["detail"] == missing.json()["detail"]  # existence is not told
