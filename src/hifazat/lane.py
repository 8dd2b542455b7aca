"""The urgent lane: an SOS never waits behind bulk work in this process.

SQLite has one write lock per database file. A writer that finds it taken sleeps in SQLite's busy handler
(1, 2, 5, 10 ... 100 ms steps) and so wakes long after the holder committed; and whoever happens to retry
first wins. Inside one process `WriteLane` hands the lock over instead: every SQLite write transaction
(`BEGIN IMMEDIATE`, see `db.make_engine`) first takes the lane, and the lane is given back the moment the
driver's COMMIT or ROLLBACK returns. Urgent writers (an SOS) are served before everyone else, and while an
urgent request is in flight other writers do not start a new transaction (for at most `YIELD_MAX_S`), so
the SOS has the write lock and the interpreter to itself. A transaction already running is never
interrupted: an SOS waits at most for the one write in progress.

`run_urgent` runs a request's work on a small executor of its own, so it never queues behind bulk ingest
in the shared thread pool, and marks it urgent for the lane. The lane is an optimisation only: after
`ACQUIRE_TIMEOUT_S` a writer goes ahead and SQLite's own locking decides, as it did without the lane.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

YIELD_MAX_S = 0.05  # longest a background writer defers to urgent requests that do not write yet
ACQUIRE_TIMEOUT_S = 10.0  # the busy timeout SQLite itself would wait
URGENT_THREADS = 2

_local = threading.local()


def is_urgent() -> bool:
    return bool(getattr(_local, "urgent", False))


class WriteLane:
    """Ownership of this process's SQLite write lock, urgent writers first."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._held = False
        self._urgent_waiting = 0
        self._urgent_busy = 0
        self.handovers = 0

    def acquire(self, timeout: float = ACQUIRE_TIMEOUT_S) -> bool:
        """Take the lane; False after `timeout` (the caller then proceeds on SQLite's own locking)."""
        urgent = is_urgent()
        now = time.monotonic()
        deadline, yield_until = now + timeout, now + YIELD_MAX_S
        with self._cond:
            if urgent:
                self._urgent_waiting += 1
            try:
                while True:
                    now = time.monotonic()
                    others_first = self._urgent_waiting or (self._urgent_busy and now < yield_until)
                    if not self._held and (urgent or not others_first):
                        self._held = True
                        return True
                    if now >= deadline:
                        return False
                    wake = deadline if self._held or self._urgent_waiting else min(deadline, yield_until)
                    self._cond.wait(max(wake - now, 0.0005))
            finally:
                if urgent:
                    self._urgent_waiting -= 1

    def defer_to_urgent(self) -> None:
        """A background transaction about to begin: let urgent work in flight finish first (bounded)."""
        if not self._urgent_busy or is_urgent():
            return
        deadline = time.monotonic() + YIELD_MAX_S
        with self._cond:
            while self._urgent_busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._cond.wait(left)

    def release(self) -> None:
        with self._cond:
            self._held = False
            self.handovers += 1
            self._cond.notify_all()

    @contextlib.contextmanager
    def urgent(self) -> Iterator[None]:
        """Mark the current thread's work urgent for as long as the block runs."""
        before = is_urgent()
        _local.urgent = True
        with self._cond:
            self._urgent_busy += 1
        try:
            yield
        finally:
            _local.urgent = before
            with self._cond:
                self._urgent_busy -= 1
                self._cond.notify_all()


lane = WriteLane()


class LaneConnection(sqlite3.Connection):
    """A sqlite3 connection that gives the lane back as soon as its transaction ends."""

    holds_lane = False

    def take_lane(self) -> None:
        self.holds_lane = lane.acquire()

    def drop_lane(self) -> None:
        if self.holds_lane:
            self.holds_lane = False
            lane.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.drop_lane()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.drop_lane()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.drop_lane()


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _urgent_executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        with _executor_lock:
            if _executor is None:
                _executor = ThreadPoolExecutor(URGENT_THREADS, thread_name_prefix="urgent-lane")
    return _executor


async def run_urgent(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run blocking `fn` on the urgent lane's own threads, marked urgent, with the caller's context."""
    ctx = contextvars.copy_context()

    def call() -> T:
        with lane.urgent():
            return ctx.run(fn, *args, **kwargs)

    return await asyncio.get_running_loop().run_in_executor(_urgent_executor(), call)
