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
