"""The shipped outline of Pakistan: valid shapes that tile the country and put cities where they are."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from hifazat import geodata

OUTLINE = geodata.DIR / geodata.OUTLINE
PROVINCES = {"PK-SD", "PK-BA", "PK-KP", "PK-PB", "PK-IS", "PK-GB", "PK-JK"}
CITIES = [  # (name, lat, lon, code)
    ("Karachi", 24.86, 67.01, "PK-SD"),
    ("Gwadar", 25.12, 62.32, "PK-BA"),
    ("Islamabad", 33.69, 73.05, "PK-IS"),
    ("Lahore", 31.55, 74.34, "PK-PB"),
    ("Dasu", 35.29, 73.29, "PK-KP"),
    ("Gilgit", 35.92, 74.31, "PK-GB"),
    ("Muzaffarabad", 34.37, 73.47, "PK-JK"),
    ("Quetta", 30.18, 67.00, "PK-BA"),
    ("Peshawar", 34.01, 71.58, "PK-KP"),
    ("Rawalpindi", 33.60, 73.06, "PK-PB"),
    ("Hyderabad", 25.39, 68.37, "PK-SD"),
    ("Multan", 30.20, 71.47, "PK-PB"),
    ("Skardu", 35.30, 75.63, "PK-GB"),
]
OUTSIDE = [
    ("Kabul", 34.53, 69.17),
    ("Delhi", 28.61, 77.21),
    ("Zahedan", 29.50, 60.86),
    ("Muscat", 23.59, 58.41),
]


@pytest.fixture(scope="module")
def areas() -> dict[str, object]:
    data = json.loads(OUTLINE.read_text())
    assert data["type"] == "FeatureCollection"
    return {f["properties"]["code"]: shape(f["geometry"]) for f in data["features"]}


def test_features_and_validity(areas: dict[str, object]) -> None:
    assert set(areas) == PROVINCES | {"PK"}
    for code, geom in areas.items():
        assert geom.is_valid, code  # type: ignore[attr-defined]
        assert geom.geom_type == "Polygon", code  # type: ignore[attr-defined]


@pytest.mark.parametrize(("name", "lat", "lon", "code"), CITIES)
def test_city_in_its_province_only(
    areas: dict[str, object], name: str, lat: float, lon: float, code: str
) -> None:
    point = Point(lon, lat)
    inside = {c for c, g in areas.items() if c != "PK" and g.contains(point)}  # type: ignore[attr-defined]
    assert inside == {code}, name
    assert areas["PK"].contains(point)  # type: ignore[attr-defined]


def test_provinces_tile_the_country(areas: dict[str, object]) -> None:
    provinces = [areas[c] for c in sorted(PROVINCES)]
    union = unary_union(provinces)
    assert abs(union.area - areas["PK"].area) < 1e-6  # type: ignore[attr-defined]
    total = sum(p.area for p in provinces)  # type: ignore[attr-defined]
    assert abs(total - union.area) < 1e-6, "provinces overlap"
    for name, lat, lon in OUTSIDE:
        assert not areas["PK"].contains(Point(lon, lat)), name  # type: ignore[attr-defined]
