"""The urgent lane: SQLite writers of one process take turns, urgent ones first; it never replaces SQLite's
own locking (a lane that cannot be had in time lets the writer go on)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from hifazat import lane as lane_mod
from hifazat.db import make_engine
from hifazat.lane import WriteLane


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


def test_sqlite_connections_hand_the_lane_back_on_commit_and_rollback(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'lane.db'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
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
