"""The urgent lane: an SOS never waits behind bulk work in this process.

SQLite has one write lock per database file. A writer that finds it taken sleeps in SQLite's busy handler
(1, 2, 5, 10 ... 100 ms steps) and so wakes long after the holder committed; and whoever happens to retry
first wins. Inside one process `WriteLane` hands the lock over instead: every SQLite write transaction
(`BEGIN IMMEDIATE`, see `db.make_engine`) first takes the lane, and the lane is given back the moment the
driver's COMMIT or ROLLBACK returns. Urgent writers (an SOS) are served before everyone else, and while an
urgent request is in flight other writers do not start a new transaction (for at most `YIELD_MAX_S`), so
the SOS has the write lock and the interpreter to itself. A transaction already running is never
interrupted: an SOS waits at most for the one write in progress.

A worker's bulk-lane process (`hifazat.bulk`) writes to the same file from another interpreter. The front
publishes its count of urgent work in flight in a shared page (`share`); the back reads it (`watch`) and
holds its own writers back while it is non-zero, as this process's writers are held back. An urgent
writer that still finds the lock taken (a back transaction already running) retries every
`URGENT_RETRY_S` instead of sleeping in SQLite's coarse busy handler (`begin_urgent`), and says so in the
page: the back's long writes run `preemptible`, so their next statement raises `Preempted` and one already
running is stopped by SQLite's progress handler (`LaneConnection.interrupt_check`); they roll back and
release the lock, and run again once the urgent write is done (at most `PREEMPT_TRIES` times, so they
always finish). Only a connection in a write transaction is preempted: a reader holds up no one. A
write that may be stored in parts (a batch of positions: each part idempotent, the batch answered after
the last) runs `in_parts` instead: at its `give_way` points it commits what it wrote
so far and goes on after the urgent write, so nothing is rolled back and redone, and the last try of a
batch preempted three times no longer holds the lock for the whole batch while an SOS waits.

`run_urgent` runs a request's work on a small executor of its own, so it never queues behind bulk ingest
in the shared thread pool, and marks it urgent for the lane. `run_urgent_inline` (SQLite, where a write is a
local call) first runs it on the event loop itself, without the two thread hand-offs, whose cost under load
is the interpreter lock changing hands; only when the write lock stays taken past `INLINE_WAIT_S` does it
give up (`LaneBusy`, before anything was written) and run the work again on the urgent threads, so the loop
never waits long. The lane is an optimisation only: after
`ACQUIRE_TIMEOUT_S` a writer goes ahead and SQLite's own locking decides, as it did without the lane.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import mmap
import sqlite3
import struct
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
URGENT_RETRY_S = 0.0002  # an urgent writer's poll while another process holds the write lock
PEER_POLL_S = 0.0002  # a background writer's poll while the other process has urgent work in flight
PREEMPT_TRIES = 4
PROGRESS_STEPS = 1000  # SQLite VM steps between a bulk lane statement's checks for an SOS that waits
INLINE_WAIT_S = 0.005  # longest an urgent write run on the event loop waits for the write lock
_COUNTS = struct.Struct("<ii")  # urgent work in flight, urgent writers waiting for the lock

_local = threading.local()


def is_urgent() -> bool:
    return bool(getattr(_local, "urgent", False))


def _inline_budget() -> float | None:
    budget: float | None = getattr(_local, "inline_budget", None)
    return budget


class LaneBusy(Exception):
    """An urgent write run inline did not get the write lock within its budget; nothing was written."""


class Preempted(Exception):
    """A preemptible background write gave the write lock up to an urgent writer of the front."""


class WriteLane:
    """Ownership of this process's SQLite write lock, urgent writers first."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._held = False
        self._urgent_waiting = 0
        self._urgent_busy = 0
        self.handovers = 0
        self._urgent_blocked = 0  # urgent writers polling for a lock another process holds
        self.preemptions = 0
        self.inline_fallbacks = 0  # inline urgent writes that went to the urgent threads after all
        self.gave_way = 0  # background writes that committed a part to let an urgent writer through
        self._shared: mmap.mmap | None = None  # the front publishes its urgent counts here
        self._peer: mmap.mmap | None = None  # the back reads the front's

    def share(self, page: mmap.mmap) -> None:
        """The front: publish this process's urgent work to its bulk lane."""
        self._shared = page
        self._publish_count()

    def watch(self, page: mmap.mmap) -> None:
        """The back: defer to the front's urgent work as to this process's own."""
        self._peer = page

    def watching(self) -> bool:
        """This process is a bulk lane, deferring to its front."""
        return self._peer is not None

    def urgent_in_flight(self) -> bool:
        return self._urgent_busy > 0 or self._peer_busy()

    def _peer_busy(self) -> bool:
        return self._peer is not None and _COUNTS.unpack_from(self._peer, 0)[0] > 0

    def peer_waiting(self) -> bool:
        """The back: an urgent writer of the front waits for the write lock."""
        return self._peer is not None and _COUNTS.unpack_from(self._peer, 0)[1] > 0

    def must_yield(self) -> bool:
        """A preemptible write of the back, and an urgent writer of the front waits for the lock."""
        return getattr(_local, "preemptible", False) and self.peer_waiting()

    def yield_point(self) -> None:
        """A safe point inside a preemptible write: give the lock up now if an urgent writer waits."""
        if self.must_yield():
            raise Preempted

    def _publish_count(self) -> None:
        if self._shared is not None:
            _COUNTS.pack_into(self._shared, 0, self._urgent_busy, self._urgent_blocked)

    def blocked(self, delta: int) -> None:
        with self._cond:
            self._urgent_blocked += delta
            self._publish_count()

    def acquire(self, timeout: float = ACQUIRE_TIMEOUT_S) -> bool:
        """Take the lane; False after `timeout` (the caller then proceeds on SQLite's own locking)."""
        urgent = is_urgent()
        if not urgent:
            self._wait_for_peer()
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

    def _wait_for_peer(self) -> None:
        if not self._peer_busy():
            return
        deadline = time.monotonic() + YIELD_MAX_S
        while self._peer_busy() and time.monotonic() < deadline:
            time.sleep(PEER_POLL_S)

    def defer_to_urgent(self) -> None:
        """A background transaction about to begin: let urgent work in flight finish first (bounded)."""
        if is_urgent():
            return
        self._wait_for_peer()
        if not self._urgent_busy:
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
            self._publish_count()
        try:
            yield
        finally:
            _local.urgent = before
            with self._cond:
                self._urgent_busy -= 1
                self._publish_count()
                self._cond.notify_all()


