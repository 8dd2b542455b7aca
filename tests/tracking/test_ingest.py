"""The native batch API and the events the ingest path emits (through the outbox and the hooks)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from psycopg.errors import UniqueViolation
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hifazat.core.db import utcnow
from hifazat.platform.composition import Domain, contribute
from hifazat.platform.db import unit_of_work
from hifazat.platform.outbox import OutboxEvent
from hifazat.tracking import hooks, ingest, jobs
from hifazat.tracking.cache import bump, get_cache
from hifazat.tracking.models import Device, DeviceLast, Position
from tests.conftest import ADMIN_PASSWORD, World, login

NOW = lambda: int(time.time() * 1000)  # noqa: E731


def events(kind: str | None = None) -> list[dict[str, Any]]:
    with unit_of_work(readonly=True) as s:
        q = select(OutboxEvent).where(OutboxEvent.subject.like("tracking.%")).order_by(OutboxEvent.seq)
        rows = [{"subject": e.subject, **e.payload} for e in s.scalars(q)]
    return [r for r in rows if kind is None or r["subject"] == f"tracking.{kind}"]


def stored(device_id: str) -> int:
    with unit_of_work(readonly=True) as s:
        key = select(Device.position_key).where(Device.id == device_id).scalar_subquery()
        return int(
            s.scalar(select(func.count()).select_from(Position).where(Position.device_key == key)) or 0
        )


@pytest.fixture
def captured(client: TestClient, extra_domain: Callable[[Domain], None]) -> list[Any]:
    # after `client`: building the app installs the whole composition, which this one extends
    seen: list[Any] = []

    def hook(session: Session, evs: list[hooks.TrackingEventData]) -> None:
        assert session.in_transaction()  # inside the ingest transaction
        seen.extend(evs)

    extra_domain(Domain("probe", contributions=(contribute(hooks.TRACKING_HOOKS, hook),)))
    return seen


def post(client: TestClient, headers: dict[str, str], items: Any) -> Any:
    return client.post("/api/v1/positions", headers=headers, json=items)


def test_batch_is_all_or_nothing(client: TestClient, admin: dict[str, str], make_device: Any) -> None:
    d = make_device()
    t = NOW() - 60_000
    good = [{"device": d["identifier"], "lat": 24.9, "lon": 67.1, "at": t + i * 1000} for i in range(5)]
    bad = [*good, {"device": d["identifier"], "lat": 91.0, "lon": 67.1, "at": t + 9000}]
    r = post(client, admin, bad)
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "[5].lat", "reason": "must be between -90 and 90"}]
    assert stored(d["id"]) == 0
    r = post(client, admin, [*good, {"device": "nobody", "lat": 1.0, "lon": 1.0, "at": t}])
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "[5].device"
    r = post(client, admin, [*good, {"device": d["identifier"], "lat": "x", "lon": 1.0, "at": t}])
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "[5].lat"
    r = post(client, admin, [{"device": d["identifier"], "lat": 1.0, "lon": 1.0, "at": NOW() + 3_600_000}])
    assert r.status_code == 422
    assert "future" in r.json()["errors"][0]["reason"]
    assert post(client, admin, []).status_code == 422
    assert post(client, admin, {"device": d["identifier"]}).status_code == 422
    r = client.post("/api/v1/positions", headers=admin, content=b"[{not json")
    assert r.status_code == 422
    assert stored(d["id"]) == 0
    r = post(client, admin, good)
    assert r.status_code == 200, r.text
    assert r.json() == {"received": 5, "stored": 5, "duplicates": 0, "late": 0, "events": 0}
    assert stored(d["id"]) == 5


def test_batch_limits_and_auth(
    client: TestClient, admin: dict[str, str], make_device: Any, monkeypatch: Any
) -> None:
    d = make_device()
    monkeypatch.setenv("HIFAZAT_TRACKING_MAX_BATCH", "3")
    from hifazat.config import reset_settings

    reset_settings()
    items = [{"device": d["identifier"], "lat": 1.0, "lon": 1.0, "at": NOW() - i * 1000} for i in range(4)]
    assert post(client, admin, items).status_code == 413
    assert client.post("/api/v1/positions", json=items[:1]).status_code == 401


def test_duplicates_and_late_positions(client: TestClient, admin: dict[str, str], make_device: Any) -> None:
    d = make_device()
    t = NOW() - 100_000
    first = [{"device": d["identifier"], "lat": 24.9, "lon": 67.1, "at": t + i * 1000} for i in range(3)]
    assert post(client, admin, first).json()["stored"] == 3
    again = [*first, first[0]]  # stored ones and an in-batch repeat
    r = post(client, admin, again).json()
    assert r["stored"] == 0
    assert r["duplicates"] == 4
    late = [{"device": d["identifier"], "lat": 24.8, "lon": 67.0, "at": t - 5000}]
    r = post(client, admin, late).json()
    assert r["stored"] == 1
    assert r["late"] == 1
    got = client.get(f"/api/v1/devices/{d['id']}", headers=admin).json()
    assert got["last_position"]["lat"] == 24.9  # a late fix does not move the last known position
    assert stored(d["id"]) == 4


def test_zone_events_sos_low_battery(
    client: TestClient, admin: dict[str, str], make_device: Any, captured: list[Any]
) -> None:
    r = client.post(
        "/api/v1/zones",
        headers=admin,
        json={
            "name": "Market",
            "kind": "red_zone",
            "geometry": {"type": "Point", "coordinates": [67.0, 24.86]},
            "radius_m": 500,
        },
    )
    zone = r.json()
    d = make_device()
    t = NOW() - 60_000
    path = [(24.80, 67.0, 80), (24.861, 67.001, 50), (24.862, 67.0, 15), (24.90, 67.0, 10)]
    items = [
        {"device": d["identifier"], "lat": la, "lon": lo, "at": t + i * 1000, "battery": b}
        for i, (la, lo, b) in enumerate(path)
    ]
    items[2]["alarm"] = "sos"
    r = post(client, admin, items)
    assert r.status_code == 200
    assert r.json()["events"] == 5
    kinds = [e["subject"] for e in events() if e["subject"] != "tracking.device.created"]
    kinds = [k for k in kinds if not k.startswith("tracking.zone.")]
    assert kinds.count("tracking.zone_enter") == 1
    assert kinds.count("tracking.red_zone_entry") == 1
    assert kinds.count("tracking.zone_exit") == 1
    assert kinds.count("tracking.sos") == 1
    assert kinds.count("tracking.low_battery") == 1
    enter = events("zone_enter")[0]
    assert enter["zone_id"] == zone["id"]
    assert enter["zone_kind"] == "red_zone"
    assert enter["zone_name"] == "Market"
    assert enter["device_id"] == d["id"]
    assert enter["device_identifier"] == d["identifier"]
    assert enter["agency_id"] == d["agency_id"]
    assert "lat" in enter
    assert enter["at"].endswith("Z")
    assert events("low_battery")[0]["battery"] == 15
    assert sorted(e.kind for e in captured) == sorted(
        ["zone_enter", "red_zone_entry", "sos", "low_battery", "zone_exit"]
    )
    # the same positions again change nothing and emit nothing
    assert post(client, admin, items).json()["events"] == 0


def _person_unit(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    c, h = world.client, world.headers["police-admin"]
    p = c.post(
        "/api/v1/persons", headers=h, json={"given_name": "Wang", "family_name": "Fang", "nationality": "CN"}
    )
    u = c.post("/api/v1/units", headers=h, json={"call_sign": "ESC-1", "kind": "escort"})
    assert p.status_code == 201, p.text
    assert u.status_code == 201, u.text
    return p.json(), u.json()


def test_unaccompanied(world: World, make_device: Any) -> None:
    c, h = world.client, world.headers["police-admin"]
    person, unit = _person_unit(world)
    r = c.post(
        "/api/v1/escorts",
        headers=h,
        json={"person_id": person["id"], "unit_id": unit["id"], "max_distance_m": 300},
    )
    assert r.status_code == 201, r.text
    pd = make_device(headers=h, owner_kind="person", owner_id=person["id"])
    ud = make_device(headers=h, owner_kind="unit", owner_id=unit["id"], kind="tracker")
    t = NOW() - 60_000

    def at(dev: dict[str, Any], lat: float, lon: float, k: int) -> dict[str, Any]:
        return {"device": dev["identifier"], "lat": lat, "lon": lon, "at": t + k * 1000}

    assert post(c, h, [at(ud, 24.900, 67.100, 0), at(pd, 24.901, 67.100, 0)]).json()["events"] == 0
    r = post(c, h, [at(pd, 24.910, 67.100, 1)])  # ~1 km from the escort
    assert r.json()["events"] == 1
    ev = events("unaccompanied")[0]
    assert ev["owner_kind"] == "person"
    assert ev["owner_id"] == person["id"]
    assert ev["distance_m"] > 1000
    assert post(c, h, [at(pd, 24.920, 67.100, 2)]).json()["events"] == 0  # still apart: once per episode
    assert post(c, h, [at(ud, 24.9205, 67.100, 3), at(pd, 24.920, 67.100, 3)]).json()["events"] == 0
    assert post(c, h, [at(pd, 24.940, 67.100, 4)]).json()["events"] == 1  # a new episode


def test_stale_job_emits_once(
    client: TestClient, admin: dict[str, str], make_device: Any, captured: list[Any]
) -> None:
    d = make_device()
    post(client, admin, [{"device": d["identifier"], "lat": 24.9, "lon": 67.1, "at": NOW() - 3_600_000}])
    with unit_of_work() as s:
        assert [e.kind for e in jobs.mark_stale(s)] == ["device_stale"]
    with unit_of_work() as s:
        assert jobs.mark_stale(s) == []
    assert len(events("device_stale")) == 1
    assert captured[-1].kind == "device_stale"
    listed = client.get(f"/api/v1/devices/{d['id']}", headers=admin).json()
    assert listed["stale"] is True
    post(client, admin, [{"device": d["identifier"], "lat": 24.9, "lon": 67.1, "at": NOW() - 1000}])
    with unit_of_work(readonly=True) as s:
        assert s.get(DeviceLast, d["id"]).stale is False  # type: ignore[union-attr]


def test_retention_purge(
    client: TestClient, admin: dict[str, str], make_device: Any, monkeypatch: Any
) -> None:
    d = make_device()
    old = int((utcnow() - timedelta(days=40)).timestamp() * 1000)
    post(
        client,
        admin,
        [
            {"device": d["identifier"], "lat": 1.0, "lon": 1.0, "at": old},
            {"device": d["identifier"], "lat": 1.0, "lon": 1.0, "at": NOW() - 1000},
        ],
    )
    monkeypatch.setenv("HIFAZAT_TRACKING_RETENTION_DAYS", "30")
    from hifazat.config import reset_settings

    reset_settings()
    assert jobs.purge_expired() == 1
    assert stored(d["id"]) == 1


def test_history_geojson_and_coarse_positions(world: World, make_device: Any) -> None:
    c, h = world.client, world.headers["police-admin"]
    d = make_device(headers=h, name="Escort phone")  # a name unlike the identifier: a search tells them apart
    t = NOW() - 10_000
    post(
        c,
        h,
        [
            {"device": d["identifier"], "lat": 24.861234, "lon": 67.012345, "at": t + i * 1000}
            for i in range(3)
        ],
    )
    r = c.get(f"/api/v1/devices/{d['id']}/positions", headers=h)
    assert [p["lat"] for p in r.json()["items"]] == [24.861234] * 3
    r = c.get(f"/api/v1/devices/{d['id']}/track.geojson", headers=h)
    assert r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    assert fc["type"] == "FeatureCollection"
    assert fc["features"][0]["geometry"]["type"] == "LineString"
    assert len(fc["features"][0]["geometry"]["coordinates"]) == 3
    r = c.get(
        f"/api/v1/devices/{d['id']}/positions",
        headers=h,
        params={"from": "2030-01-01T00:00:00Z", "to": "2029-01-01T00:00:00Z"},
    )
    assert r.status_code == 422
    # a liaison officer granted the police agency's devices sees them coarsened
    r = c.post(
        "/api/v1/sharing-agreements",
        headers=world.root_admin,
        json={
            "name": "Devices of Chinese nationals' escorts",
            "grantor_id": world.agency["police"],
            "grantee_id": world.agency["embassy"],
            "entity_kinds": ["devices"],
            "level": "full",
        },
    )
    assert r.status_code == 201, r.text
    liaison = login(c, "liaison", ADMIN_PASSWORD)
    r = c.get(f"/api/v1/devices/{d['id']}/positions", headers=liaison)
    assert r.status_code == 200, r.text
    assert [p["lat"] for p in r.json()["items"]] == [24.86] * 3
    assert r.json()["items"][0]["attributes"] is None
    seen = c.get(f"/api/v1/devices/{d['id']}", headers=liaison).json()
    assert seen["last_position"]["lon"] == 67.01
    assert seen["identifier"] is None  # a credential: only the owner's tree sees it
    assert c.get(f"/api/v1/devices/{d['id']}", headers=h).json()["identifier"] == d["identifier"]
    # nor does a search by it answer for them, while the owner still finds the device that way
    found = c.get("/api/v1/devices", headers=liaison, params={"q": d["identifier"]}).json()["items"]
    assert found == []
    found = c.get("/api/v1/devices", headers=h, params={"q": d["identifier"]}).json()["items"]
    assert [x["id"] for x in found] == [d["id"]]
    assert c.post("/api/v1/positions", headers=liaison, json=[]).status_code == 403


def _walked(fixes: list[ingest.Fix]) -> tuple[Any, Any]:
    with unit_of_work(readonly=True) as s:
        state = get_cache().fresh(s)
        return ingest.walk(s, ingest.Fixes.of(fixes), state, reading=True), state


def test_a_batch_walked_without_the_write_lock_is_written_only_if_what_it_read_still_holds(
    client: TestClient, admin: dict[str, str], make_device: Any
) -> None:
    """The batch API walks a batch in a read-only transaction and then writes it by statements alone; a
    device's hot row changed meanwhile, or one of its positions stored by another writer, and nothing is
    written that way (the caller stores it again, the usual way)."""
    d, e = make_device(), make_device()
    t = NOW() - 100_000
    first = [{"device": x["identifier"], "lat": 24.9, "lon": 67.1, "at": t} for x in (d, e)]
    assert post(client, admin, first).json()["stored"] == 2

    def fix(dev: dict[str, Any], k: int, lat: float = 24.91) -> ingest.Fix:
        return ingest.Fix(dev["id"], t + k * 1000, lat, 67.1, "api")

    # Unchanged since the walk: written, the hot rows moved on.
    walked, state = _walked([fix(d, 1), fix(e, 1)])
    assert walked is not None
    assert set(walked.read) == {d["id"], e["id"]}
    with unit_of_work() as s:
        result = ingest.store_walked(s, walked, state, lambda: True)
    assert result is not None
    assert result.stored == 2
    assert set(result.latest) == {d["id"], e["id"]}
    assert stored(d["id"]) == stored(e["id"]) == 2

    # A hot row changed after the walk: nothing written.
    walked, state = _walked([fix(d, 2), fix(e, 2)])
    assert walked is not None
    assert post(client, admin, [{"device": e["identifier"], "lat": 24.92, "lon": 67.1, "at": t + 5000}])
    with unit_of_work() as s:
        assert ingest.store_walked(s, walked, state, lambda: True) is None
    assert stored(d["id"]) == 2
    assert stored(e["id"]) == 3

    # A late position (its hot row does not move) stored by another writer after the walk: raced.
    walked, state = _walked([fix(d, -5, 24.8)])
    assert walked is not None
    assert walked.result.late == 1
    assert post(client, admin, [{"device": d["identifier"], "lat": 24.8, "lon": 67.1, "at": t - 5000}])
    # (SQLite counts what its INSERT ... ON CONFLICT DO NOTHING stored; PostgreSQL's COPY refuses the repeat.)
    with pytest.raises((ingest.Raced, UniqueViolation)), unit_of_work() as s:
        ingest.store_walked(s, walked, state, lambda: True)
    assert stored(d["id"]) == 3


def test_a_batch_that_gives_way_to_an_sos_is_stored_in_parts_each_position_once(
    client: TestClient, admin: dict[str, str], make_device: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a bulk lane (SQLite) a batch walked without the lock commits the positions it inserted so far
    whenever an SOS of the front waits for the write lock, and goes on after it; if a hot row it read
    changed in such a gap, the rest is stored the usual way and still every position exactly once."""
    import mmap

    from hifazat.platform import db as db_mod
    from hifazat.platform import fast_insert
    from hifazat.platform.db import local_writes
    from hifazat.platform.sqlite import engine as sqlite_engine
    from hifazat.platform.sqlite import lane as lane_mod
    from hifazat.platform.sqlite.api import CHUNK_ROWS

    d, e = make_device(), make_device()
    t = NOW() - 3_600_000
    assert post(
        client, admin, [{"device": x["identifier"], "lat": 24.9, "lon": 67.1, "at": t} for x in (d, e)]
    )
    page = mmap.mmap(-1, mmap.PAGESIZE)
    front, back = lane_mod.WriteLane(), lane_mod.WriteLane()
    front.share(page)
    back.watch(page)
    for mod in (lane_mod, db_mod, sqlite_engine, fast_insert):
        monkeypatch.setattr(mod, "lane", back)
    front.blocked(+1)  # an SOS waits for the write lock all along: every give-way point gives way

    n = 2 * CHUNK_ROWS + 44  # three chunks
    from hifazat.tracking import batch as batch_mod

    walks: list[int] = []

    def counted_walk(session: Any, fixes: Any, *args: Any, **kwargs: Any) -> Any:
        walks.append(len(fixes.device_ids))
        return ingest.walk(session, fixes, *args, **kwargs)

    monkeypatch.setattr(batch_mod, "walk", counted_walk)
    batch = [
        {"device": d["identifier"], "lat": 24.91, "lon": 67.1, "at": t + (k + 1) * 1000} for k in range(n)
    ]
    r = post(client, admin, batch)
    assert r.status_code == 200, r.text
    assert r.json()["stored"] == n
    assert r.json()["duplicates"] == 0
    parts = back.gave_way
    assert parts == (4 if local_writes() else 0)  # before each of the three pieces and before device_last
    assert stored(d["id"]) == n + 1
    # Its checks before the first write were stopped for the SOS and ran again (nothing was written yet),
    # the last try to the end; then nothing rolled back, only given way. The walk ran once.
    assert back.preemptions == (lane_mod.PREEMPT_TRIES - 1 if local_writes() else 0)
    assert walks == ([n] if local_writes() else [])

    # A gap in which another writer moves a hot row the walk read (here: a fix newer than the whole batch).
    def move_hot_row() -> None:
        with unit_of_work() as s:
            row = s.get(DeviceLast, d["id"])
            assert row is not None
            row.at, row.lat = utcnow(), 25.5

    def meanwhile() -> None:  # the SOS's turn, at a give-way point (readers too defer to an SOS)
        if getattr(lane_mod._local, "parts", False):
            monkeypatch.setattr(back, "defer_to_urgent", lambda: None)
            move_hot_row()

    monkeypatch.setattr(back, "defer_to_urgent", meanwhile)
    if not local_writes():
        move_hot_row()  # no parts on PostgreSQL: the same change, before the batch
    batch = [
        {"device": d["identifier"], "lat": 24.92, "lon": 67.1, "at": t + (n + k + 1) * 1000} for k in range(n)
    ]
    r = post(client, admin, batch)
    assert r.status_code == 200, r.text
    assert stored(d["id"]) == 2 * n + 1  # each once: the parts committed before the gap, then the rest
    with unit_of_work(readonly=True) as s:
        last = s.get(DeviceLast, d["id"])
        assert last is not None
        assert last.lat == 25.5
    # Given way at all four points again (the move in the first gap), then the rest stored the usual way.
    assert back.gave_way == (2 * parts if local_writes() else 0)

    # Chunks committed, then the device suspended in the gap: the batch was accepted with its first chunk,
    # so it is stored whole (each position once), never refused with rows left behind.
    if not local_writes():
        return  # no chunks committed apart on PostgreSQL: a suspended device is refused before any write

    def suspend() -> None:
        move_hot_row()
        with unit_of_work() as s:
            device = s.get(Device, d["id"])
            assert device is not None
            device.status = "suspended"
            bump(s)

    def meanwhile_suspend() -> None:
        if getattr(lane_mod._local, "parts", False):
            monkeypatch.setattr(back, "defer_to_urgent", lambda: None)
            suspend()

    monkeypatch.setattr(back, "defer_to_urgent", meanwhile_suspend)
    batch = [
        {"device": d["identifier"], "lat": 24.93, "lon": 67.1, "at": t + (2 * n + k + 1) * 1000}
        for k in range(n)
    ]
    r = post(client, admin, batch)
    assert r.status_code == 200, r.text
    assert stored(d["id"]) == 3 * n + 1


def test_a_device_the_worker_has_not_loaded_yet_is_judged_against_the_database(
    client: TestClient, admin: dict[str, str], make_device: Any
) -> None:
    """Another worker registered it: this one's state lacks it until it looks again, which it does before
    refusing a batch rather than answering "no such device"."""
    first = make_device()
    assert (
        post(
            client, admin, [{"device": first["identifier"], "lat": 24.9, "lon": 67.1, "at": NOW()}]
        ).status_code
        == 200
    )
    held = get_cache().current()
    assert held is not None
    with (
        unit_of_work() as s
    ):  # as another worker would: the row and the version bump, nothing in this process
        s.add(Device(identifier="from-another-worker-0001", kind="phone", agency_id=first["agency_id"]))
        bump(s)
    assert get_cache().current() is held
    assert "from-another-worker-0001" not in held.by_identifier
    r = post(client, admin, [{"device": "from-another-worker-0001", "lat": 24.9, "lon": 67.1, "at": NOW()}])
    assert r.status_code == 200, r.text
    r = post(client, admin, [{"device": "nobody-at-all", "lat": 24.9, "lon": 67.1, "at": NOW()}])
    assert r.status_code == 422  # still refused when the database does not know it either
