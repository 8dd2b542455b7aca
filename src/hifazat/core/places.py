"""Place from coordinates: which province (ISO 3166-2) a point lies in, from the shipped outline.

The outline is `web/static/geo/pakistan.geojson` (approximate, hand-made; see its `note`). It is read
once, lazily, into prepared shapely polygons; `place_of` is pure given that file. Districts are not
yet derived here (the shipped data has no district polygons), so the district is always None.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

GEO_FILE = Path(__file__).resolve().parent.parent / "web" / "static" / "geo" / "pakistan.geojson"


@lru_cache(maxsize=1)
def _provinces() -> tuple[tuple[str, BaseGeometry], ...]:
    """The province polygons as (code, prepared geometry), loaded once."""
    data = json.loads(GEO_FILE.read_text(encoding="utf-8"))
    out: list[tuple[str, BaseGeometry]] = []
    for feature in data["features"]:
        if feature["properties"].get("level") != "province":
            continue
        geom = shape(feature["geometry"])
        shapely.prepare(geom)
        out.append((str(feature["properties"]["code"]), geom))
    return tuple(out)


def province_shapes() -> dict[str, BaseGeometry]:
    """Each province code with its polygon (for tests and map checks)."""
    return dict(_provinces())


def place_of(lat: float, lon: float) -> tuple[str, str | None] | None:
    """(province, district) of a point, or None outside every province; the district is None for now."""
    point = Point(lon, lat)
    for code, geom in _provinces():
        if geom.covers(point):
            return code, None
    return None