lane = WriteLane()


class LaneConnection(sqlite3.Connection):
    """A sqlite3 connection that gives the lane back as soon as its transaction ends."""

    holds_lane = False

    def take_lane(self) -> None:
        budget = _inline_budget()
        self.holds_lane = lane.acquire(ACQUIRE_TIMEOUT_S if budget is None else budget)
        if budget is not None and not self.holds_lane:
            raise LaneBusy

    def interrupt_check(self) -> int:
        """SQLite's progress handler on a bulk lane's connections: a non-zero answer stops the statement
        running, so a preemptible write gives the lock up mid-statement, not only at its next one. Only a
        write transaction is stopped: a reader (WAL) never holds up an SOS, and redoing it gains nothing."""
        return 1 if self.holds_lane and lane.must_yield() else 0

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


def begin_urgent(conn: sqlite3.Connection, timeout: float = ACQUIRE_TIMEOUT_S) -> None:
    """BEGIN IMMEDIATE for an urgent writer: poll finely while another process holds the write lock, and
    tell that process (the bulk lane) to yield it."""
    budget = _inline_budget()
    deadline = time.monotonic() + (timeout if budget is None else min(timeout, budget))
    conn.execute("PRAGMA busy_timeout = 0")
    blocked = False
    try:
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                    raise
                if time.monotonic() >= deadline:
                    if budget is not None:
                        raise LaneBusy from exc
                    raise
            if not blocked:
                blocked = True
                lane.blocked(+1)
            time.sleep(URGENT_RETRY_S)
    finally:
        if blocked:
            lane.blocked(-1)
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")


