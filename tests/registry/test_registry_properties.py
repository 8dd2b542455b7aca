"""Random JSON bodies against the registry API: always an answer, never a server error."""

from __future__ import annotations

import base64
import math
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

API = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
anything = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
lonlat = st.lists(
    st.floats(-190, 190, allow_nan=False, allow_infinity=False) | st.integers(-200, 200),
    min_size=0,
    max_size=3,
)
geometry = (
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["Point", "Polygon", "MultiPolygon", "point"]),
            "coordinates": lonlat | st.lists(st.lists(lonlat, max_size=6), max_size=2) | anything,
        }
    )
    | anything
)


def _maybe(keys: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=keys)


site_bodies = (
    _maybe(
        {
            "name": st.text(max_size=210) | anything,
            "kind": st.sampled_from(["project_site", "residence", "office", "hotel", "castle"]) | anything,
            "geometry": geometry,
            "radius_m": st.floats(allow_nan=False, allow_infinity=False) | st.integers() | anything,
            "province": st.sampled_from(["PK-SD", "PK-PB", "pk-is", "PK-XX", ""]) | anything,
            "district": st.text(max_size=120),
            "guard_posts": st.integers() | anything,
            "project_id": st.text(max_size=40) | anything,
            "agency_id": st.text(max_size=40) | anything,
            "cctv": anything,
        }
    )
    | anything
)

person_bodies = (
    _maybe(
        {
            "given_name": st.text(max_size=210) | anything,
            "family_name": st.text(max_size=130) | anything,
            "nationality": st.sampled_from(["CN", "cn", "CHN", "", "1X"]) | anything,
            "passport_number": st.text(max_size=25) | anything,
            "phone": st.text(max_size=25) | anything,
            "status": st.sampled_from(["in_country", "departed", "lost"]) | anything,
            "residence_site_id": st.text(max_size=40) | anything,
            "employer_agency_id": st.text(max_size=40) | anything,
            "notes": st.text(max_size=50) | anything,
        }
    )
    | anything
)


def _check(r: Any) -> None:
    assert r.status_code < 500, r.text
    assert r.status_code in (201, 403, 404, 409, 422), r.text
    if r.status_code >= 400:
        body = r.json()
        assert r.headers["content-type"].startswith("application/problem+json")
        if r.status_code == 422:
            assert all(e["field"] and e["reason"] for e in body["errors"])


def _token(client: TestClient) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": "admin", "password": "correct-horse-battery"})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_random_site_bodies_never_5xx(client: TestClient) -> None:
    h = _token(client)

    @API
    @given(site_bodies)
    def run(body: Any) -> None:
        _check(client.post("/api/v1/sites", headers=h, json=body))

    run()


def test_random_person_bodies_never_5xx(client: TestClient) -> None:
    h = _token(client)

    @API
    @given(person_bodies)
    def run(body: Any) -> None:
        _check(client.post("/api/v1/persons", headers=h, json=body))

    run()


def test_random_patches_never_5xx(client: TestClient) -> None:
    h = _token(client)
    site = client.post(
        "/api/v1/sites",
        headers=h,
        json={
            "name": "Fuzz",
            "kind": "office",
            "geometry": {"type": "Point", "coordinates": [67.0, 24.8]},
            "radius_m": 50,
            "province": "PK-SD",
        },
    ).json()

    @API
    @given(site_bodies)
    def run(body: Any) -> None:
        r = client.patch(f"/api/v1/sites/{site['id']}", headers=h, json=body)
        assert r.status_code < 500, r.text
        assert r.status_code in (200, 403, 404, 409, 422), r.text

    run()
    after = client.get(f"/api/v1/sites/{site['id']}", headers=h).json()
    assert after["geometry"]["type"] in ("Point", "Polygon")
    assert not math.isnan(after["center_lat"])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80) | st.binary(max_size=60).map(lambda b: base64.urlsafe_b64encode(b).decode()))
def test_decode_cursor_total(raw: str) -> None:
    from hifazat.core.errors import Problem
    from hifazat.core.pagination import decode_cursor, encode_cursor

    try:
        key = decode_cursor(raw)
    except Problem as exc:
        refused: Problem | None = exc
    else:
        refused = None
    if refused is not None:
        assert refused.status == 422
        assert refused.errors == [{"field": "cursor", "reason": "is not a cursor this API returned"}]
        return
    # Only what encode_cursor produces is accepted, and it decodes to a bounded, harmless key.
    assert 1 <= len(key) <= 64
    assert key.isascii()
    assert key.isprintable()
    assert decode_cursor(encode_cursor(key)) == key


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"[A-Za-z0-9_.:\-]{1,64}", fullmatch=True))
def test_cursor_round_trip(key: str) -> None:
    from hifazat.core.pagination import decode_cursor, encode_cursor

    assert decode_cursor(encode_cursor(key)) == key


def test_non_finite_numbers_in_raw_json(client: TestClient) -> None:
    """Python's JSON parser accepts NaN/Infinity literals; they must end in a 422, never a 500."""
    h = {**_token(client), "content-type": "application/json"}
    bodies = [
        b'{"name": "N", "kind": "office", "province": "PK-SD", "radius_m": Infinity,'
        b' "geometry": {"type": "Point", "coordinates": [67.0, 24.8]}}',
        b'{"name": "N", "kind": "office", "province": "PK-SD", "radius_m": 50,'
        b' "geometry": {"type": "Point", "coordinates": [NaN, 24.8]}}',
        b'{"name": "N", "kind": "office", "province": "PK-SD", "radius_m": NaN,'
        b' "geometry": {"type": "Point", "coordinates": [67.0, -Infinity]}}',
    ]
    for body in bodies:
        r = client.post("/api/v1/sites", headers=h, content=body)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] in ("geometry", "radius_m")
