"""Site shapes: a GeoJSON Polygon, or a circle given as a Point with a radius in metres."""

from __future__ import annotations

from typing import Any

from shapely.geometry import Polygon, shape
from shapely.validation import explain_validity

MAX_RADIUS_M = 50_000.0


def _check_lonlat(pos: Any, where: str) -> tuple[float, float]:
    if not isinstance(pos, list | tuple) or len(pos) < 2:
        raise ValueError(f"{where} must be a [longitude, latitude] pair")
    lon, lat = pos[0], pos[1]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat)):
        raise ValueError(f"{where} must hold numbers")
    if not -180 <= lon <= 180 or not -90 <= lat <= 90:
        raise ValueError(f"{where} is out of range (longitude -180..180, latitude -90..90)")
    return float(lon), float(lat)


def validate_geometry(
    geometry: dict[str, Any], radius_m: float | None
) -> tuple[dict[str, Any], float, float]:
    """Return the normalised geometry and its centre (lat, lon); raise ValueError naming what is wrong."""
    kind = geometry.get("type")
    if kind == "Point":
        lon, lat = _check_lonlat(geometry.get("coordinates"), "coordinates")
        if radius_m is None or not 0 < radius_m <= MAX_RADIUS_M:
            raise ValueError(f"a circle (Point) needs radius_m between 0 and {MAX_RADIUS_M:.0f} metres")
        return {"type": "Point", "coordinates": [lon, lat]}, lat, lon
    if kind == "Polygon":
        rings = geometry.get("coordinates")
        if not isinstance(rings, list) or not rings:
            raise ValueError("Polygon coordinates must be a list of linear rings")
        clean = []
        for i, ring in enumerate(rings):
            if not isinstance(ring, list) or len(ring) < 4:
                raise ValueError(f"ring {i} needs at least 4 positions (closed)")
            pts = [_check_lonlat(p, f"ring {i} position {j}") for j, p in enumerate(ring)]
            if pts[0] != pts[-1]:
                raise ValueError(f"ring {i} is not closed: its first and last positions differ")
            clean.append([list(p) for p in pts])
        poly = shape({"type": "Polygon", "coordinates": clean})
        assert isinstance(poly, Polygon)
        if not poly.is_valid:
            raise ValueError(f"Polygon is invalid: {explain_validity(poly)}")
        c = poly.centroid
        return {"type": "Polygon", "coordinates": clean}, float(c.y), float(c.x)
    raise ValueError("geometry.type must be Polygon, or Point together with radius_m for a circle")
