import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from hifazat.core.places import districts_of, place_of, province_shapes

KARACHI_DISTRICTS = {
    "Karachi South",
    "Karachi East",
    "Karachi Central",
    "Karachi West",
    "Korangi",
    "Malir",
    "Keamari",
}


def test_karachi_is_sindh_in_a_karachi_district() -> None:
    place = place_of(24.8607, 67.0011)
    assert place is not None
    assert place[0] == "PK-SD"
    assert place[1] in KARACHI_DISTRICTS


def test_lahore_is_punjab_lahore() -> None:
    assert place_of(31.5204, 74.3587) == ("PK-PB", "Lahore")


def test_quetta_is_balochistan_quetta() -> None:
    assert place_of(30.1798, 66.9750) == ("PK-BA", "Quetta")


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (33.6844, 73.0479, ("PK-IS", "Islamabad")),
        (35.2900, 73.2900, ("PK-KP", "Upper Kohistan")),  # Dasu
        (34.9300, 72.8800, ("PK-KP", "Shangla")),  # Besham
        (25.1216, 62.3254, ("PK-BA", "Gwadar")),
        (35.9208, 74.3083, ("PK-GB", "Gilgit")),
        (34.3700, 73.4711, ("PK-JK", "Muzaffarabad")),
        (34.0151, 71.5249, ("PK-KP", "Peshawar")),
        (24.7850, 67.3694, ("PK-SD", "Malir")),  # Port Qasim
    ],
)
def test_towns_get_their_district(lat: float, lon: float, expected: tuple[str, str]) -> None:
    assert place_of(lat, lon) == expected


def test_the_sea_is_nowhere() -> None:
    assert place_of(23.5, 65.0) is None  # the Arabian Sea off the Makran coast
    assert place_of(24.5, 66.5) is None  # off Karachi


def test_every_province_has_districts_and_the_district_is_one_of_them() -> None:
    for code in province_shapes():
        assert districts_of(code), code
    assert districts_of("PK-XX") == ()


def test_place_of_is_fast() -> None:
    # On the SOS path: must stay well under a millisecond (it is tens of microseconds).
    points = [(24.86, 67.01), (35.92, 74.31), (30.18, 67.0), (51.5, -0.1)]
    place_of(*points[0])  # loading the shapes is once per process, not per call
    started = time.perf_counter()
    for _ in range(250):
        for lat, lon in points:
            place_of(lat, lon)
    per_call = (time.perf_counter() - started) / 1000
    assert per_call < 0.0005, f"{per_call * 1e6:.0f} µs per call"


def test_outside_pakistan_is_none() -> None:
    assert place_of(51.5, -0.12) is None
    assert place_of(28.6, 77.2) is None  # Delhi


def test_every_province_is_loaded() -> None:
    assert set(province_shapes()) == {"PK-BA", "PK-GB", "PK-IS", "PK-JK", "PK-KP", "PK-PB", "PK-SD"}


@settings(max_examples=200, deadline=None)
@given(
    code=st.sampled_from(sorted(province_shapes())),
    fx=st.floats(0, 1),
    fy=st.floats(0, 1),
)
def test_points_inside_a_province_get_a_province(code: str, fx: float, fy: float) -> None:
    geom = province_shapes()[code]
    minx, miny, maxx, maxy = geom.bounds
    point = Point(minx + fx * (maxx - minx), miny + fy * (maxy - miny))
    place = place_of(point.y, point.x)
    if geom.covers(point):
        assert place is not None
        assert place[0] in province_shapes()
        assert province_shapes()[place[0]].covers(point)
        assert place[1] in districts_of(place[0])


@given(lat=st.floats(-90, 90), lon=st.floats(-180, 180))
def test_points_far_from_pakistan_are_none(lat: float, lon: float) -> None:
    if 23.0 <= lat <= 37.5 and 60.5 <= lon <= 78.0:
        return
    assert place_of(lat, lon) is None
