"""Models and migrations agree: upgrade an empty database to heads, then autogenerate finds nothing to do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

import hifazat.models  # noqa: F401  (every domain's tables in the metadata)
from hifazat.config import Settings
from hifazat.core.db import Base
from hifazat.platform import migrate
from hifazat.platform.db import get_engine


def _empty_database(settings: Settings) -> None:
    engine = get_engine()
    if settings.is_sqlite:
        assert not Path(settings.effective_database_url.split("///", 1)[1]).exists()
        return
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    assert inspect(engine).get_table_names() == []


def _diff(engine: Any) -> list[Any]:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        return list(compare_metadata(ctx, Base.metadata))


def test_upgrade_to_heads_matches_the_models(settings: Settings) -> None:
    _empty_database(settings)
    engine = get_engine()
    migrate.upgrade()
    script = ScriptDirectory.from_config(migrate.alembic_config())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    assert current == set(script.get_heads())
    diff = _diff(engine)
    assert diff == [], "models and migrations drifted apart:\n" + "\n".join(map(str, diff))
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    # Upgrading again is a no-op.
    migrate.upgrade()
    assert _diff(engine) == []


def test_every_revision_descends_from_the_foundation() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    revisions = list(script.walk_revisions())
    assert any(r.revision == "0001_foundation" for r in revisions)
    bases = script.get_bases()
    assert bases == ["0001_foundation"], f"only one root revision is allowed: {bases}"
    ids = [r.revision for r in revisions]
    assert len(ids) == len(set(ids))


def test_the_check_would_see_drift(settings: Settings) -> None:
    """The comparison is live: a column the migrations lack shows up as a difference."""
    from sqlalchemy import Column, MetaData, String

    migrate.upgrade()
    drifted = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(drifted)
    drifted.tables["persons"].append_column(Column("shoe_size", String(5)))
    with get_engine().connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, drifted)
    assert any(d[0] == "add_column" and d[3].name == "shoe_size" for d in diff)


def test_position_key_migration_keeps_stored_positions(settings: Settings) -> None:
    """0005 moves positions from the device id to the compact device key and back, losing no fix."""
    from alembic import command

    _empty_database(settings)
    engine = get_engine()
    cfg = migrate.alembic_config(engine)
    command.upgrade(cfg, "0002_tracking")  # env.py opens its own connection from the engine
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO agencies (id, name, kind, jurisdiction, country, created_at, updated_at)"
                " VALUES ('a', 'A', 'police', '{}', 'PK', '2026-01-01', '2026-01-01')"
            )
        )
        for n, dev in enumerate(("d-one", "d-two"), start=1):
            conn.execute(
                text(
                    "INSERT INTO devices (id, identifier, name, kind, agency_id, status, notes, created_at,"
                    " updated_at) VALUES (:id, :id, :id, 'tracker', 'a', 'active', '', :t, :t)"
                ),
                {"id": dev, "t": f"2026-01-0{n}"},
            )
            for at in (1_000, 2_000, 3_000):
                conn.execute(
                    text(
                        "INSERT INTO positions (device_id, at, received_at, lat, lon, source)"
                        " VALUES (:d, :at, :at, 24.9, 67.1, 'api')"
                    ),
                    {"d": dev, "at": at * n},
                )
    command.upgrade(cfg, "0005_position_key")
    with engine.connect() as conn:
        keys = dict(conn.execute(text("SELECT id, position_key FROM devices")).all())
        rows = conn.execute(text("SELECT device_key, at FROM positions ORDER BY device_key, at")).all()
    assert keys == {"d-one": 1, "d-two": 2}
    assert [tuple(r) for r in rows] == [(1, 1000), (1, 2000), (1, 3000), (2, 2000), (2, 4000), (2, 6000)]
    command.downgrade(cfg, "0002_tracking")
    with engine.connect() as conn:
        back = conn.execute(text("SELECT device_id, at FROM positions ORDER BY device_id, at")).all()
    assert [tuple(r) for r in back] == [
        ("d-one", 1000),
        ("d-one", 2000),
        ("d-one", 3000),
        ("d-two", 2000),
        ("d-two", 4000),
        ("d-two", 6000),
    ]


def _insert(conn: Any, table: str, **values: Any) -> None:
    names = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), values)  # noqa: S608


def test_district_migration_copies_districts_the_way_provinces_are(settings: Settings) -> None:
    """0008 backfills district beside province: persons and units from their site, devices from their
    owner (a vehicle through its unit), alerts from their site, else person, else device, in its province."""
    from alembic import command

    _empty_database(settings)
    engine = get_engine()
    cfg = migrate.alembic_config(engine)
    for head in ("0004_notify", "0005_position_key", "0007_hot_write_indexes"):  # what 0008 merges
        command.upgrade(cfg, head)
    t = {"created_at": "2026-01-01", "updated_at": "2026-01-01"}
    with engine.begin() as conn:
        _insert(conn, "agencies", id="a", name="A", kind="police", jurisdiction="[]", country="PK", **t)
        for sid, prov, district in (("ks", "PK-SD", "Karachi South"), ("lhr", "PK-PB", "Lahore")):
            _insert(
                conn,
                "sites",
                id=sid,
                agency_id="a",
                name=sid,
                kind="residence",
                geometry="{}",
                center_lat=24.8,
                center_lon=67.0,
                address="",
                province=prov,
                district=district,
                perimeter_wall=False,
                razor_wire=False,
                cctv=False,
                guard_posts=0,
                access_control=False,
                **t,
            )
        person = {"given_name": "Li", "family_name": "Wei", "nationality": "CN", "status": "in_country"}
        _insert(
            conn,
            "persons",
            id="p",
            agency_id="a",
            notes="",
            residence_site_id="ks",
            province="PK-SD",
            **person,
            **t,
        )
        unit = {"call_sign": "U-1", "kind": "escort", "strength": 1, "status": "available"}
        _insert(conn, "units", id="u", agency_id="a", base_site_id="ks", province="PK-SD", **unit, **t)
        vehicle = {"registration": "V-1", "make_model": "", "armoured_level": "none", "seats": 4}
        _insert(conn, "vehicles", id="v", agency_id="a", status="active", unit_id="u", **vehicle, **t)
        for n, (did, kind, owner) in enumerate((("dp", "person", "p"), ("dv", "vehicle", "v")), 1):
            device = {"identifier": did, "name": "", "kind": "phone", "status": "active", "notes": ""}
            _insert(
                conn,
                "devices",
                id=did,
                position_key=n,
                agency_id="a",
                owner_kind=kind,
                owner_id=owner,
                province="PK-SD",
                **device,
                **t,
            )
        alert = {
            "agency_id": "a",
            "kind": "sos",
            "severity": "critical",
            "status": "new",
            "source": "api",
            "title": "SOS",
            "description": "",
            "cap_scope": "restricted",
            "escalation_level": 0,
            "last_seen_at": "2026-01-01",
            "repeat_count": 0,
            "province": "PK-SD",
        }
        for aid, site, person_id, device_id in (
            ("by-site", "ks", None, None),
            ("by-person", "lhr", "p", None),  # its site lies in another province: the person's district
            ("by-device", None, None, "dv"),
            ("nowhere", None, None, None),
        ):
            _insert(
                conn, "alerts", id=aid, site_id=site, person_id=person_id, device_id=device_id, **alert, **t
            )
    command.upgrade(cfg, "0008_district")
    with engine.connect() as conn:
        got = {
            table: dict(conn.execute(text(f"SELECT id, district FROM {table}")).all())  # noqa: S608
            for table in ("persons", "units", "devices", "alerts")
        }
    ks = "Karachi South"
    assert got == {
        "persons": {"p": ks},
        "units": {"u": ks},
        "devices": {"dp": ks, "dv": ks},
        "alerts": {"by-site": ks, "by-person": ks, "by-device": ks, "nowhere": None},
    }
    command.downgrade(cfg, "0007_hot_write_indexes")
    assert "district" not in {c["name"] for c in inspect(engine).get_columns("alerts")}
    assert "ref_district" not in {c["name"] for c in inspect(engine).get_columns("notify_deliveries")}


def test_source_authenticated_migration_cannot_vouch_for_earlier_tracking_alerts(settings: Settings) -> None:
    """0011 marks alerts raised by tracking before it false (their position's source was not kept) and
    every other alert true; downgrade drops the column."""
    from alembic import command

    _empty_database(settings)
    engine = get_engine()
    cfg = migrate.alembic_config(engine)
    command.upgrade(cfg, "0010_device_alive")
    t = {"created_at": "2026-01-01", "updated_at": "2026-01-01"}
    alert = {
        "agency_id": "a",
        "kind": "sos",
        "severity": "critical",
        "status": "new",
        "title": "SOS",
        "description": "",
        "cap_scope": "restricted",
        "escalation_level": 0,
        "last_seen_at": "2026-01-01",
        "repeat_count": 0,
    }
    with engine.begin() as conn:
        _insert(conn, "agencies", id="a", name="A", kind="police", jurisdiction="[]", country="PK", **t)
        for aid, source in (("osmand-sos", "tracking"), ("dashboard", "api"), ("text", "sms")):
            _insert(conn, "alerts", id=aid, source=source, **alert, **t)
    command.upgrade(cfg, "0011_ingest")
    with engine.connect() as conn:
        got = dict(conn.execute(text("SELECT id, source_authenticated FROM alerts")).all())
    assert {k: bool(v) for k, v in got.items()} == {"osmand-sos": False, "dashboard": True, "text": True}
    command.downgrade(cfg, "0010_device_alive")
    assert "source_authenticated" not in {c["name"] for c in inspect(engine).get_columns("alerts")}
