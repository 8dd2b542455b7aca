"""The write path's one door for domain code: a write says what it is, never how SQLite's lock is shared.

SQLite has one write lock per file, and an SOS must never wait behind bulk work for it. How that is
arbitrated (this process's lane, the bulk lane's shared page, the cross-process ingest gate, preemption
and writes in parts) lives in this package; domain modules import this module only (an import-linter
contract in pyproject.toml says so). On PostgreSQL every call here does the plain thing.

* `unit_of_work(priority=...)`: one transaction. `"urgent"`: an SOS's write, served before every other
  writer of this process while the bulk lane holds its writers back; `"normal"`: requests and jobs, which
  begin after urgent work in flight; `"bulk"`: an ingest batch, which also takes turns with the other
  workers' batches in arrival order instead of in SQLite's busy sleeps.
* `run_urgent(fn, ...)`: a request's urgent blocking work, off the shared thread pool.
* `run_background(fn)`: a background write (`fn` opens its own unit of work and must be safe to repeat)
  that gives the write lock up to an urgent writer: rolled back, it runs again after it.
* `let_urgent_through()`: in long background work, let urgent work in flight go first (bounded).
* `write_in_parts()`, `reads_before_writing()`, `write_in_chunks(...)`, `chunk_boundary(...)`: a bulk batch
  written in fixed chunks of `CHUNK_ROWS`, each idempotent (see `write_in_parts`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Literal, ParamSpec, TypeVar

from sqlalchemy.orm import Session

from hifazat.platform import db
from hifazat.platform.sqlite import lane as _lane
from hifazat.platform.sqlite.process_lock import write_gate

P = ParamSpec("P")
T = TypeVar("T")
Priority = Literal["urgent", "normal", "bulk"]

CHUNK_ROWS = 128  # rows per statement of a bulk batch; between two, an urgent writer may get the lock


@contextlib.contextmanager
def unit_of_work(priority: Priority = "normal", *, readonly: bool = False) -> Iterator[Session]:
    """One transaction (`platform.db.unit_of_work`) of the given priority; commits on success."""
    if priority == "normal":
        with db.unit_of_work(readonly=readonly) as session:
            yield session
    elif priority == "urgent":
        with _lane.lane.urgent(), db.unit_of_work(readonly=readonly) as session:
            yield session
    else:
        with write_gate(), db.unit_of_work(readonly=readonly) as session:
            yield session


async def run_urgent(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a request's urgent work `fn` (which opens its own unit of work), marked urgent: on SQLite first
    on the event loop itself, without two thread hand-offs, and only if the write lock stays taken a few
    milliseconds on the lane's own threads, where `fn` runs again (so it must write nothing before its
    transaction begins); elsewhere on those threads at once (a write waits on the network there)."""
    if db.local_writes():
        return await _lane.run_urgent_inline(fn, *args, **kwargs)
    return await _lane.run_urgent(fn, *args, **kwargs)


def run_background(fn: Callable[[], T]) -> T:
    """A background write transaction (`fn` opens and commits it) that gives the write lock up to an urgent
    writer: rolled back, it runs again after it, the last time to its end. `fn` must be safe to repeat."""
    return _lane.run_preemptible(fn)


def let_urgent_through() -> None:
    """Background work about to do its next share: urgent work in flight goes first (at most 50 ms)."""
    _lane.lane.defer_to_urgent()


@contextlib.contextmanager
def write_in_parts() -> Iterator[None]:
    """A bulk batch whose chunks may be committed apart: inside it, at a `chunk_boundary` while an urgent
    writer of this worker waits for the lock, what the transaction wrote so far is committed, the urgent
    write goes through, and the rest follows in a new transaction of the same session. So every chunk must
    stand on its own (idempotent: a retry of the whole batch stores nothing twice), the batch is answered
    only after its last chunk, and after a boundary that committed the caller must check that what it read
    before is still so. Without it a boundary gives way by rolling back (`run_background` runs it again)."""
    with _lane.in_parts():
        yield


@contextlib.contextmanager
def reads_before_writing() -> Iterator[None]:
    """Inside `write_in_parts`, the checks under the write lock before the first chunk: nothing is written
    yet, so an urgent writer that waits stops them and the enclosing `run_background` try runs again."""
    with _lane.before_writing():
        yield


def chunk_boundary(session: Session, *, may_commit: bool = True) -> bool:
    """A point between two statements of a bulk batch where an urgent writer may take the lock: by a commit
    of the chunks so far (inside `write_in_parts`, when `may_commit`), else by a rollback to be run again
    (inside `run_background`). True when it committed. On PostgreSQL: nothing, False."""
    raw = session.connection().connection.driver_connection
    if not isinstance(raw, _lane.LaneConnection):
        return False  # PostgreSQL: many writers, nothing to give way to
    parted = may_commit and _lane.give_way(raw)
    _lane.lane.yield_point()
    return parted


def write_in_chunks(
    session: Session, rows: Sequence[T], execute: Callable[[Sequence[T]], int], *, size: int = CHUNK_ROWS
) -> tuple[int, bool]:
    """`execute` each chunk of `size` rows (it returns how many it stored), with a `chunk_boundary` before
    each. Returns the rows stored and whether chunks were committed apart."""
    stored, parted = 0, False
    for start in range(0, len(rows), size):
        parted = chunk_boundary(session) or parted
        stored += execute(rows[start : start + size])
    return stored, parted


__all__ = [
    "CHUNK_ROWS",
    "Priority",
    "chunk_boundary",
    "let_urgent_through",
    "reads_before_writing",
    "run_background",
    "run_urgent",
    "unit_of_work",
    "write_in_chunks",
    "write_in_parts",
]
