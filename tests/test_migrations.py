"""Models and migrations agree: upgrade an empty database to heads, then autogenerate finds nothing to do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

import hifazat.models  # noqa: F401  (every domain's tables in the metadata)
from hifazat import migrate
from hifazat.config import Settings
from hifazat.db import Base, get_engine


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
