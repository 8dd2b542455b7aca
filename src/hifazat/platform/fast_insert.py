"""Hot inserts without the unit-of-work flush (an SOS's rows, audit entries): plain INSERTs whose rows
then become persistent in the session, on SQLite straight on the driver's cursor."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import bindparam, insert, inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, make_transient, make_transient_to_detached

from hifazat.core.db import Base
from hifazat.platform.sqlite.engine import writing as _writing
from hifazat.platform.sqlite.lane import lane

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
    """Rows just INSERTed become persistent in the session as a flush leaves its rows, by public API only:
    a pending row is taken out and put back as the detached copy of a stored row (no model has
    relationships, so adding walks no cascades), its values committed, and `forget_on_rollback` expunges
    it again if this transaction rolls back, as SQLAlchemy does with a flush's rows."""
    for obj in objs:
        state = inspect(obj)
        if state.pending:
            session.expunge(obj)
        if state.key is None:
            make_transient_to_detached(obj)
        if obj not in session:
            session.add(obj)
    inserted = session.info.setdefault(INSERTED, [])
    inserted.append((session.get_nested_transaction() or session.get_transaction(), objs))


INSERTED = "hifazat.db.inserted"  # session.info: (transaction, rows) that `insert_pending` wrote


def forget_on_commit(session: Session) -> None:
    """After a commit the inserted rows are stored for good (a sessionmaker's `after_commit` hook)."""
    session.info.pop(INSERTED, None)


def forget_on_rollback(session: Session, _previous: Any) -> None:
    """After a rollback the rows inserted in the transactions it ended are transient again, as a flush's
    would be (a sessionmaker's `after_soft_rollback` hook), so no one mistakes them for stored rows."""
    inserted = session.info.get(INSERTED)
    if not inserted:
        return
    ended = [objs for transaction, objs in inserted if not transaction.is_active]
    inserted[:] = [(t, objs) for t, objs in inserted if t.is_active]
    for objs in ended:
        for obj in objs:
            if obj in session:
                session.expunge(obj)
            make_transient(obj)


def sqlite_first(session: Session, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
    """SQLite: the first row of a hot read (such as the audit chain's head, read by every write) on the
    session's connection, straight on the driver's cursor; no autoflush, no type processing."""
    first: tuple[Any, ...] | None = _sqlite_execute(session, sql, params)[0]
    return first


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
