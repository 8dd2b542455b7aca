"""OsmAnd (Traccar Client) and OwnTracks HTTP: accepted forms, defined answers, and property tests."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hifazat.tracking.protocols import Rejected, osmand, owntracks

NOW_S = lambda: int(time.time())  # noqa: E731


def positions(client: TestClient, admin: dict[str, str], device_id: str) -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/devices/{device_id}/positions", headers=admin)
    assert r.status_code == 200
    return list(r.json()["items"])


# --- decoders (pure) ---------------------------------------------------------------------------------------


def test_osmand_timestamp_forms() -> None:
    assert osmand.parse_time("1700000000") == 1_700_000_000_000  # seconds
    assert osmand.parse_time("1700000000123") == 1_700_000_000_123  # milliseconds
    assert osmand.parse_time("2023-11-14T22:13:20Z") == 1_700_000_000_000
    assert osmand.parse_time("2023-11-14T22:13:20.500+00:00") == 1_700_000_000_500
    assert osmand.parse_time("2023-11-14 22:13:20") == 1_700_000_000_000
    with pytest.raises(Rejected):
        osmand.parse_time("yesterday")


def test_osmand_parameters() -> None:
    q = "deviceid=abc&location=24.5,67.25&speed=10&heading=90&altitude=12&accuracy=5"
    q += "&hdop=0.8&batt=55&charge=true"
    d = osmand.decode(q.encode() + b"&alarm=sos&driverUniqueId=77&custom=hello&flag=true", b"", "")
    assert (d.identifier, d.lat, d.lon, d.course, d.altitude, d.accuracy, d.battery) == (
        "abc",
        24.5,
        67.25,
        90.0,
        12.0,
        5.0,
        55.0,
    )
    assert d.speed_kmh == pytest.approx(18.52)  # knots -> km/h
    assert d.alarm == "sos"
    assert d.attributes["hdop"] == 0.8
    assert d.attributes["charge"] is True
    assert d.attributes["custom"] == "hello"
    assert d.attributes["flag"] is True
    form = osmand.decode(b"", b"id=xyz&lat=1&lon=2", "application/x-www-form-urlencoded")
    assert (form.identifier, form.lat, form.lon) == ("xyz", 1.0, 2.0)
    with pytest.raises(Rejected) as exc:
        osmand.decode(b"lat=1&lon=2", b"", "")
    assert exc.value.status == 400


def test_osmand_json_body() -> None:
    body = (
        b'{"device_id":"tc-1","location":{"timestamp":"2024-05-01T10:00:00.000Z","coords":{"latitude":24.9,'
        b'"longitude":67.1,"accuracy":4,"speed":2,"heading":180,"altitude":20},"is_moving":true,'
        b'"battery":{"level":0.42,"is_charging":false},"activity":{"type":"walking"},"extras":{"alarm":"sos"}}}'
    )
    d = osmand.decode(b"", body, "application/json")
    assert (d.identifier, d.lat, d.lon, d.battery, d.alarm) == ("tc-1", 24.9, 67.1, 42.0, "sos")
    assert d.speed_kmh == pytest.approx(7.2)  # m/s -> km/h
    assert d.attributes["activity"] == "walking"
    assert d.attributes["charge"] is False
    with pytest.raises(Rejected) as exc:
        osmand.decode(b"", b'{"location":{}}', "application/json")
    assert exc.value.status == 404


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=300), st.binary(max_size=300), st.sampled_from(["", "application/json", "text/plain"])
)
def test_osmand_decoder_never_crashes(query: bytes, body: bytes, ctype: str) -> None:
    try:
        osmand.decode(query, body, ctype)
    except Rejected as exc:
        status: int | None = exc.status
    else:
        status = None  # decoded
    assert status is None or 400 <= status < 500


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
owntracks_messages = st.fixed_dictionaries(
    {"_type": st.sampled_from(["location", "transition", "lwt", "waypoint", "card", 7])},
    optional={
        k: json_values for k in ("lat", "lon", "tst", "acc", "alt", "vel", "cog", "batt", "alarm", "tid")
    },
)


@settings(max_examples=150, deadline=None)
@given(owntracks_messages)
def test_owntracks_decoder_never_crashes(msg: dict[str, Any]) -> None:
    try:
        owntracks.decode(msg, "dev")
    except Rejected as exc:
        status: int | None = exc.status
    else:
        status = None  # decoded
    assert status is None or 400 <= status < 500


# --- over HTTP ---------------------------------------------------------------------------------------------


def test_osmand_get_post_form_json(client: TestClient, admin: dict[str, str], make_device: Any) -> None:
    d = make_device()
    ident, t = d["identifier"], NOW_S() - 100
    assert client.get(f"/ingest/osmand?id={ident}&lat=24.9&lon=67.1&timestamp={t}").status_code == 200
    assert client.post(f"/ingest/osmand?id={ident}&lat=24.91&lon=67.1&timestamp={t + 1}").status_code == 200
    r = client.post(
        "/ingest/osmand",
        content=urlencode({"deviceid": ident, "lat": 24.92, "lon": 67.1, "timestamp": t + 2}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200
    body = {
        "device_id": ident,
        "location": {"timestamp": "2024-01-01T00:00:00Z", "coords": {"latitude": 24.93, "longitude": 67.1}},
    }
    assert client.post("/ingest/osmand", json=body).status_code == 200
    unknown = client.post("/ingest/osmand", json={**body, "device_id": "unknown-x"})
    assert unknown.status_code == 200  # as a known device's (tests/tracking/test_unknown_devices.py)
    got = positions(client, admin, d["id"])
    assert [p["lat"] for p in got] == [24.93, 24.9, 24.91, 24.92]
    assert {p["source"] for p in got} == {"osmand"}


def test_osmand_defined_answers(client: TestClient, admin: dict[str, str], make_device: Any) -> None:
    d = make_device()
    ident, t = d["identifier"], NOW_S() - 100
    assert client.get("/ingest/osmand").status_code == 400  # nothing at all
    assert client.get("/ingest/osmand?lat=1&lon=1").status_code == 400  # no device id
    assert client.get("/ingest/osmand?id=nobody&lat=1&lon=1").status_code == 200  # unknown: as known
    assert client.get(f"/ingest/osmand?id={ident}&lat=95&lon=1&timestamp={t}").status_code == 400
    assert client.get(f"/ingest/osmand?id={ident}&lat=1&lon=181&timestamp={t}").status_code == 400
    assert client.get(f"/ingest/osmand?id={ident}&lat=abc&lon=1").status_code == 400
    r = client.get(f"/ingest/osmand?id={ident}&lat=1&lon=1&timestamp={NOW_S() + 86400}")
    assert r.status_code == 422  # a time it cannot be (tests/tracking/test_times.py)
    assert "ahead of the server clock" in r.json()["detail"]
    assert client.delete("/ingest/osmand").status_code == 405
    # no fix: a sign of life, nothing stored (tests/tracking/test_no_fix.py)
    assert client.get(f"/ingest/osmand?id={ident}&batt=50").status_code == 200
    url = f"/ingest/osmand?id={ident}&lat=24.9&lon=67.1&timestamp={t}"
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # a duplicate: accepted, stored once
    assert client.get(f"/ingest/osmand?id={ident}&alarm=sos&timestamp={t + 5}").status_code == 200
    got = positions(client, admin, d["id"])
    assert len(got) == 2
    assert got[1]["attributes"]["outdated"] is True
    assert got[1]["lat"] == 24.9
    assert all(p["lat"] != 95 for p in got)
    # a suspended device is answered like an unknown one: as if stored, and nothing is
    client.patch(f"/api/v1/devices/{d['id']}", headers=admin, json={"status": "suspended"})
    r = client.get(f"/ingest/osmand?id={ident}&lat=24.8&lon=67.1&timestamp={t + 9}")
    assert r.status_code == 200, r.text
    assert len(positions(client, admin, d["id"])) == 2


def test_failed_requests_are_rate_limited(client: TestClient, monkeypatch: Any) -> None:
    monkeypatch.setenv("HIFAZAT_TRACKING_BAD_REQUESTS_PER_MINUTE", "5")
    from hifazat.config import reset_settings

    reset_settings()
    codes = [client.get("/ingest/osmand?id=nobody&lat=abc&lon=1").status_code for _ in range(7)]
    assert codes == [400] * 5 + [429] * 2
    r = client.get("/ingest/osmand?id=nobody&lat=abc&lon=1")
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "id",
                "deviceid",
                "lat",
                "lon",
                "location",
                "timestamp",
                "speed",
                "batt",
                "alarm",
                "heading",
                "x",
            ]
        ),
        st.text(max_size=20),
        max_size=6,
    )
)
def test_osmand_http_any_query_is_2xx_or_4xx(
    client: TestClient, make_device: Any, params: dict[str, str]
) -> None:
    from hifazat.tracking import accept

    accept.failures.reset()
    r = client.get("/ingest/osmand", params=params)
    assert r.status_code in (200, 400, 404, 413, 422), r.text


def test_owntracks_http(client: TestClient, admin: dict[str, str], make_device: Any) -> None:
    d = make_device(secret="owntracks-secret-1")
    auth = (d["identifier"], "owntracks-secret-1")
    t = NOW_S() - 50
    loc = {
        "_type": "location",
        "lat": 24.9,
        "lon": 67.1,
        "tst": t,
        "acc": 8,
        "batt": 64,
        "vel": 30,
        "tid": "WF",
    }
    headers = {"X-Limit-U": d["identifier"], "X-Limit-D": "phone"}
    r = client.post("/ingest/owntracks", json=loc, auth=auth, headers=headers)
    assert r.status_code == 200
    assert r.json() == []
    for other in ({"_type": "lwt", "tst": t}, {"_type": "waypoint", "desc": "home"}, {"_type": "card"}):
        r = client.post("/ingest/owntracks", json=other, auth=auth)
        assert r.status_code == 200
        assert r.json() == []
    tr = {"_type": "transition", "event": "enter", "lat": 24.91, "lon": 67.1, "tst": t + 1, "desc": "Site"}
    assert client.post("/ingest/owntracks", json=tr, auth=auth).status_code == 200
    got = positions(client, admin, d["id"])
    assert [(p["lat"], p["battery"], p["speed_kmh"]) for p in got] == [
        (24.9, 64.0, 30.0),
        (24.91, None, None),
    ]
    assert got[0]["attributes"]["owntracks_device"] == "phone"
    assert got[1]["attributes"]["event"] == "enter"
    assert client.post("/ingest/owntracks", json=loc).status_code == 401
    r = client.post("/ingest/owntracks", json=loc, auth=(d["identifier"], "wrong-secret-xx"))
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Basic")
    r = client.post("/ingest/owntracks", json=loc, auth=auth, headers={"X-Limit-U": "someone-else"})
    assert r.status_code == 401
    assert client.post("/ingest/owntracks", content=b"{nope", auth=auth).status_code == 400
    bad = {**loc, "lat": 123.0, "tst": t + 5}
    assert client.post("/ingest/owntracks", json=bad, auth=auth).status_code == 400
    assert client.get("/ingest/owntracks", auth=auth).status_code == 405
