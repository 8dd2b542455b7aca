"""A movement's route: a GeoJSON LineString (given, or built from waypoints), checked, and the districts it
crosses from the shipped district shapes (hifazat.geodata, the same shapes as core/places.py)."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import shapely
from shapely import STRtree
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry

from hifazat import geodata

MAX_POSITIONS = 10_000


def _position(p: Any, where: str) -> tuple[float, float]:
    """[lon, lat] or {"lat", "lon"}, finite and in range; ValueError naming the position otherwise."""
    if isinstance(p, dict) and set(p) >= {"lat", "lon"}:
        lon, lat = p["lon"], p["lat"]
    elif isinstance(p, list | tuple) and len(p) in (2, 3):
        lon, lat = p[0], p[1]
    else:
        raise ValueError(f"{where} must be [lon, lat] or {{lat, lon}}")
    if (
        isinstance(lon, bool)
        or isinstance(lat, bool)
        or not all(isinstance(v, int | float) for v in (lon, lat))
    ):
        raise ValueError(f"{where} must hold numbers")
    if not (math.isfinite(lon) and math.isfinite(lat)) or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"{where} is out of range (lon -180..180, lat -90..90)")
    return float(lon), float(lat)


def line_from(route: Any, waypoints: Any) -> dict[str, Any]:
    """The normalised LineString, from `route` if given, else `waypoints`. ValueError says what is wrong;
    the caller names the field."""
    if route is not None:
        if not isinstance(route, dict) or route.get("type") != "LineString":
            raise ValueError("must be a GeoJSON LineString")
        coords = route.get("coordinates")
    else:
        coords = waypoints
    if not isinstance(coords, list) or len(coords) < 2:
        raise ValueError("needs at least 2 positions")
    if len(coords) > MAX_POSITIONS:
        raise ValueError(f"has more than {MAX_POSITIONS} positions")
    pts = [_position(p, f"position {i}") for i, p in enumerate(coords)]
    line = LineString(pts)
    if line.length == 0:
        raise ValueError("has no length: every position is the same")
    if not line.is_valid:
        raise ValueError("is not a valid line")
    return {"type": "LineString", "coordinates": [list(p) for p in pts]}


@lru_cache(maxsize=1)
def _districts() -> tuple[tuple[str, ...], STRtree]:
    names: list[str] = []
    geoms: list[BaseGeometry] = []
    for f in geodata.load(geodata.DISTRICTS)["features"]:
        props = f["properties"]
        names.append(f"{props['province']}:{props['name']}")
        geoms.append(shape(f["geometry"]))
    return tuple(names), STRtree(geoms)


def districts_crossed(line: dict[str, Any]) -> list[str]:
    """Every "PK-XX:District" the line crosses, in the order the route enters them."""
    names, tree = _districts()
    geom = LineString(line["coordinates"])
    hits = tree.query(geom, predicate="intersects")
    geoms = tree.geometries
    # order by where along the route each district is first met
    along = []
    for i in hits:
        part = geom.intersection(geoms[int(i)])
        first = min((geom.project(Point(c)) for c in shapely.get_coordinates(part)), default=0.0)
        along.append((first, names[int(i)]))
    seen: list[str] = []
    for _, name in sorted(along):
        if name not in seen:
            seen.append(name)
    return seen
