from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from hifazat.core.places import place_of, province_shapes


def test_karachi_is_sindh() -> None:
    place = place_of(24.8607, 67.0011)
    assert place is not None
    assert place[0] == "PK-SD"


def test_lahore_is_punjab() -> None:
    place = place_of(31.5204, 74.3587)
    assert place is not None
    assert place[0] == "PK-PB"


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


@given(lat=st.floats(-90, 90), lon=st.floats(-180, 180))
def test_points_far_from_pakistan_are_none(lat: float, lon: float) -> None:
    if 23.0 <= lat <= 37.5 and 60.5 <= lon <= 78.0:
        return
    assert place_of(lat, lon) is None
