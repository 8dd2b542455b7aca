"""Engine, sessions and the declarative base shared by every domain."""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, String, bindparam, create_engine, event, insert, inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    make_transient_to_detached,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.types import TypeDecorator

from hifazat.config import Settings, get_settings
from hifazat.lane import (
    PROGRESS_STEPS,
    LaneConnection,
    Preempted,
    begin_urgent,
    is_urgent,
    lane,
)

log = logging.getLogger("hifazat.db")
FALLBACK_CHECKPOINT_PAGES = 20_000  # 80 MB of WAL
WAL_SIZE_LIMIT = 64 * 1024 * 1024  # truncate the WAL back to this after a checkpoint resets it
RESTART_FRAMES = 4_000  # 16 MB: past this, the checkpointer makes the WAL start over
RESTART_WAIT_MS = 5  # how long a RESTART checkpoint waits for readers, holding writers back meanwhile


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """Time-ordered 32-hex identifier (UUIDv7 layout) so ids double as a stable pagination cursor."""
    ms = int(time.time() * 1000)
    rand = secrets.token_bytes(10)
    raw = (
        ms.to_bytes(6, "big")
        + bytes([0x70 | (rand[0] & 0x0F)])
        + rand[1:2]
        + bytes([0x80 | (rand[2] & 0x3F)])
    )
    raw += rand[3:10]
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, always hands back an aware datetime (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Any) -> Any:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            # The text SQLAlchemy's SQLite DATETIME stores ("2026-12-03 07:01:02.000005", UTC), made by
            # isoformat instead of its %-formatting of a dict of parts: every row of every write has some.
            utc = self.process_bind_param(value, dialect)
            return None if utc is None else utc.isoformat(" ", "microseconds")

        return process

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}


class IdMixin:
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SoftDeleteMixin:
    deleted_at: Mapped[datetime | None] = mapped_column(default=None, index=True)


_engines: dict[str, Engine] = {}
# One checkpointer per database file is enough: a worker's bulk-lane process leaves it to its front.
run_checkpointer = True
_factories: dict[str, sessionmaker[Session]] = {}


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
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
    # Checkpoints run in a background thread (`_Checkpointer`), not inside the commit that crosses the
    # threshold while holding the write lock; this high mark is only the fallback for other processes.
    cur.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_CHECKPOINT_PAGES}")
    cur.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
    cur.close()
    if lane.watching():  # a bulk lane: its long statements stop mid-way for an SOS that waits
        dbapi_conn.set_progress_handler(dbapi_conn.interrupt_check, PROGRESS_STEPS)


class _Checkpointer:
    """Copies the WAL back into the database file every `interval` seconds on its own connection.

    A PASSIVE checkpoint never takes the write lock, so writers keep committing while it copies and
    syncs; SQLite's automatic checkpoint would run inside a writer's commit instead (tens of ms under load).
    """

    def __init__(self, path: str, interval: float = 0.25) -> None:
        self.path, self.interval = path, interval
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop and close the connection before the caller goes on (a test may then change the file)."""
        self.stop.set()
        if self.thread is not threading.current_thread():
            self.thread.join(5)

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while not self.stop.wait(self.interval):
                try:
                    if conn is None:
                        if not os.path.exists(self.path):
                            continue  # not created yet; never create it here (an empty file is a database)
                        uri = Path(self.path).resolve().as_uri() + "?mode=rw"
                        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
                        conn.execute(f"PRAGMA busy_timeout={RESTART_WAIT_MS}")
                    _, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    if frames > RESTART_FRAMES and copied == frames and not lane.urgent_in_flight():
                        # Everything is copied, yet with readers always about no writer ever finds the
                        # moment to start the WAL over: wait for that moment here. Writers wait while
                        # this does, so only briefly, and never while an SOS is being written.
                        conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
                except sqlite3.Error:
                    log.warning("WAL checkpoint failed", exc_info=True)
        finally:
            if conn is not None:
                conn.close()


def _sqlite_begin(conn: Any) -> None:
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


def _yield_to_urgent(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    # The bulk lane's long writes stop at their next statement while an SOS waits for the write lock
    # (never at BEGIN, SAVEPOINT, RELEASE or ROLLBACK: those start or end the work, not continue it), and
    # only while they hold it: a reader holds up no one.
    if lane.must_yield() and _writing(conn) and statement.lstrip().split(None, 1)[0].upper() in _WORK:
        raise Preempted


def _writing(conn: Any) -> bool:
    """This SQLAlchemy connection is in a write transaction of its process's lane (BEGIN IMMEDIATE)."""
    return bool(getattr(conn.connection.dbapi_connection, "holds_lane", False))


