"""The vectorised geofence engine answers exactly what a naive loop answers."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from hifazat.tracking import geofence
from hifazat.tracking.geofence import GeofenceEngine, Shape, circle, corridor, haversine_m, naive_membership


def _shapes(seed: int, n: int = 120) -> list[Shape]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        lon, lat = rng.uniform(66.9, 67.3), rng.uniform(24.8, 25.1)
        if i % 3 == 0:
            g = circle(lon, lat, rng.uniform(50, 3000))
        elif i % 3 == 1:
            g = corridor([(lon, lat), (lon + 0.05, lat + 0.02), (lon + 0.1, lat)], rng.uniform(30, 500))
        else:
            g = shapely.box(lon, lat, lon + 0.01, lat + 0.008)
        out.append(Shape(f"zone:{i}", str(i), "zone", "restricted", f"z{i}", "a", g))
    # one huge shape exercises the bounding-box path for shapes spanning many grid cells
    out.append(Shape("zone:big", "big", "zone", "safe_zone", "big", "a", shapely.box(66.0, 24.0, 68.0, 26.0)))
    return out


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 10_000))
def test_engine_matches_naive(seed: int) -> None:
    shapes = _shapes(seed)
    engine = GeofenceEngine(shapes)
    rng = np.random.default_rng(seed + 1)
    lon, lat = rng.uniform(66.85, 67.35, 120), rng.uniform(24.75, 25.15, 120)
    pi, si = engine.membership(lon, lat)
    got = set(zip(pi.tolist(), si.tolist(), strict=True))
    want = {
        (p, s)
        for p in range(120)
        for s, sh in enumerate(shapes)
        if sh.geometry.intersects(shapely.Point(lon[p], lat[p]))
    }
    assert got == want
    assert naive_membership([s.geometry for s in shapes], lon.tolist(), lat.tolist()) == len(want)


def test_circle_and_corridor_are_metric() -> None:
    c = circle(67.0, 24.86, 1000.0)
    edge = np.array(c.exterior.coords)
    d = haversine_m(np.full(len(edge), 24.86), np.full(len(edge), 67.0), edge[:, 1], edge[:, 0])
    assert np.all(np.abs(d - 1000.0) < 10.0)
    kkh = corridor([(72.93, 35.27), (73.15, 35.35)], 400.0)  # near Dasu: 200 m either side
    assert kkh.intersects(shapely.Point(73.04, 35.31 + 150 / 110_574))
    assert not kkh.intersects(shapely.Point(73.04, 35.31 + 600 / 110_574))
    assert GeofenceEngine([]).inside_sets(np.array([1.0]), np.array([1.0])) == [()]


def test_prepared_predicates_never_overlap_across_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """GEOS builds a prepared geometry's indexes lazily and unsynchronised, and shapely runs the predicate
    without the GIL: two batches testing a fresh engine at once once corrupted the bulk lane's heap. Every
    thread must get the exact answer, and no two may be inside the predicate at the same time."""
    real = shapely.intersects_xy
    inside = 0
    most = 0
    count = threading.Lock()

    def watched(*args: Any, **kwargs: Any) -> Any:
        nonlocal inside, most
        with count:
            inside += 1
            most = max(most, inside)
        try:
            time.sleep(0.002)  # give the other threads every chance to come in too
            return real(*args, **kwargs)
        finally:
            with count:
                inside -= 1

    monkeypatch.setattr(geofence.shapely, "intersects_xy", watched)
    shapes = _shapes(7)
    rng = np.random.default_rng(8)
    lon, lat = rng.uniform(66.85, 67.35, 2000), rng.uniform(24.75, 25.15, 2000)
    want = set(zip(*(a.tolist() for a in GeofenceEngine(shapes).membership(lon, lat)), strict=True))
    engine = GeofenceEngine(_shapes(7))  # fresh: nothing prepared has been used yet
    start = threading.Barrier(6)
    results: list[set[tuple[int, int]]] = []

    def run() -> None:
        start.wait()
        pi, si = engine.membership(lon, lat)
        results.append(set(zip(pi.tolist(), si.tolist(), strict=True)))

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 6
    assert all(r == want for r in results)
    assert want  # the sample does hit shapes, so the predicate really ran
    assert most == 1
