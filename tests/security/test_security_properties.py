"""Property tests: validators and the geometry validator normalise or raise ValueError, nothing else."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hifazat.core import validators
from hifazat.core.geometry import MAX_RADIUS_M, validate_geometry
from hifazat.registry import schemas

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=25,
)
coord = (
    st.floats(min_value=-200, max_value=200)
    | st.sampled_from([math.nan, math.inf, -math.inf])
    | st.integers()
)
position = st.lists(coord, min_size=0, max_size=3) | json_values
ring = st.lists(
    st.tuples(st.floats(66, 67, allow_nan=False), st.floats(24, 25, allow_nan=False)), min_size=3, max_size=7
)


def _ok_or_value_error(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except ValueError:
        return None


@FAST
@given(st.text(max_size=30))
def test_string_validators(value: str) -> None:
    for fn in (
        validators._country,
        validators._province,
        validators._jurisdiction_code,
        validators._phone,
        schemas._passport,
        schemas._registration,
    ):
        out = _ok_or_value_error(fn, value)
        if out is not None:
            assert isinstance(out, str)
            # Normalised values are fixed points: validating again changes nothing.
            assert fn(out) == out


@FAST
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -", max_size=12))
def test_normalised_forms(value: str) -> None:
    country = _ok_or_value_error(validators._country, value)
    if country is not None:
        assert len(country) == 2
        assert country.isalpha()
        assert country.isupper()
    province = _ok_or_value_error(validators._province, value)
    if province is not None:
        assert province in validators.PROVINCES
    passport = _ok_or_value_error(schemas._passport, value)
    if passport is not None:
        assert passport.isalnum()
        assert 5 <= len(passport) <= 20


@FAST
@given(
    st.fixed_dictionaries({"type": st.sampled_from(["Point", "Polygon", "LineString", None, 3])})
    | st.dictionaries(st.text(max_size=12), json_values, max_size=4),
    st.one_of(st.none(), st.floats(allow_nan=True), st.integers(-10, 10**6)),
    st.one_of(position, st.lists(st.lists(position, max_size=6), max_size=3), json_values),
)
def test_geometry_validator_total(geometry: dict[str, Any], radius: Any, coords: Any) -> None:
    geometry = {**geometry, "coordinates": coords} if "type" in geometry else geometry
    try:
        shape, lat, lon = validate_geometry(geometry, radius)
    except ValueError:
        return
    assert shape["type"] in ("Point", "Polygon")
    assert -90 <= lat <= 90
    assert -180 <= lon <= 180
    if shape["type"] == "Point":
        assert radius is not None
        assert 0 < radius <= MAX_RADIUS_M


@FAST
@given(ring, st.booleans())
def test_polygons_from_rings(points: list[tuple[float, float]], close: bool) -> None:
    coords = [list(p) for p in points] + ([list(points[0])] if close else [])
    try:
        shape, lat, lon = validate_geometry({"type": "Polygon", "coordinates": [coords]}, None)
    except ValueError as exc:
        reason = str(exc)
    else:
        reason = None
    if reason is not None:
        assert reason  # refused with a reason in words
        return
    assert coords[0] == coords[-1]
    assert len(coords) >= 4
    assert shape["coordinates"][0][0] == shape["coordinates"][0][-1]
    # The centroid lies in the rings' box, up to float rounding (a sliver at lon 66 gave 65.99999999999999).
    eps = 1e-9
    assert 24 - eps <= lat <= 25 + eps
    assert 66 - eps <= lon <= 67 + eps
    assert not math.isnan(lat)
