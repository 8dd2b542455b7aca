"""The records the authorisation matrix points at. The registry's come from the demo scenario; the later
domains' (devices, zones, escorts, alerts, polls, webhooks, escalation policies) are created here through
the API by their owners' demo logins, each at its owner's place, since the scenario holds none of them.

A specimen is named by group and key: `("sites", "punjab")` is a site Punjab SPU owns, `("persons",
"LHR-OLMT")` a person of the Lahore project (every demo person belongs to the project company)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from hifazat.auth.models import Agency, SharingAgreement, User
from hifazat.demo.data_organisations import AGENCIES
from hifazat.personnel.models import Licence, Personnel
from hifazat.platform.db import unit_of_work
from hifazat.registry.models import Person, Project, Site, Unit, Vehicle

Specimens = dict[tuple[str, str], str]

# The demo's agency keys, by the names the database knows them by (the ministry itself is "moi").
AGENCY_KEY = {a.name: a.key for a in AGENCIES}
# Who creates the later domains' specimens, and where they stand (lat, lon).
MAKERS = {
    "company": ("company.security", 24.7912, 67.3618),
    "sindh": ("sindh.spu", 24.8138, 67.0300),
    "punjab": ("punjab.spu", 31.5204, 74.3587),
    "shield": ("shield.manager", 24.7850, 67.3694),
}


def _key(agency: Agency) -> str:
    return AGENCY_KEY.get(agency.name, "moi")


def from_demo() -> Specimens:
    """One record per owning agency of each registry kind (one person and project per project code),
    and the agencies, users and agreements themselves."""
    out: Specimens = {}
    with unit_of_work(readonly=True) as s:
        agencies = {a.id: a for a in s.scalars(select(Agency))}
        for a in agencies.values():
            out[("agencies", _key(a))] = a.id
        for model, group in ((Site, "sites"), (Unit, "units"), (Vehicle, "vehicles"), (User, "users")):
            rows = list(s.scalars(select(model).order_by(model.id)))
            # An off-duty unit cannot be dispatched, so it is never the specimen while its agency has
            # another (ids made in the same millisecond are ordered at random: "the first" alone varies).
            rows.sort(key=lambda row: isinstance(row, Unit) and row.status == "off_duty")
            for row in rows:
                out.setdefault((group, _key(agencies[row.agency_id])), row.id)
        projects = {p.id: p for p in s.scalars(select(Project))}
        for p in projects.values():
            out[("projects", p.code or p.id)] = p.id
        for person in s.scalars(select(Person).order_by(Person.id)):
            code = projects[person.project_id].code if person.project_id else "none"
            out.setdefault(("persons", code or "none"), person.id)
        # personnel: one person per employer; each company's provincial licence (seen in its province)
        for guard in s.scalars(select(Personnel).order_by(Personnel.id)):
            out.setdefault(("personnel", _key(agencies[guard.agency_id])), guard.id)
        provincial = select(Licence).where(Licence.kind == "provincial").order_by(Licence.id)
        for lic in s.scalars(provincial):
            out.setdefault(("licences", _key(agencies[lic.agency_id])), lic.id)
        for ag in s.scalars(select(SharingAgreement).order_by(SharingAgreement.id)):
            grantor, grantee = _key(agencies[ag.grantor_id]), _key(agencies[ag.grantee_id])
            out.setdefault(("agreements", f"{grantor}>{grantee}"), ag.id)
    return out


def duties(client: TestClient, headers: dict[str, dict[str, str]], found: Specimens) -> Specimens:
    """One unarmed duty of each company's specimen guard at a site of its province (the duty's scope is
    the employer and the site's province, as the person's is)."""
    out: Specimens = {}
    for key, user, site in (
        ("shield", "shield.manager", "sindh"),
        ("sentinel", "sentinel.manager", "punjab"),
    ):
        body = {
            "personnel_id": found[("personnel", key)],
            "kind": "site_post",
            "site_id": found[("sites", site)],
            "armed": False,
            "starts_at": "2030-06-01T08:00:00Z",
            "ends_at": "2030-06-01T16:00:00Z",
        }
        out[("duties", key)] = _post(client, headers[user], "/api/v1/duties", body)
    return out


def _post(client: TestClient, headers: dict[str, str], path: str, body: dict[str, Any]) -> str:
    r = client.post(path, headers=headers, json=body)
    assert r.status_code == 201, f"{path}: {r.status_code} {r.text}"
    return str(r.json()["id"])


def square(lat: float, lon: float, d: float = 0.01) -> dict[str, Any]:
    ring = [
        [lon - d, lat - d],
        [lon + d, lat - d],
        [lon + d, lat + d],
        [lon - d, lat + d],
        [lon - d, lat - d],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def make(client: TestClient, headers: dict[str, dict[str, str]], found: Specimens) -> Specimens:
    """Create the later domains' specimens, one per maker agency, and one user in every agency that is
    none of the demo logins (a login reading itself is another rule than reading a colleague)."""
    out: Specimens = {}
    for (group, key), agency_id in found.items():
        if group == "agencies":
            out[("users", key)] = _post(
                client,
                headers["admin"],
                "/api/v1/users",
                {
                    "username": f"specimen.{key}",
                    "password": "specimen-password-1",
                    "full_name": f"Specimen of {key}",
                    "agency_id": agency_id,
                    "roles": ["responder"],
                },
            )
    person_of = {"company": "PQ-CFPP", "sindh": "PQ-CFPP", "punjab": "LHR-OLMT", "shield": "PQ-CFPP"}
    for key, (user, lat, lon) in MAKERS.items():
        h = headers[user]
        person = found[("persons", person_of[key])]
        out[("devices", key)] = _post(client, h, "/api/v1/devices", {"kind": "phone", "name": f"{key} phone"})
        out[("zones", key)] = _post(
            client,
            h,
            "/api/v1/zones",
            {"name": f"{key} zone", "kind": "restricted", "geometry": square(lat, lon)},
        )
        out[("alerts", key)] = _post(
            client,
            h,
            "/api/v1/alerts",
            {"kind": "suspicious_activity", "lat": lat, "lon": lon, "title": f"{key} report"},
        )
        out[("polls", key)] = _post(client, h, "/api/v1/polls", {"person_ids": [person]})
        out[("incidents", key)] = _post(
            client,
            h,
            "/api/v1/incidents",
            {"type": "crime", "lat": lat, "lon": lon, "summary": f"{key} incident"},
        )
        case = _post(
            client, h, "/api/v1/cases", {"title": f"{key} case", "incident_ids": [out[("incidents", key)]]}
        )
        out[("cases", key)] = case
        owner = found[("agencies", key)]
        for group, path, body in (
            ("case_tasks", "tasks", {"title": f"{key} task"}),
            ("case_milestones", "milestones", {"kind": "other", "title": f"{key} milestone"}),
            (
                "case_actions",
                "corrective-actions",
                {"kind": "corrective", "description": key, "owner_agency_id": owner},
            ),
        ):
            out[(group, key)] = _post(client, h, f"/api/v1/cases/{case}/{path}", body)
        unit = found.get(("units", key))
        if unit is not None:
            out[("escorts", key)] = _post(
                client, h, "/api/v1/escorts", {"person_id": person, "unit_id": unit}
            )
            alert = out[("alerts", key)]
            r = client.post(f"/api/v1/alerts/{alert}/assignments", headers=h, json={"unit_ids": [unit]})
            assert r.status_code == 201, r.text
            out[("assignments", key)] = str(r.json()["items"][0]["id"])
    # Webhooks and escalation policies are an admin's: the agencies with an admin among the demo logins.
    for key, user in (("company", "company.security"), ("shield", "shield.manager"), ("moi", "admin")):
        out[("webhooks", key)] = _post(
            client,
            headers[user],
            "/api/v1/webhooks",
            {"name": f"{key} hook", "url": f"https://{key}.example/hook"},
        )
        out[("escalation_policies", key)] = _post(
            client,
            headers[user],
            "/api/v1/escalation-policies",
            {
                "name": f"{key} policy",
                "levels": [{"timeout_s": 300, "targets": [{"kind": "role", "role": "operator"}]}],
            },
        )
    out.update(duties(client, headers, found))
    return out
