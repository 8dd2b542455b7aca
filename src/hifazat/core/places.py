"""Place from coordinates: the province (ISO 3166-2) and district a point lies in, from shipped data.

The shapes are `hifazat.geodata`'s (the province outline and the approximate districts; see
docs/geodata.md), loaded once, lazily. The province comes from the province outline itself (the
authority for the province, so a district drawn slightly across its edge never moves a point to another
province); the district from an STRtree of that province's districts, or, for a point in a sliver the
rounded district shapes leave, the nearest of them. Both steps are prepared geometry: a few microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import shapely
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from hifazat import geodata


@dataclass(frozen=True)
class _Province:
    code: str
    geom: BaseGeometry
    districts: tuple[str, ...]
    tree: STRtree | None


@lru_cache(maxsize=1)
def _provinces() -> tuple[_Province, ...]:
    """The province polygons, prepared, each with an STRtree of its districts; loaded once."""
    by_province: dict[str, list[tuple[str, BaseGeometry]]] = {}
    for f in geodata.load(geodata.DISTRICTS)["features"]:
        props = f["properties"]
        by_province.setdefault(props["province"], []).append((props["name"], shape(f["geometry"])))
    out: list[_Province] = []
    for feature in geodata.load(geodata.OUTLINE)["features"]:
        if feature["properties"].get("level") != "province":
            continue
        code = str(feature["properties"]["code"])
        geom = shape(feature["geometry"])
        shapely.prepare(geom)
        mine = by_province.get(code, [])
        tree = STRtree([g for _, g in mine]) if mine else None
        out.append(_Province(code, geom, tuple(n for n, _ in mine), tree))
    return tuple(out)


def province_shapes() -> dict[str, BaseGeometry]:
    """Each province code with its polygon (for tests and map checks)."""
    return {p.code: p.geom for p in _provinces()}


def districts_of(province: str) -> tuple[str, ...]:
    """The district names shipped for a province (empty for an unknown code)."""
    return next((p.districts for p in _provinces() if p.code == province), ())


def _district(p: _Province, point: Point) -> str | None:
    if p.tree is None:
        return None
    hits = p.tree.query(point, predicate="intersects")
    if len(hits):
        return p.districts[int(min(hits))]  # on a shared edge: the first listed, so the answer is stable
    nearest = p.tree.nearest(point)
    return None if nearest is None else p.districts[int(nearest)]


def place_of(lat: float, lon: float) -> tuple[str, str | None] | None:
    """(province, district) of a point, or None outside every province."""
    point = Point(lon, lat)
    for p in _provinces():
        if p.geom.covers(point):
            return p.code, _district(p, point)
    return None
