"""Demo data: the sites, protected persons, security units and vehicles, read from the CSV tables in
`demo/data/` (one record a line, easy to review and extend)."""

from __future__ import annotations

from hifazat.demo.specs import PersonSpec, SiteSpec, UnitSpec, VehicleSpec, read_table, site_spec

SITES: tuple[SiteSpec, ...] = tuple(site_spec(r) for r in read_table("sites.csv"))

PERSONS: tuple[PersonSpec, ...] = tuple(
    PersonSpec(
        r["given"],
        r["family"],
        r["nationality"],
        r["project"] or None,
        r["residence"],
        r["status"],
        r["notes"],
    )
    for r in read_table("persons.csv")
)

UNITS: tuple[UnitSpec, ...] = tuple(
    UnitSpec(r["call_sign"], r["agency"], r["kind"], int(r["strength"]), r["status"], r["base"])
    for r in read_table("units.csv")
)

VEHICLES: tuple[VehicleSpec, ...] = tuple(
    VehicleSpec(
        r["registration"],
        r["agency"],
        r["make_model"],
        r["armour"],
        int(r["seats"]),
        r["unit"] or None,
        r["status"],
    )
    for r in read_table("vehicles.csv")
)