_WORK = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"})


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        args = {"check_same_thread": False, "timeout": 30, "factory": LaneConnection}
        engine = create_engine(url, connect_args=args, pool_size=8)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "before_cursor_execute", _yield_to_urgent)
        if path and path != ":memory:" and run_checkpointer:
            cp = _Checkpointer(path)
            event.listen(engine, "engine_disposed", lambda _engine: cp.close())
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    # Background transactions begin after urgent work in flight (an SOS) is done; row locks need no lane.
    event.listen(engine, "begin", lambda _conn: lane.defer_to_urgent())
    return engine


def get_engine(settings: Settings | None = None) -> Engine:
    url = (settings or get_settings()).effective_database_url
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def local_writes(settings: Settings | None = None) -> bool:
    """The database is a local file (SQLite): a write waits for a lock, never for the network."""
    return get_engine(settings).dialect.name == "sqlite"


def session_factory(settings: Settings | None = None) -> sessionmaker[Session]:
    url = (settings or get_settings()).effective_database_url
    if url not in _factories:
        _factories[url] = sessionmaker(bind=get_engine(settings), expire_on_commit=False)
    return _factories[url]


def read_only(session: Session) -> Session:
    """Mark a session as a reader: on SQLite it begins DEFERRED and so never waits for the write lock."""
    bind = session.get_bind()
    session.bind = bind.execution_options(sqlite_begin="DEFERRED")
    return session


