"""Numbers that cannot be times are a clean 422 naming the field, never a 500 (issue 18, deliverable 7)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from hifazat.tracking import mqtt
from hifazat.tracking.batch_parse import NOT_A_TIME, _time
from hifazat.tracking.protocols import Decoded, Rejected, osmand, owntracks
from hifazat.tracking.protocols.times import check_ms
from tests.tracking.test_ingest import stored


def test_huge_times_are_422_not_500(client: TestClient, admin: dict[str, str], make_device: Any) -> None:
    d = make_device()
    for at in (1e20, -1e20, 10**20, -(10**20), 2**63, 1e300):
        r = client.post(
            "/api/v1/positions",
            headers=admin,
            json=[{"device": d["identifier"], "lat": 24, "lon": 67, "at": at}],
        )
        assert r.status_code == 422, (at, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"] == [{"field": "[0].at", "reason": NOT_A_TIME}]
    assert stored(d["id"]) == 0


@given(st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True)))
def test_any_number_decodes_to_a_time_or_a_clean_error(v: int | float) -> None:
    try:
        t = _time(v)
    except ValueError as exc:
        reason = str(exc)
    else:
        assert isinstance(t, int)
        assert -(2**63) < t < 2**63
        return
    assert reason


# --- the device protocols: the same bounds, 422 naming the field -------------------------------------------

NOW_MS = 1_800_000_000_000  # a fixed server clock for the pure decoders
SKEW_MS = 300 * 1000  # the default HIFAZAT_TRACKING_FUTURE_TOLERANCE_SECONDS


def _possible(t_ms: int) -> bool:
    return 0 <= t_ms <= time.time() * 1000 + SKEW_MS


numbers = st.one_of(
    st.integers(min_value=-(10**25), max_value=10**25),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=0, max_value=4 * 10**9),  # plausible epoch seconds, both sides of now
)


def _outcome(decode: Callable[[], Decoded | None]) -> tuple[Decoded | None, Rejected | None]:
    try:
        return decode(), None
    except Rejected as exc:
        return None, exc


def _assert_time_or_refused(
    got: tuple[Decoded | None, Rejected | None], v: float, fields: tuple[str, ...]
) -> None:
    decoded, refused = got
    if refused is None:
        assert decoded is not None
        assert decoded.t_ms is not None
        assert _possible(decoded.t_ms), (v, decoded.t_ms)
        return
    assert refused.status in (400, 422), refused.reason
    assert refused.field in fields
    if isinstance(v, int):
        assert refused.status == 422  # an integer is always readable: only its range can fail


@settings(max_examples=200, deadline=None)
@given(numbers)
def test_osmand_timestamp_is_a_possible_time_or_422(v: int | float) -> None:
    """Any number in `timestamp` (query form and JSON form) decodes to a time from 1970 to now plus the
    skew, or is refused: 422 for a number that cannot be a time, 400 only for text that is no number."""
    query = f"id=x&lat=1&lon=2&timestamp={v}".encode()
    body = orjson.dumps({"device_id": "x", "location": {"timestamp": str(v)}})
    _assert_time_or_refused(_outcome(lambda: osmand.decode(query, b"", "")), v, ("timestamp",))
    got = _outcome(lambda: osmand.decode(b"", body, "application/json"))
    _assert_time_or_refused(got, v, ("location.timestamp",))


@settings(max_examples=200, deadline=None)
@given(numbers)
def test_owntracks_tst_is_a_possible_time_or_422(v: int | float) -> None:
    msg = {"_type": "location", "lat": 24.9, "lon": 67.1, "tst": v}
    _assert_time_or_refused(_outcome(lambda: owntracks.decode(msg, "dev")), v, ("tst",))


def test_check_ms_bounds() -> None:
    assert check_ms(0, "at", NOW_MS) == 0
    assert check_ms(NOW_MS + SKEW_MS, "at", NOW_MS) == NOW_MS + SKEW_MS
    for bad in (-1, NOW_MS + SKEW_MS + 1, 10**18):
        with pytest.raises(Rejected) as exc:
            check_ms(bad, "at", NOW_MS)
        assert (exc.value.status, exc.value.field) == (422, "at")


def test_impossible_times_over_http_are_422(
    client: TestClient, admin: dict[str, str], make_device: Any
) -> None:
    d = make_device(secret="owntracks-secret-1")
    ident = d["identifier"]
    for ts in ("-5", str(10**14), "2147483000", "3000-01-01T00:00:00Z", "1969-12-31 23:59:59"):
        r = client.get(f"/ingest/osmand?id={ident}&lat=24.9&lon=67.1&timestamp={ts}")
        assert r.status_code == 422, (ts, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["field"] == "timestamp"
    body = {"device_id": ident, "location": {"timestamp": 10**16, "coords": {"latitude": 1, "longitude": 2}}}
    r = client.post("/ingest/osmand", json=body)
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "location.timestamp")
    for tst in (-1, 10**12, 1e10, time.time() + 86400):
        loc = {"_type": "location", "lat": 24.9, "lon": 67.1, "tst": tst}
        r = client.post("/ingest/owntracks", json=loc, auth=(ident, "owntracks-secret-1"))
        assert r.status_code == 422, (tst, r.text)
        assert r.json()["errors"][0]["field"] == "tst"
    assert stored(d["id"]) == 0


def test_mqtt_message_with_an_impossible_time_is_dropped(make_device: Any) -> None:
    """No answer to give over MQTT: dropped, logged, counted; the listener goes on."""
    d = make_device()
    topic = f"owntracks/{d['identifier']}/phone"
    before = mqtt.MESSAGES.labels("rejected")._value.get()
    for tst in (-1, 10**12, float("inf")):
        payload = b'{"_type":"location","lat":24.9,"lon":67.1,"tst":' + str(tst).encode() + b"}"
        outcome = asyncio.run(mqtt.handle(topic, payload))
        assert outcome.startswith("rejected"), outcome
    assert mqtt.MESSAGES.labels("rejected")._value.get() == before + 3
    ok = b'{"_type":"location","lat":24.9,"lon":67.1,"tst":' + str(int(time.time()) - 5).encode() + b"}"
    assert asyncio.run(mqtt.handle(topic, ok)) == "stored"
    assert stored(d["id"]) == 1


def test_mqtt_failure_to_store_is_counted_not_raised(make_device: Any, monkeypatch: Any) -> None:
    d = make_device()

    def broken(*_: Any) -> None:
        raise RuntimeError("the writer is gone")

    monkeypatch.setattr(mqtt.writer, "submit", broken)
    ok = b'{"_type":"location","lat":24.9,"lon":67.1,"tst":' + str(int(time.time()) - 5).encode() + b"}"
    assert asyncio.run(mqtt.handle(f"owntracks/{d['identifier']}/phone", ok)) == "failed"


def test_api_fields_taking_times_are_422_for_numbers_no_date_can_be(
    client: TestClient, admin: dict[str, str], make_device: Any
) -> None:
    """Position history ranges and escort windows: a number no date can be is a 422 naming the field; the
    widest dates a datetime holds are answered, never a 500."""
    d = make_device()
    url = f"/api/v1/devices/{d['id']}/positions"
    for bad in ("1e20", str(10**20), "-99999999999999999"):
        r = client.get(url, headers=admin, params={"from": bad})
        assert r.status_code == 422, (bad, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "from" in r.text
    wide = {"from": "0001-01-01T00:00:00Z", "to": "9999-12-31T23:59:59Z"}
    assert client.get(url, headers=admin, params=wide).status_code == 200
    track = client.get(f"/api/v1/devices/{d['id']}/track.geojson", headers=admin, params=wide)
    assert track.status_code == 200
    for at in (1e20, -1e20, 2**63):
        body = {"person_id": "p", "unit_id": "u", "starts_at": at}
        r = client.post("/api/v1/escorts", headers=admin, json=body)
        assert r.status_code == 422, (at, r.text)
        assert "starts_at" in r.text
