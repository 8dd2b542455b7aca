"""The urgent lane: SQLite writers of one process take turns, urgent ones first; it never replaces SQLite's
own locking (a lane that cannot be had in time lets the writer go on)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from hifazat.platform import db as db_mod
from hifazat.platform import fast_insert
from hifazat.platform.db import make_engine
from hifazat.platform.sqlite import engine as sqlite_engine
from hifazat.platform.sqlite import lane as lane_mod
from hifazat.platform.sqlite.lane import WriteLane


def test_urgent_writer_goes_before_waiting_background_writers() -> None:
    lane = WriteLane()
    assert lane.acquire()
    order: list[str] = []

    def writer(name: str, urgent: bool) -> None:
        if urgent:
            with lane.urgent():
                lane.acquire()
        else:
            lane.acquire()
        order.append(name)
        lane.release()

    background = threading.Thread(target=writer, args=("background", False))
    background.start()
    time.sleep(0.05)  # the background writer waits first
    urgent = threading.Thread(target=writer, args=("sos", True))
    urgent.start()
    time.sleep(0.05)
    lane.release()
    background.join(5)
    urgent.join(5)
    assert order == ["sos", "background"]


def test_background_writer_defers_to_urgent_work_but_not_forever() -> None:
    lane = WriteLane()
    got = threading.Event()
    with lane.urgent():
        t = threading.Thread(target=lambda: (lane.acquire(), got.set()))
        started = time.monotonic()
        t.start()
        assert got.wait(2)  # at most YIELD_MAX_S behind urgent work that does not write yet
        assert time.monotonic() - started >= lane_mod.YIELD_MAX_S * 0.9
    lane.release()
    t.join(5)


def test_lane_times_out_instead_of_deadlocking() -> None:
    lane = WriteLane()
    assert lane.acquire()
    assert lane.acquire(timeout=0.05) is False


def _engine_with_table(path: Path) -> Engine:
    """An engine on a SQLite file holding an empty table `t (x INTEGER)`."""
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    return engine


def test_sqlite_connections_hand_the_lane_back_on_commit_and_rollback(tmp_path: Path) -> None:
    engine = _engine_with_table(tmp_path / "lane.db")
    try:
        before = lane_mod.lane.handovers
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
        conn = engine.connect()
        conn.execute(text("INSERT INTO t VALUES (2)"))
        conn.rollback()
        conn.close()
        assert lane_mod.lane.handovers == before + 2
        assert lane_mod.lane.acquire(timeout=0.1)  # free again
        lane_mod.lane.release()
        with engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM t")).scalar() == 1
    finally:
        engine.dispose()


# --- a bulk lane (hifazat.bulk): the front's urgent work, seen by the back through a shared page -----------


def _pair(monkeypatch: Any) -> tuple[WriteLane, WriteLane]:
    import mmap

    page = mmap.mmap(-1, mmap.PAGESIZE)
    front, back = WriteLane(), WriteLane()
    front.share(page)
    back.watch(page)
    monkeypatch.setattr(lane_mod, "lane", back)
    for mod in (db_mod, sqlite_engine, fast_insert):
        monkeypatch.setattr(mod, "lane", back)
    return front, back


def test_back_defers_to_the_fronts_urgent_work_for_a_bounded_time(monkeypatch: Any) -> None:
    front, back = _pair(monkeypatch)
    waited: list[float] = []

    def background() -> None:  # the back's writer: another process, here another thread
        started = time.monotonic()
        back.defer_to_urgent()
        waited.append(time.monotonic() - started)

    with front.urgent():
        assert back.urgent_in_flight()
        t = threading.Thread(target=background)
        t.start()
        t.join(5)
    assert waited[0] >= lane_mod.YIELD_MAX_S * 0.9
    assert not back.urgent_in_flight()
    background()
    assert waited[1] < lane_mod.YIELD_MAX_S


def test_preemptible_write_yields_only_while_an_urgent_writer_is_blocked(monkeypatch: Any) -> None:
    front, back = _pair(monkeypatch)
    back.yield_point()  # nothing blocked: goes on
    front.blocked(+1)
    back.yield_point()  # not inside a preemptible write: goes on
    calls: list[bool] = []

    def write() -> str:
        if len(calls) == 2:
            front.blocked(-1)  # the SOS got the lock and is done
        calls.append(back.must_yield())
        back.yield_point()
        return "stored"

    assert lane_mod.run_preemptible(write) == "stored"
    assert calls == [True, True, False]
    assert back.preemptions == 2


def test_preemptible_write_always_finishes(monkeypatch: Any) -> None:
    front, back = _pair(monkeypatch)
    front.blocked(+1)  # an urgent writer that never stops waiting
    tries: list[int] = []

    def write() -> int:
        tries.append(1)
        back.yield_point()
        return len(tries)

    assert lane_mod.run_preemptible(write) == lane_mod.PREEMPT_TRIES  # the last try runs to its end
    assert back.preemptions == lane_mod.PREEMPT_TRIES - 1


def test_sqlite_statements_of_a_preemptible_write_roll_back(tmp_path: Path, monkeypatch: Any) -> None:
    front, _ = _pair(monkeypatch)
    engine = _engine_with_table(tmp_path / "preempt.db")
    try:
        attempts: list[int] = []

        def write() -> None:
            attempts.append(1)
            if len(attempts) == 2:
                front.blocked(-1)  # the SOS got the lock and is done
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (1)"))
                if len(attempts) == 1:
                    front.blocked(+1)  # an SOS starts waiting for the lock mid-transaction
                conn.execute(text("INSERT INTO t VALUES (2)"))

        lane_mod.run_preemptible(write)
        assert len(attempts) == 2  # preempted at its next statement, then run again
        with engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM t")).scalar() == 2  # the first try left nothing
    finally:
        engine.dispose()


# --- an urgent write run inline on the event loop (run_urgent_inline) -------------------------------------


def _other_process_holds_the_write_lock(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # as the bulk lane's long write would
    return holder


@pytest.fixture
def table_db(tmp_path: Path) -> Iterator[tuple[Engine, Path]]:
    """A SQLite file with an empty table `t`, and its engine."""
    path = tmp_path / "inline.db"
    engine = _engine_with_table(path)
    yield engine, path
    engine.dispose()


def _insert_noting_thread(engine: Engine, threads: list[str]) -> Callable[[], int]:
    def write() -> int:
        threads.append(threading.current_thread().name)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
        return 1

    return write


def test_inline_urgent_write_takes_a_free_lock_on_the_loop_thread(table_db: tuple[Engine, Path]) -> None:
    engine, _ = table_db
    threads: list[str] = []
    before = lane_mod.lane.inline_fallbacks
    assert asyncio.run(lane_mod.run_urgent_inline(_insert_noting_thread(engine, threads))) == 1
    assert threads == [threading.main_thread().name]  # no hand-off to a thread
    assert lane_mod.lane.inline_fallbacks == before


def test_inline_urgent_write_moves_to_the_urgent_threads_when_the_lock_stays_taken(
    table_db: tuple[Engine, Path],
) -> None:
    engine, path = table_db
    holder = _other_process_holds_the_write_lock(path)
    threads: list[str] = []

    async def scenario() -> int:
        task = asyncio.ensure_future(lane_mod.run_urgent_inline(_insert_noting_thread(engine, threads)))
        await asyncio.sleep(0.05)  # the loop is free again while the write waits on its thread
        holder.rollback()
        return await asyncio.wait_for(task, 5)

    before = lane_mod.lane.inline_fallbacks
    started = time.monotonic()
    assert asyncio.run(scenario()) == 1
    assert time.monotonic() - started < 2
    assert lane_mod.lane.inline_fallbacks == before + 1
    assert threads[0] == threading.main_thread().name
    assert threads[1].startswith("urgent-lane")
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM t")).scalar() == 1  # the inline try wrote nothing
    holder.close()


def test_inline_budget_is_only_for_the_inline_try(table_db: tuple[Engine, Path]) -> None:
    # Outside run_urgent_inline an urgent writer keeps the full timeout: a busy lock is waited for.
    engine, path = table_db
    holder = _other_process_holds_the_write_lock(path)
    threading.Timer(0.1, holder.rollback).start()
    started = time.monotonic()
    with lane_mod.lane.urgent(), engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
    waited = time.monotonic() - started
    holder.close()
    assert waited >= 0.09  # it waited for the holder past the inline budget instead of failing at once
    assert waited > lane_mod.INLINE_WAIT_S * 10
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM t")).scalar() == 1


def _over_numbers(count: int, statement: str) -> Any:
    """One long statement: `statement` over the table `n(x)` of the numbers 1 to `count`."""
    return text(
        f"WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {count}) {statement}"  # noqa: S608 - the tests' own constants
    )


def test_a_long_statement_of_a_preemptible_write_stops_midway(tmp_path: Path, monkeypatch: Any) -> None:
    # A bulk lane's connections carry SQLite's progress handler: a statement already running when an SOS
    # starts waiting for the lock stops there, rolls back, and the write runs again (the last time whole).
    front, back = _pair(monkeypatch)
    engine = _engine_with_table(tmp_path / "midway.db")
    fill = _over_numbers(400000, "INSERT INTO t SELECT x FROM n")
    try:
        started = time.monotonic()
        with engine.begin() as conn:
            conn.execute(fill)
            conn.execute(text("DELETE FROM t"))
        whole = time.monotonic() - started
        tries: list[float] = []

        def write() -> None:
            tries.append(time.monotonic())
            with engine.begin() as conn:
                conn.execute(fill)

        threading.Timer(whole / 10, front.blocked, args=(+1,)).start()  # an SOS waits, early on
        threading.Timer(whole * 3, front.blocked, args=(-1,)).start()
        before = back.preemptions
        lane_mod.run_preemptible(write)
        assert back.preemptions - before == lane_mod.PREEMPT_TRIES - 1
        assert tries[1] - tries[0] < whole / 2  # stopped mid-statement, not at its end
        with engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM t")).scalar() == 400000  # the stopped tries left none
    finally:
        engine.dispose()


def test_a_write_that_is_not_preemptible_is_never_stopped(tmp_path: Path, monkeypatch: Any) -> None:
    front, _ = _pair(monkeypatch)
    engine = _engine_with_table(tmp_path / "whole.db")
    try:
        front.blocked(+1)  # an SOS waits all along
        with engine.begin() as conn:  # outside run_preemptible: the progress handler lets it run
            conn.execute(_over_numbers(50000, "INSERT INTO t SELECT x FROM n"))
        front.blocked(-1)
        with engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM t")).scalar() == 50000
    finally:
        engine.dispose()


def test_a_reader_is_never_preempted(tmp_path: Path, monkeypatch: Any) -> None:
    # A reader (BEGIN DEFERRED, WAL) holds up no SOS: stopping and redoing it, statement or long query,
    # would only cost a preemptible write one of its tries.
    front, back = _pair(monkeypatch)
    engine = _engine_with_table(tmp_path / "reader.db")
    count = _over_numbers(200000, "SELECT count(*) FROM n")
    try:
        front.blocked(+1)  # an SOS waits all along
        tries: list[int] = []

        def read() -> int:
            tries.append(1)
            with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn, conn.begin():
                return int(conn.execute(count).scalar_one())

        assert lane_mod.run_preemptible(read) == 200000
        assert tries == [1]
        assert back.preemptions == 0
    finally:
        engine.dispose()


def test_a_write_in_parts_commits_the_part_so_far_for_an_sos_and_goes_on(
    tmp_path: Path, monkeypatch: Any
) -> None:
    front, back = _pair(monkeypatch)
    engine = _engine_with_table(tmp_path / "parts.db")

    def visible() -> int:  # what another connection sees, as a reader (no write lock)
        with engine.connect().execution_options(sqlite_begin="DEFERRED") as c:
            return int(c.execute(text("SELECT count(*) FROM t")).scalar_one())

    try:
        with engine.begin() as conn:
            raw = conn.connection.driver_connection
            conn.execute(text("INSERT INTO t VALUES (1)"))
            assert raw is not None
            assert lane_mod.give_way(raw) is False
        with pytest.raises(RuntimeError), lane_mod.in_parts(), engine.begin() as conn:  # noqa: PT012
            raw = conn.connection.driver_connection
            conn.execute(text("INSERT INTO t VALUES (2)"))
            assert lane_mod.give_way(raw) is False  # nobody waits: the transaction goes on whole
            assert visible() == 1
            front.blocked(+1)  # an SOS starts waiting for the lock
            conn.execute(text("INSERT INTO t VALUES (3)"))  # in parts: not preempted, not stopped
            assert lane_mod.give_way(raw) is True
            assert visible() == 3  # the part so far is committed, the lock free for the SOS meanwhile
            conn.execute(text("INSERT INTO t VALUES (4)"))  # the rest, in a transaction of its own
            raise RuntimeError("the rest fails")
        front.blocked(-1)
        assert visible() == 3  # only the rest rolled back
        assert back.gave_way == 1
        assert back.preemptions == 0
        assert lane_mod.lane.acquire(timeout=0.1)  # the lane was given back both times
        lane_mod.lane.release()
    finally:
        engine.dispose()


def test_in_parts_its_reads_before_the_first_write_are_preempted_and_tried_again(
    tmp_path: Path, monkeypatch: Any
) -> None:
    front, back = _pair(monkeypatch)
    engine = _engine_with_table(tmp_path / "before.db")
    tries: list[bool] = []

    def write() -> int:
        with lane_mod.in_parts(), engine.begin() as conn:
            tries.append(lane_mod._local.preemptible)
            with lane_mod.before_writing():  # a check under the write lock, nothing written yet
                n = int(conn.execute(text("SELECT count(*) FROM t")).scalar_one())
            assert lane_mod._local.preemptible is False  # the write itself is never preempted
            conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n + 1})
            return n

    try:
        assert lane_mod.run_preemptible(write) == 0
        assert back.preemptions == 0
        front.blocked(+1)  # an SOS waits for the lock all along
        assert lane_mod.run_preemptible(write) == 1
        front.blocked(-1)
        # Stopped at its check in every try but the last, which runs to the end; written once.
        assert back.preemptions == lane_mod.PREEMPT_TRIES - 1
        assert len(tries) == 1 + lane_mod.PREEMPT_TRIES
        with engine.connect().execution_options(sqlite_begin="DEFERRED") as c:
            assert c.execute(text("SELECT count(*) FROM t")).scalar_one() == 2
        with lane_mod.in_parts(), lane_mod.before_writing():
            assert lane_mod._local.preemptible is False  # outside run_preemptible: nothing to redo it
    finally:
        engine.dispose()
