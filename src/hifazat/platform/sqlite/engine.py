"""SQLite's engine hooks: pragmas on connect, BEGIN through this process's write lane, statements that
give way to an urgent writer. Installed on the engine by `hifazat.platform.db.make_engine`."""

from __future__ import annotations

from typing import Any

from hifazat.platform.sqlite.checkpoint import FALLBACK_CHECKPOINT_PAGES, WAL_SIZE_LIMIT
from hifazat.platform.sqlite.lane import (
    PROGRESS_STEPS,
    LaneConnection,
    Preempted,
    begin_urgent,
    is_urgent,
    lane,
)


def on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Autocommit at the driver level: SQLAlchemy's "begin" hook below issues BEGIN itself.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode survives a killed process; only power loss can drop the last commits.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    # A batch touches thousands of index pages: keep them cached rather than re-read them from the OS.
    cur.execute("PRAGMA cache_size=-32768")
    # Checkpoints run in a background thread (`checkpoint.Checkpointer`), not inside the commit that
    # crosses the threshold while holding the write lock; this high mark is only the fallback for other
    # processes.
    cur.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_CHECKPOINT_PAGES}")
    cur.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
    cur.close()
    if lane.watching():  # a bulk lane: its long statements stop mid-way for an SOS that waits
        dbapi_conn.set_progress_handler(dbapi_conn.interrupt_check, PROGRESS_STEPS)


def on_begin(conn: Any) -> None:
    # IMMEDIATE takes the write lock up front, so a reader never fails to upgrade (SQLITE_BUSY_SNAPSHOT).
    mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    raw = conn.connection.dbapi_connection
    if mode != "IMMEDIATE" or not isinstance(raw, LaneConnection):
        lane.defer_to_urgent()
        conn.exec_driver_sql(f"BEGIN {mode}")
        return
    raw.take_lane()  # this process's writers take turns here (urgent first), not in SQLite's busy sleeps
    try:
        if is_urgent():
            begin_urgent(raw)  # another process (the bulk lane) may hold the lock: poll it finely
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        raw.drop_lane()
        raise


def before_statement(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    # The bulk lane's long writes stop at their next statement while an SOS waits for the write lock
    # (never at BEGIN, SAVEPOINT, RELEASE or ROLLBACK: those start or end the work, not continue it), and
    # only while they hold it: a reader holds up no one.
    if lane.must_yield() and writing(conn) and statement.lstrip().split(None, 1)[0].upper() in _WORK:
        raise Preempted


def writing(conn: Any) -> bool:
    """This SQLAlchemy connection is in a write transaction of its process's lane (BEGIN IMMEDIATE)."""
    return bool(getattr(conn.connection.dbapi_connection, "holds_lane", False))


_WORK = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"})