@contextmanager
def unit_of_work(settings: Settings | None = None, *, readonly: bool = False) -> Iterator[Session]:
    """One transaction: commit on success, roll back on error. Service functions never commit."""
    session = session_factory(settings)()
    if readonly:
        read_only(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# session.info: callables `insert_pending` runs once the other new rows are ready, right before writing (such
# as linking audit entries to the chain, which reads its head: on SQLite that takes the write lock).
LATE_FILL = "hifazat.db.late_fill"


def insert_pending(session: Session) -> None:
    """INSERT the session's new objects now, without the unit-of-work flush, and keep them in the session as
    persistent rows: the flush's bookkeeping (SQLite) and its round trips (PostgreSQL: one statement, the
    rows as data-modifying CTEs) are most of the cost of a hot write, an SOS.

    For plain new rows only: Python-side column defaults are applied here (zero-argument callables or
    scalars), autoincrement keys are read back, and no flush events run (so nothing watched by a
    `before_flush` hook, such as users or agencies, may go this way)."""
    if session.get_bind().dialect.name == "sqlite":
        _sqlite_insert_pending(session)
        return
    for fill in session.info.pop(LATE_FILL, []):
        fill(session)
    rows = [(obj, _column_values(obj)) for obj in sorted(session.new, key=_table_rank)]
    keyed = [r for r in rows if _key_missing(r[0])]
    if len(rows) < 2 or len(keyed) > 1:
        for obj, values in rows:
            _run(session, _plain_insert(type(obj), _key_missing(obj)), values, [obj], obj)
        return
    # One statement: every row but the last as a CTE; the last is the one (if any) whose key comes back.
    rows = [r for r in rows if not keyed or r[0] is not keyed[0][0]] + keyed
    shape = tuple((inspect(type(o)).local_table, tuple(v)) for o, v in rows)
    params = {f"p{n}_{k}": v for n, (_, values) in enumerate(rows) for k, v in values.items()}
    _run(session, _pg_statement(shape, bool(keyed)), params, [obj for obj, _ in rows], rows[-1][0])


_pg_statements: dict[tuple[Any, ...], Any] = {}


def _pg_statement(shape: tuple[tuple[Any, tuple[str, ...]], ...], keyed: bool) -> Any:
    """The rows' one statement for this shape (tables and columns), values bound by name: made once, so
    SQLAlchemy compiles it once (values written into it made a new statement, compiled anew, every time)."""
    stmt = _pg_statements.get((shape, keyed))
    if stmt is None:

        def values(n: int, table: Any, names: tuple[str, ...]) -> dict[str, Any]:
            return {k: bindparam(f"p{n}_{k}", type_=table.c[k].type) for k in names}

        *firsts, (table, names) = shape
        main = insert(table).values(values(len(firsts), table, names))
        if keyed:
            main = main.returning(*table.primary_key.columns)
        ctes = [insert(t).values(values(n, t, ns)).cte(f"row{n}") for n, (t, ns) in enumerate(firsts)]
        stmt = _pg_statements[shape, keyed] = main.add_cte(*ctes)
    return stmt


def _sqlite_insert_pending(session: Session) -> None:
    """SQLite: every row's statement and bound values are made before the first statement runs (a session
    that has not read yet takes the write lock only then), the late fills' rows last."""
    fills = session.info.pop(LATE_FILL, [])
    ready = [(obj, _sqlite_render(session, obj)) for obj in sorted(session.new, key=_table_rank)]
    if fills:
        before = {id(obj) for obj, _ in ready}
        for fill in fills:
            fill(session)
        late = [o for o in sorted(session.new, key=_table_rank) if id(o) not in before]
        ready += [(o, _sqlite_render(session, o)) for o in late]
        ready.sort(key=lambda r: _table_rank(r[0]))
    for obj, plan in ready:
        if plan is None:
            _run(session, _plain_insert(type(obj), True), _column_values(obj), [obj], obj)
        else:
            _sqlite_write(session, obj, *plan)
    _persist(session, [obj for obj, _ in ready])


def insert_now(session: Session, obj: Any) -> None:
    """`insert_pending` for one new object (added to the session or not); other pending ones stay pending."""
    plan = _sqlite_render(session, obj) if session.get_bind().dialect.name == "sqlite" else None
    if plan is not None:
        _sqlite_write(session, obj, *plan)
    else:
        _run(session, _plain_insert(type(obj), _key_missing(obj)), _column_values(obj), [obj], obj)
        return
    _persist(session, [obj])


_sqlite_plans: dict[tuple[Any, tuple[str, ...]], tuple[str, list[Any]]] = {}


def _sqlite_render(session: Session, obj: Any) -> tuple[str, tuple[Any, ...], bool] | None:
    """SQLite: the row's INSERT as plain SQL for the driver's cursor, its values through the columns' own
    bind processors (SQLAlchemy's execution path around it cost more than the statement itself, on every
    audited write), and whether its integer key comes back as the cursor's `lastrowid`. None for a row
    whose composite key the database makes (only lastrowid comes back): it goes by SQLAlchemy."""
    keyed = _key_missing(obj)
    mapper: Any = inspect(type(obj))
    if keyed and len(mapper.primary_key) != 1:
        return None
    values = _column_values(obj)
    table = mapper.local_table
    names = tuple(values)
    plan = _sqlite_plans.get((table, names))
    if plan is None:
        dialect = session.get_bind().dialect
        quote = dialect.identifier_preparer.quote
        # Names from the metadata, quoted by the dialect; every value is bound.
        target = dialect.identifier_preparer.format_table(table)
        columns, marks = ", ".join(quote(n) for n in names), ", ".join("?" * len(names))
        sql = f"INSERT INTO {target} ({columns}) VALUES ({marks})"  # noqa: S608
        procs = [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
        plan = _sqlite_plans[table, names] = (sql, procs)
    sql, procs = plan
    params = tuple(v if p is None else p(v) for p, v in zip(procs, values.values(), strict=True))
    return sql, params, keyed


def _sqlite_write(session: Session, obj: Any, sql: str, params: tuple[Any, ...], keyed: bool) -> None:
    """The row's INSERT; the caller then makes it persistent (`_persist`)."""
    _, rowid = _sqlite_execute(session, sql, params)
    if keyed:
        mapper: Any = inspect(type(obj))
        (column,) = mapper.primary_key
        setattr(obj, mapper.get_property_by_column(column).key, rowid)


def _persist(session: Session, objs: list[Any]) -> None:
    """Rows just INSERTed become persistent in the session as a flush leaves its rows: in the identity map,
    their values committed, and (SQLAlchemy's own step after a flush's INSERTs) expunged again if the
    transaction rolls back. Pending ones move over in place; moving each out and back in cost more than
    its INSERT, as adding an object walks its relationships' cascades."""
    for obj in objs:
        if obj not in session:
            make_transient_to_detached(obj)
            session.add(obj)
    pending = {state for state in map(inspect, objs) if state.pending}
    if pending:
        session._register_persistent(pending)


def sqlite_first(session: Session, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
    """SQLite: the first row of a hot read (such as the audit chain's head, read by every write) on the
    session's connection, straight on the driver's cursor; no autoflush, no type processing."""
    return _sqlite_execute(session, sql, params)[0]


def _sqlite_execute(session: Session, sql: str, params: tuple[Any, ...]) -> tuple[Any, int | None]:
    """One statement on the session's connection (beginning its transaction if need be): its first row,
    if it returns rows, and the cursor's lastrowid."""
    conn = session.connection()
    if _writing(conn):
        lane.yield_point()  # what the engine's before_cursor_execute hook does for every other statement
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, params)
        return (cursor.fetchone() if cursor.description else None), cursor.lastrowid
    except sqlite3.DatabaseError as exc:
        raise _wrap(exc, sql, params) from exc
    finally:
        cursor.close()


def _wrap(exc: sqlite3.DatabaseError, sql: str, params: tuple[Any, ...]) -> Exception:
    """The driver's error as SQLAlchemy's, as the engine would have raised it (an IntegrityError is a 409)."""
    return DBAPIError.instance(sql, params, exc, sqlite3.Error)


_ranks: dict[Any, int] = {}


def _table_rank(obj: Any) -> int:
    """Parents before children (the metadata's dependency order, computed once)."""
    if not _ranks:
        _ranks.update({t: i for i, t in enumerate(Base.metadata.sorted_tables)})
    return _ranks.get(inspect(type(obj)).local_table, len(_ranks))


_plain: dict[tuple[Any, bool], Any] = {}


def _plain_insert(cls: Any, keyed: bool) -> Any:
    """One statement per table, its values bound at execution, so its compiled form is cached."""
    if (cls, keyed) not in _plain:
        mapper: Any = inspect(cls)
        stmt = insert(mapper.local_table)
        _plain[cls, keyed] = stmt.returning(*mapper.primary_key) if keyed else stmt
    return _plain[cls, keyed]


# What a missing attribute becomes in a plain INSERT, per column of a mapped class (computed once).
_NULL, _SCALAR, _CALL, _DATABASE = range(4)
_columns: dict[type, list[tuple[str, str, int, Any]]] = {}


def _column_plan(cls: type) -> list[tuple[str, str, int, Any]]:
    plan = _columns.get(cls)
    if plan is None:
        plan = []
        mapper: Any = inspect(cls)
        for prop in mapper.column_attrs:
            column = prop.columns[0]
            default = column.default
            if default is None:
                no_value = column.server_default is None and column.autoincrement is not True
                plan.append((prop.key, column.key, _NULL if no_value else _DATABASE, None))
            elif default.is_scalar:
                plan.append((prop.key, column.key, _SCALAR, default.arg))
            elif default.is_callable:
                plan.append((prop.key, column.key, _CALL, default.arg))
            else:
                plan.append((prop.key, column.key, _DATABASE, None))
        _columns[cls] = plan
    return plan


_keys: dict[type, tuple[str, ...]] = {}


def column_keys(cls: type) -> tuple[str, ...]:
    """A mapped class's column attributes, in the mapper's order (from its cached insert plan)."""
    keys = _keys.get(cls)
    if keys is None:
        keys = _keys[cls] = tuple(key for key, _, _, _ in _column_plan(cls))
    return keys


def _column_values(obj: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    state = obj.__dict__
    for key, column_key, kind, arg in _column_plan(type(obj)):
        if key in state:
            values[column_key] = state[key]
        elif kind == _NULL:
            setattr(obj, key, None)  # NULL, as the row will have: loaded, so never read back
        elif kind != _DATABASE:
            value = arg if kind == _SCALAR else arg(None)  # a callable default is wrapped to take a context
            setattr(obj, key, value)
            values[column_key] = value
    return values


_pk_keys: dict[type, tuple[str, ...]] = {}


def _key_missing(obj: Any) -> bool:
    keys = _pk_keys.get(type(obj))
    if keys is None:
        mapper: Any = inspect(type(obj))
        keys = _pk_keys[type(obj)] = tuple(mapper.get_property_by_column(c).key for c in mapper.primary_key)
    state = obj.__dict__
    return any(state.get(k) is None for k in keys)


def _run(session: Session, stmt: Any, values: dict[str, Any] | None, objs: list[Any], keyed: Any) -> None:
    with session.no_autoflush:
        result = session.execute(stmt, values)
    if _key_missing(keyed):
        mapper = inspect(type(keyed))
        for column, key in zip(mapper.primary_key, result.one(), strict=True):
            setattr(keyed, mapper.get_property_by_column(column).key, key)
    _persist(session, objs)


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
    _factories.clear()
