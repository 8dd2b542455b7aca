"""Engines and sessions: one engine per database URL, a session factory, `unit_of_work()` for jobs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from hifazat.config import Settings, get_settings
from hifazat.platform import fast_insert
from hifazat.platform.sqlite import engine as sqlite_engine
from hifazat.platform.sqlite.checkpoint import Checkpointer
from hifazat.platform.sqlite.lane import LaneConnection, lane

_engines: dict[str, Engine] = {}
# One checkpointer per database file is enough: a worker's bulk-lane process leaves it to its front.
run_checkpointer = True
_factories: dict[str, sessionmaker[Session]] = {}
CONNECT_TIMEOUT_S = 5


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        args = {"check_same_thread": False, "timeout": 30, "factory": LaneConnection}
        engine = create_engine(url, connect_args=args, pool_size=8)
        event.listen(engine, "connect", sqlite_engine.on_connect)
        event.listen(engine, "begin", sqlite_engine.on_begin)
        event.listen(engine, "before_cursor_execute", sqlite_engine.before_statement)
        if path and path != ":memory:" and run_checkpointer:
            cp = Checkpointer(path)
            event.listen(engine, "engine_disposed", lambda _engine: cp.close())
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    # pre-ping: a pooled connection that died with the server (a restart, a failover) is replaced at
    # checkout instead of failing the first request after the database is back; SQLAlchemy also
    # invalidates the whole pool on the first disconnect it sees. A bounded connect: while the server is
    # unreachable each request answers 503 within seconds instead of hanging on TCP retries.
    timeout = {} if "connect_timeout=" in url else {"connect_timeout": CONNECT_TIMEOUT_S}
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, connect_args=timeout)
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
        factory = sessionmaker(bind=get_engine(settings), expire_on_commit=False)
        # Rows written by `fast_insert` leave the session on rollback as a flush's rows would.
        event.listen(factory, "after_commit", fast_insert.forget_on_commit)
        event.listen(factory, "after_soft_rollback", fast_insert.forget_on_rollback)
        _factories[url] = factory
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


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
    _factories.clear()