@contextlib.contextmanager
def in_parts() -> Iterator[None]:
    """A background write that gives the lock up by committing what it wrote so far (`give_way`), not by
    being rolled back: none of its statements is preempted meanwhile."""
    before = getattr(_local, "preemptible", False), getattr(_local, "parts", False)
    outer = getattr(_local, "parts_outer", False)
    _local.preemptible, _local.parts, _local.parts_outer = False, True, before[0]
    try:
        yield
    finally:
        _local.preemptible, _local.parts = before
        _local.parts_outer = outer


@contextlib.contextmanager
def before_writing() -> Iterator[None]:
    """Inside `in_parts`, the reads that come before the first write (checks under the write lock): with
    nothing written yet there is nothing to keep, so they are preempted as the enclosing `run_preemptible`
    try would be, and that try runs again after the urgent write."""
    _local.preemptible = getattr(_local, "parts_outer", False)
    try:
        yield
    finally:
        _local.preemptible = False


def give_way(conn: sqlite3.Connection) -> bool:
    """Inside `in_parts`, at a point where what the transaction wrote so far may stand on its own: if an
    urgent writer of the front waits for the write lock, commit, let it through, and begin a new transaction
    for the rest (same connection, so the caller's session commits or rolls back only that). True if it did.
    The caller answers only after the last part, and must check that what it read before is still so."""
    if not (getattr(_local, "parts", False) and lane.peer_waiting() and isinstance(conn, LaneConnection)):
        return False
    conn.commit()  # gives this process's lane back too
    lane.gave_way += 1
    lane.defer_to_urgent()
    conn.take_lane()
    try:
        conn.execute("BEGIN IMMEDIATE")
    except BaseException:
        conn.drop_lane()
        raise
    return True


def _interrupted(exc: BaseException) -> bool:
    """A statement stopped by `interrupt_check`, as the driver or SQLAlchemy (`.orig`) raised it."""
    orig = getattr(exc, "orig", exc)
    return isinstance(orig, sqlite3.OperationalError) and orig.sqlite_errorcode == sqlite3.SQLITE_INTERRUPT


def run_preemptible(fn: Callable[[], T]) -> T:
    """Run a background write transaction (`fn` opens and commits it) that gives the write lock up to the
    front's urgent writers: rolled back by `Preempted`, it runs again after them, the last time to the end.
    `fn` must be safe to repeat after a rollback."""
    for attempt in range(PREEMPT_TRIES):
        if attempt:
            lane.defer_to_urgent()
        before = getattr(_local, "preemptible", False)
        _local.preemptible = attempt < PREEMPT_TRIES - 1
        try:
            return fn()
        except Preempted:
            lane.preemptions += 1
        except Exception as exc:
            if not (_local.preemptible and _interrupted(exc)):
                raise
            lane.preemptions += 1  # stopped mid-statement; SQLite rolled the transaction back
        finally:
            _local.preemptible = before
    raise AssertionError("unreachable: the last attempt is not preemptible")


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


async def run_urgent_inline(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`run_urgent`, tried first on the event loop with at most `INLINE_WAIT_S` for the write lock (SQLite
    only: elsewhere a write waits on the network). `fn` must write nothing before its transaction begins,
    so that after `LaneBusy` it may simply run again."""
    _local.inline_budget = INLINE_WAIT_S
    try:
        with lane.urgent():
            return fn(*args, **kwargs)
    except LaneBusy:
        lane.inline_fallbacks += 1
    finally:
        _local.inline_budget = None
    return await run_urgent(fn, *args, **kwargs)
