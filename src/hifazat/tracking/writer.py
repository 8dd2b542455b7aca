"""Group commit for single-position protocols (OsmAnd, OwnTracks): requests enqueue their fix, one
writer thread per process stores everything queued in one transaction and then resolves the waiting
requests, so each 200 still leaves only after a durable commit while the database sees a few commits
instead of thousands."""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass

from hifazat.core.errors import log_failure
from hifazat.platform.sqlite.api import unit_of_work
from hifazat.tracking.cache import get_cache
from hifazat.tracking.ingest import Fix, Fixes, Stored, store
from hifazat.tracking.live import publisher
from hifazat.tracking.protocols import Rejected

log = logging.getLogger("hifazat.tracking.writer")
MAX_GROUP = 2000


@dataclass
class _Item:
    fix: Fix
    future: Future[bool]  # True: stored; False: its device is no longer active, dropped


def ingest_now(fixes: list[Fix]) -> tuple[Stored, set[str]]:
    """Store fixes of known devices in one transaction; fixes of devices no longer active (suspended or
    deleted since the caller looked) are dropped, and their device ids returned."""
    with unit_of_work("bulk") as session:
        state = get_cache().fresh(session)
        gone = {f.device_id for f in fixes if not ((d := state.by_id.get(f.device_id)) and d.active)}
        keep = [f for f in fixes if f.device_id not in gone] if gone else fixes
        result = store(session, Fixes.of(keep), state)
    publisher.offer(result.latest)
    return result, gone


class GroupWriter:
    def __init__(self) -> None:
        self._q: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.commits = 0

    def submit(self, fix: Fix) -> Future[bool]:
        fut: Future[bool] = Future()
        self._q.put(_Item(fix, fut))
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="tracking-writer", daemon=True)
                    self._thread.start()
        return fut

    def _run(self) -> None:
        while True:
            items = [self._q.get()]
            while len(items) < MAX_GROUP:
                try:
                    items.append(self._q.get_nowait())
                except queue.Empty:
                    break
            self._commit(items)

    def _commit(self, items: list[_Item]) -> None:
        try:
            _, gone = ingest_now([i.fix for i in items])
        except Exception as exc:
            if len(items) > 1:  # isolate the bad one; the others still commit
                for item in items:
                    self._commit([item])
                return
            if not isinstance(exc, Rejected):
                log_failure(log, "storing a position failed", exc)
            items[0].future.set_exception(exc)
            return
        self.commits += 1
        for item in items:
            item.future.set_result(item.fix.device_id not in gone)


writer = GroupWriter()
