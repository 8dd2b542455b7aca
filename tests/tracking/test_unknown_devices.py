"""Device identifiers are credentials (issue 18, deliverable 5): an unknown identifier is answered as a known
one, is counted per client address, and past the limit every device request from that address is 429."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hifazat.config import reset_settings
from hifazat.tracking import mqtt
from tests.tracking.test_ingest import stored

NOW_S = lambda: int(time.time())  # noqa: E731


def _answer(r: Any) -> tuple[int, str, str | None, str | None]:
    """What a client can compare: status, body, content type, Retry-After."""
    return (r.status_code, r.text, r.headers.get("content-type"), r.headers.get("retry-after"))


def _reports(ident: str, t: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    """One of each kind of OsmAnd report, good and bad, for `ident`."""
    q = f"/ingest/osmand?id={ident}"
    return [
        ("GET", f"{q}&lat=24.9&lon=67.1&timestamp={t}", None),
        ("POST", f"{q}&lat=24.91&lon=67.1&timestamp={t + 1}", None),
        ("GET", f"{q}&batt=50", None),  # a sign of life
        ("GET", f"{q}&alarm=sos&timestamp={t + 2}", None),  # no fix: at the last known position
        ("GET", f"{q}&lat=95&lon=1&timestamp={t}", None),  # out of range
        ("GET", f"{q}&lat=abc&lon=1", None),
        ("GET", f"{q}&lat=1&lon=1&timestamp={t + 86400}", None),  # a time it cannot be
        (
            "POST",
            "/ingest/osmand",
            {
                "device_id": ident,
                "location": {"timestamp": t + 3, "coords": {"latitude": 24.92, "longitude": 67.1}},
            },
        ),
    ]


def test_osmand_unknown_identifier_answers_as_a_known_one(
    client: TestClient, make_device: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIFAZAT_TRACKING_UNKNOWN_DEVICES_PER_MINUTE", "1000")
    reset_settings()
    d = make_device()
    client.get(f"/ingest/osmand?id={d['identifier']}&lat=24.8&lon=67.1&timestamp={NOW_S() - 500}")
    t = NOW_S() - 100
    known = [_answer(client.request(m, u, json=b)) for m, u, b in _reports(d["identifier"], t)]
    unknown = [_answer(client.request(m, u, json=b)) for m, u, b in _reports("no-such-device-x", t)]
    assert known == unknown
    assert [a[0] for a in known] == [200, 200, 200, 200, 400, 400, 422, 200]
    assert stored(d["id"]) == 5


def test_unknown_identifiers_are_limited_per_address(
    client: TestClient, make_device: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIFAZAT_TRACKING_UNKNOWN_DEVICES_PER_MINUTE", "5")
    reset_settings()
    d = make_device()
    t = NOW_S() - 100
    codes = [
        client.get(f"/ingest/osmand?id=guess-{i}&lat=24.9&lon=67.1&timestamp={t}").status_code
        for i in range(7)
    ]
    assert codes == [200] * 5 + [429] * 2
    # Past the limit the address learns nothing more: a registered identifier is 429 as well.
    r = client.get(f"/ingest/osmand?id={d['identifier']}&lat=24.9&lon=67.1&timestamp={t}")
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
    loc = {"_type": "location", "lat": 24.9, "lon": 67.1, "tst": t}
    assert client.post("/ingest/owntracks", json=loc, auth=("x", "y")).status_code == 429
    # Another address is not affected.
    other = TestClient(client.app, client=("198.51.100.7", 40000))
    ok = other.get(f"/ingest/osmand?id={d['identifier']}&lat=24.9&lon=67.1&timestamp={t}")
    assert ok.status_code == 200
    assert stored(d["id"]) == 1


def test_owntracks_unknown_and_wrong_secret_are_one_answer_and_one_count(
    client: TestClient, make_device: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIFAZAT_TRACKING_UNKNOWN_DEVICES_PER_MINUTE", "4")
    reset_settings()
    d = make_device(secret="owntracks-secret-1")
    loc = {"_type": "location", "lat": 24.9, "lon": 67.1, "tst": NOW_S() - 10}
    wrong = _answer(client.post("/ingest/owntracks", json=loc, auth=(d["identifier"], "wrong-secret")))
    unknown = _answer(client.post("/ingest/owntracks", json=loc, auth=("no-such-device", "whatever")))
    assert wrong == unknown
    assert wrong[0] == 401
    # Each counts alike: the limit engages after the same number whichever the identifier was.
    codes = [
        client.post("/ingest/owntracks", json=loc, auth=(d["identifier"], "wrong")).status_code
        for _ in range(3)
    ]
    assert codes == [401, 401, 429]


def test_mqtt_unknown_usernames_are_dropped_and_limited(
    make_device: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIFAZAT_TRACKING_UNKNOWN_DEVICES_PER_MINUTE", "3")
    reset_settings()
    d = make_device()
    payload = b'{"_type":"location","lat":24.9,"lon":67.1,"tst":' + str(NOW_S() - 5).encode() + b"}"
    outcomes = [asyncio.run(mqtt.handle("owntracks/nobody/phone", payload)) for _ in range(5)]
    assert outcomes == ["ignored: unknown device"] * 3 + ["ignored: limited"] * 2
    # Per username: a registered device's messages go on.
    assert asyncio.run(mqtt.handle(f"owntracks/{d['identifier']}/phone", payload)) == "stored"
    assert stored(d["id"]) == 1
