"""The native batch: POST /api/v1/positions, a JSON array of up to `tracking_max_batch` positions.

Parsed and validated all-or-nothing (`batch_parse.py`: one bad item rejects the batch with 422 naming up to
50 offending items); stored the way that keeps SQLite's write lock short; the answer is sent only after
the batch is committed.
"""

from __future__ import annotations

from collections.abc import Callable

from hifazat.auth.policy import Principal, require
from hifazat.core.errors import Problem
from hifazat.platform.db import local_writes
from hifazat.platform.sqlite.api import run_background, unit_of_work
from hifazat.tracking.batch_parse import parse, validation_problem
from hifazat.tracking.cache import TrackingState, get_cache
from hifazat.tracking.ingest import Fixes, Raced, Stored, store, store_walked, walk
from hifazat.tracking.live import publisher


class _Stale(Exception):
    """What `_store_late` read changed before its write: rolled back, stored the usual way."""


def _store_late(
    fixes: Fixes, check: Callable[[TrackingState], None], accepted: list[TrackingState]
) -> Stored | None:
    """SQLite: the batch walked in a read-only transaction (no write lock), then written in a transaction of
    statements only if what it read is unchanged, so the write lock an SOS may wait for is held briefly.
    None when it changed meanwhile (or a device has no hot row yet), with nothing written but the chunks
    of positions committed apart for an SOS (`store_walked`), which the usual way does not store twice;
    then the state it was checked against is put in `accepted`: the batch may no longer be refused."""
    cache = get_cache()
    with unit_of_work(readonly=True) as session:
        state = cache.fresh(session)
        check(state)
        walked = walk(session, fixes, state, reading=True)
    if walked is None:
        return None

    def write() -> Stored:
        with unit_of_work("bulk") as session:
            stored = store_walked(session, walked, state, lambda: cache.fresh(session) is state)
            if stored is None:
                raise _Stale
            return stored

    try:
        # Its own tries: preempted before it wrote (`store_walked`), the write runs again, not the walk.
        return run_background(write)
    except _Stale:
        return None
    except Raced as exc:
        if exc.parted and not accepted:
            accepted.append(state)
        return None


def ingest_batch(body: bytes, principal: Principal) -> Stored:
    require(principal, "positions", "write")
    cache = get_cache()
    state = cache.current()
    if state is None:
        with unit_of_work(readonly=True) as session:
            state = cache.fresh(session)
        fixes = parse(body, state, principal)
    else:
        try:
            fixes = parse(body, state, principal)
        except Problem:
            # Refused against the state this worker held: a device registered or re-activated through
            # another worker is not in it yet. Judge again against the database before refusing.
            with unit_of_work(readonly=True) as session:
                fresh = cache.fresh(session)
            if fresh is state:
                raise
            state = fresh
            fixes = parse(body, state, principal)
    fixes.precompute(state.engine)

    def check(fresh: TrackingState) -> None:
        if fresh is not state:  # configuration changed meanwhile: re-resolve against the new one
            by_id = fresh.by_id
            gone = sorted({d for d in fixes.device_ids if d not in by_id or not by_id[d].active})
            if gone:
                raise validation_problem(
                    [{"field": "device", "reason": f"device {d} is no longer active"} for d in gone[:50]]
                )

    # Set once some of the batch is committed (chunks given way to an SOS): from then on it is accepted, so a
    # configuration changed since (a device suspended) no longer refuses it: a 4xx never leaves rows behind.
    accepted: list[TrackingState] = []

    def write() -> Stored:
        if local and not accepted:
            stored = _store_late(fixes, check, accepted)
            if stored is not None:
                return stored
        with unit_of_work("bulk") as session:
            fresh = cache.fresh(session)
            try:
                check(fresh)
            except Problem:
                if not accepted:
                    raise
                fresh = accepted[0]  # the state it was accepted under: its devices are all known there
            return store(session, fixes, fresh)

    local = local_writes()
    result = run_background(write)  # an SOS may take the write lock first: then it runs again
    publisher.offer(result.latest)
    return result
