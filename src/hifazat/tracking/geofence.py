"""The geofence engine: every shape (sites, zones, corridors) in one grid index, points tested in bulk.

Shapes live in longitude/latitude. Circles and corridors are given in metres; they are built in a local
equirectangular projection around the shape (metres east/north of its centre) and projected back, which
is exact to well under a metre for the sizes we use (circles up to 50 km, corridors of a few hundred km
lose about 1 % of width at the far end).

`membership(lon, lat)` answers, for arrays of points, which shapes contain each point (boundary included)
with numpy over a uniform grid and one vectorised exact test: shapely 2 runs the predicate on prepared
geometries in C, so there is no Python loop over points or shapes.

GEOS builds a prepared geometry's indexes lazily, on its first predicate, without synchronisation
(libgeos/geos#825), and shapely runs the predicate with the GIL released. Two threads testing points
against the same fresh engine can both build the same index and free it twice: two batches ingested at
once corrupted the bulk lane's heap that way ("malloc(): unaligned tcache chunk detected"). So one thread
at a time runs a prepared predicate (`GEOS_LOCK`, one for the process: engines may share geometries); the
exact test takes a few ms of a batch.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon, shape

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQ = 111_320.0
EARTH_R = 6_371_008.8
GEOS_LOCK = threading.Lock()  # around predicates on prepared geometries: see the module's docstring


@dataclass(frozen=True)
class Shape:
    key: str  # "zone:<id>" or "site:<id>"
    id: str
    source: str  # "zone" | "site"
    kind: str  # restricted | red_zone | safe_zone | corridor | site
    name: str
    agency_id: str
    geometry: Any  # shapely geometry in lon/lat


def _scale(lat0: float) -> tuple[float, float]:
    return M_PER_DEG_LON_EQ * math.cos(math.radians(lat0)), M_PER_DEG_LAT


def circle(lon: float, lat: float, radius_m: float, quad_segs: int = 16) -> Polygon:
    sx, sy = _scale(lat)
    unit = Point(0.0, 0.0).buffer(1.0, quad_segs=quad_segs)
    coords = np.asarray(unit.exterior.coords)
    ring = np.column_stack([lon + coords[:, 0] * radius_m / sx, lat + coords[:, 1] * radius_m / sy])
    return Polygon(ring)


def corridor(coords: Sequence[Sequence[float]], width_m: float) -> Polygon:
    """A LineString buffered by width/2 on each side (flat ends are rounded, as a vehicle may stop)."""
    pts = np.asarray(coords, dtype=float)
    lat0 = float(pts[:, 1].mean())
    lon0 = float(pts[:, 0].mean())
    sx, sy = _scale(lat0)
    local = LineString(np.column_stack([(pts[:, 0] - lon0) * sx, (pts[:, 1] - lat0) * sy]))
    buf = local.buffer(width_m / 2.0, quad_segs=8)
    ring = np.asarray(buf.exterior.coords)
    return Polygon(np.column_stack([lon0 + ring[:, 0] / sx, lat0 + ring[:, 1] / sy]))


def build_geometry(geometry: dict[str, Any], radius_m: float | None, width_m: float | None) -> Any:
    kind = geometry.get("type")
    if kind == "Point":
        lon, lat = geometry["coordinates"][:2]
        return circle(float(lon), float(lat), float(radius_m or 0.0))
    if kind == "LineString":
        return corridor(geometry["coordinates"], float(width_m or 0.0))
    return shape(geometry)


class GeofenceEngine:
    """Shapes indexed in a uniform lon/lat grid (CSR arrays); points are bucketed with integer maths,
    candidate (point, shape) pairs expanded with numpy, then tested exactly with shapely's
    `intersects_xy` on prepared geometries. No geometry object is created per point."""

    MAX_CELLS = 4096  # shapes covering more cells are tested by bounding box instead

    def __init__(self, shapes: Sequence[Shape]) -> None:
        self.shapes = list(shapes)
        self.keys = [s.key for s in self.shapes]
        self.geoms = np.array([s.geometry for s in self.shapes], dtype=object)
        if len(self.geoms):
            shapely.prepare(self.geoms)
            self.bounds = shapely.bounds(self.geoms)
        else:
            self.bounds = np.empty((0, 4))
        # Cell size follows the shapes: about the median shape extent (0.001 to 0.05 degrees).
        if len(self.bounds):
            ext = np.maximum(self.bounds[:, 2] - self.bounds[:, 0], self.bounds[:, 3] - self.bounds[:, 1])
            self.CELL_DEG = float(np.clip(np.median(ext), 0.001, 0.05))
        else:
            self.CELL_DEG = 0.02
        cells: list[np.ndarray] = []
        owners: list[np.ndarray] = []
        big: list[int] = []
        for i, (x0, y0, x1, y1) in enumerate(self.bounds.tolist()):
            ix0, iy0 = self._ix(x0), self._iy(y0)
            ix1, iy1 = self._ix(x1), self._iy(y1)
            n = (ix1 - ix0 + 1) * (iy1 - iy0 + 1)
            if n > self.MAX_CELLS:
                big.append(i)
                continue
            gx, gy = np.meshgrid(np.arange(ix0, ix1 + 1), np.arange(iy0, iy1 + 1))
            cells.append((gx.ravel().astype(np.int64) << 16) | gy.ravel().astype(np.int64))
            owners.append(np.full(n, i, dtype=np.intp))
        if cells:
            allc = np.concatenate(cells)
            allo = np.concatenate(owners)
            order = np.argsort(allc, kind="stable")
            allc, allo = allc[order], allo[order]
            self.cell_keys, first = np.unique(allc, return_index=True)
            self.offsets = np.append(first, len(allc)).astype(np.intp)
            self.cell_shapes = allo
        else:
            self.cell_keys = np.empty(0, dtype=np.int64)
            self.offsets = np.zeros(1, dtype=np.intp)
            self.cell_shapes = np.empty(0, dtype=np.intp)
        self.big = np.array(big, dtype=np.intp)

    def _ix(self, lon: float) -> int:
        return math.floor((lon + 180.0) / self.CELL_DEG)

    def _iy(self, lat: float) -> int:
        return math.floor((lat + 90.0) / self.CELL_DEG)

    def __len__(self) -> int:
        return len(self.shapes)

    def candidates(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ix = np.floor((lon + 180.0) / self.CELL_DEG).astype(np.int64)
        iy = np.floor((lat + 90.0) / self.CELL_DEG).astype(np.int64)
        key = (ix << 16) | iy
        parts_p: list[np.ndarray] = []
        parts_s: list[np.ndarray] = []
        if len(self.cell_keys):
            pos = np.searchsorted(self.cell_keys, key)
            pos_c = np.minimum(pos, len(self.cell_keys) - 1)
            hit = self.cell_keys[pos_c] == key
            pidx = np.flatnonzero(hit)
            if len(pidx):
                cpos = pos_c[pidx]
                starts = self.offsets[cpos]
                counts = self.offsets[cpos + 1] - starts
                total = int(counts.sum())
                rep_p = np.repeat(pidx, counts)
                base = np.repeat(starts - (np.cumsum(counts) - counts), counts)
                parts_p.append(rep_p)
                parts_s.append(self.cell_shapes[np.arange(total) + base])
        for i in self.big.tolist():
            x0, y0, x1, y1 = self.bounds[i]
            m = np.flatnonzero((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
            if len(m):
                parts_p.append(m)
                parts_s.append(np.full(len(m), i, dtype=np.intp))
        if not parts_p:
            empty = np.empty(0, dtype=np.intp)
            return empty, empty
        return np.concatenate(parts_p), np.concatenate(parts_s)

    def membership(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(point index, shape index) pairs, sorted by point, for every shape containing a point."""
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        if not len(self.shapes) or len(lon) == 0:
            empty = np.empty(0, dtype=np.intp)
            return empty, empty
        cp, cs = self.candidates(lon, lat)
        if len(cp) == 0:
            return cp, cs
        b = self.bounds[cs]
        x, y = lon[cp], lat[cp]
        inbox = (x >= b[:, 0]) & (x <= b[:, 2]) & (y >= b[:, 1]) & (y <= b[:, 3])
        cp, cs = cp[inbox], cs[inbox]
        with GEOS_LOCK:
            ok = shapely.intersects_xy(self.geoms[cs], lon[cp], lat[cp])
        cp, cs = cp[ok], cs[ok]
        order = np.lexsort((cs, cp))
        return cp[order], cs[order]

    def inside_sets(self, lon: np.ndarray, lat: np.ndarray) -> list[tuple[str, ...]]:
        """For each point, the sorted tuple of keys of the shapes containing it."""
        pi, si = self.membership(lon, lat)
        out: list[tuple[str, ...]] = [()] * len(lon)
        if len(pi) == 0:
            return out
        keys = self.keys
        bounds = np.flatnonzero(np.diff(pi)) + 1
        starts = np.concatenate(([0], bounds))
        ends = np.concatenate((bounds, [len(pi)]))
        pl, sl = pi.tolist(), si.tolist()
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            out[pl[a]] = tuple(sorted(keys[j] for j in sl[a:b]))
        return out


def naive_membership(geoms: Sequence[Any], lon: Sequence[float], lat: Sequence[float]) -> int:
    """The baseline the bench compares against: every shape tested for every point, one at a time."""
    hits = 0
    for x, y in zip(lon, lat, strict=True):
        p = Point(x, y)
        for g in geoms:
            if g.intersects(p):
                hits += 1
    return hits


def haversine_m(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_R * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))
