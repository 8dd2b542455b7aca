"""The shipped districts, cities and roads: valid, inside Pakistan, and consistent with the provinces."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from hifazat import geodata
from hifazat.core.places import place_of, province_shapes

DEMO_SITES = Path(__file__).resolve().parents[2] / "src/hifazat/demo/data/sites.csv"


def test_districts_tile_their_province() -> None:
    provinces = province_shapes()
    by_province: dict[str, list[object]] = {}
    for f in geodata.load(geodata.DISTRICTS)["features"]:
        geom = shape(f["geometry"])
        assert geom.is_valid, f["properties"]["name"]
        assert not geom.is_empty, f["properties"]["name"]
        by_province.setdefault(f["properties"]["province"], []).append(geom)
    assert set(by_province) == set(provinces)
    for code, parts in by_province.items():
        union = unary_union(parts)
        area = provinces[code].area
        # Rounded to 1e-4 degrees: gaps and overlaps stay below a thousandth of the province.
        assert abs(union.area - area) < area * 1e-3, code
        assert abs(sum(p.area for p in parts) - union.area) < area * 1e-3, f"{code}: districts overlap"  # type: ignore[attr-defined]


def test_district_names_are_unique_within_a_province() -> None:
    seen: set[tuple[str, str]] = set()
    for f in geodata.load(geodata.DISTRICTS)["features"]:
        key = (f["properties"]["province"], f["properties"]["name"])
        assert key not in seen, key
        seen.add(key)
    assert len(seen) > 140  # every province's districts, not a sample


def test_demo_sites_lie_in_the_district_they_name() -> None:
    with DEMO_SITES.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            assert place_of(float(row["lat"]), float(row["lon"])) == (row["province"], row["district"]), row[
                "key"
            ]


def test_main_cities_are_in_pakistan() -> None:
    cities = geodata.load(geodata.CITIES)["features"]
    names = {c["properties"]["name"] for c in cities}
    assert {"Karachi", "Lahore", "Quetta", "Peshawar", "Islamabad", "Gilgit"} <= names
    outside = [
        c["properties"]["name"] for c in cities if place_of(*reversed(c["geometry"]["coordinates"])) is None
    ]
    assert len(outside) <= len(cities) // 20, (
        outside
    )  # the outline is simplified: a few border towns fall out


def test_road_corridors() -> None:
    roads = {f["properties"]["ref"]: f for f in geodata.load(geodata.ROADS)["features"]}
    assert {"M-1", "M-2", "M-9", "N-5", "N-25", "N-55", "N-35"} <= set(roads)
    country = unary_union(list(province_shapes().values())).buffer(0.3)
    for ref, f in roads.items():
        line = shape(f["geometry"])
        assert line.geom_type == "LineString", ref
        assert len(line.coords) >= 2, ref
        assert all(country.covers(Point(c)) for c in line.coords), ref


def test_only_known_files_load() -> None:
    with pytest.raises(KeyError):
        geodata.load("../../config.py")
