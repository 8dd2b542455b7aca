"""The SQLite WAL checkpointer: copies commits into the database file in the background, never creates the
file, and stops with its engine."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import text

from hifazat.platform.db import make_engine


def _threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sqlite-checkpoint"]


def test_checkpointer_copies_the_wal_and_stops_with_the_engine(tmp_path: Path) -> None:
    path = tmp_path / "cp.db"
    before = len(_threads())
    engine = make_engine(f"sqlite:///{path}")
    time.sleep(0.4)
    assert not path.exists(), "the checkpointer must not create the database file"
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t (x) VALUES (1), (2), (3)"))
    # No checkpoint of ours and far below SQLite's own threshold: only the background thread can move the
    # rows from the WAL into the main file, which an immutable reader sees without the WAL.
    deadline = time.monotonic() + 5
    rows = 0
    while time.monotonic() < deadline and rows != 3:
        time.sleep(0.1)
        file_only = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            rows = file_only.execute("SELECT count(*) FROM t").fetchone()[0]
        except sqlite3.OperationalError:  # table not in the main file yet
            rows = 0
        finally:
            file_only.close()
    assert rows == 3
    assert len(_threads()) == before + 1
    engine.dispose()
    assert len(_threads()) == before, "disposing the engine stops its checkpointer"
