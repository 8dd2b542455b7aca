"""The one ingest path every source uses (OsmAnd, OwnTracks HTTP/MQTT, the native batch API, the demo).

A batch is columnar (numpy arrays), so validation, geofence evaluation and the insert are bulk operations.
`store(session, fixes, ...)` runs inside the caller's transaction and never commits:

1. sort by (device, time); drop repeats inside the batch;
2. read (and on PostgreSQL lock, FOR UPDATE in id order) the `device_last` rows of the batch's devices,
   so batches touching the same device are serialised and transitions are computed exactly once;
3. positions at or before a device's last fix are "late": stored if new, never drive zone or battery
   transitions; a late position that is already stored is a duplicate and dropped;
4. one vectorised geofence pass; then a walk in time order per device emits zone_enter / zone_exit /
   red_zone_entry / low_battery / sos / unaccompanied events;
5. bulk insert (sqlite3 executemany, psycopg COPY), upsert `device_last`, events to the outbox and the
   in-transaction hooks (alerts turn an SOS into an alert atomically).

Steps 1 to 4 are `walk.py` (events: `zone_events.py`, `escort_events.py` for unaccompanied), the statements
of step 5 `position_writes.py`; the batch's columns are `fixes.py`, the `device_last` reads `last_rows.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from hifazat.config import Settings
from hifazat.platform.sqlite.api import chunk_boundary, reads_before_writing, write_in_parts
from hifazat.tracking.cache import TrackingState
from hifazat.tracking.fixes import NUMERIC, Fix, Fixes, Stored, iso_ms
from hifazat.tracking.hooks import run_hooks
from hifazat.tracking.last_rows import read_now
from hifazat.tracking.position_writes import emit_many, insert_positions, upsert_last
from hifazat.tracking.walk import Walked, walk

__all__ = ["NUMERIC", "Fix", "Fixes", "Raced", "Stored", "Walked", "iso_ms", "store", "store_walked", "walk"]

log = logging.getLogger("hifazat.tracking.ingest")


def store(
    session: Session,
    fixes: Fixes,
    state: TrackingState,
    *,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> Stored:
    """Store validated fixes of known, active devices; emit their events. Never commits."""
    walked = walk(session, fixes, state, settings=settings, now=now)
    assert walked is not None  # the hot rows it lacked were created
    return _write(session, walked, state)


def store_walked(
    session: Session, walked: Walked, state: TrackingState, unchanged: Callable[[], bool]
) -> Stored | None:
    """Write a batch `walk` read without the write lock, if what it read is still so (`unchanged`: the
    configuration; the `device_last` rows of its devices and of the escort devices it looked up; and no
    other writer stored any of its positions meanwhile); None when it is not, with nothing written but
    what parts it already committed: the caller rolls back and stores it the usual way, which stores a
    position at most once. Inside the write transaction this is only statements: the lock is held for them
    alone, and given up between its chunks to an SOS by committing the positions so far
    (`write_in_parts`): the batch is answered only after its last chunk, and sent again if it never was."""

    def holds() -> bool:
        return unchanged() and not _moved(session, walked)

    with write_in_parts():
        with reads_before_writing():  # reads only, yet under the lock: an SOS that waits stops them
            fresh = holds()
        return _write(session, walked, state, exact=True, holds=holds) if fresh else None


def _moved(session: Session, walked: Walked) -> bool:
    """A `device_last` row the walk read is no longer as it read it."""
    return bool(walked.read) and read_now(session, list(walked.read)) != walked.read


class Raced(Exception):
    """Another writer stored some of the batch's positions after it was walked. `parted`: this write had
    already committed some of them (`write_in_parts`), so the batch is accepted and must not be refused."""

    def __init__(self, parted: bool = False) -> None:
        super().__init__()
        self.parted = parted


def _write(
    session: Session,
    walked: Walked,
    state: TrackingState,
    *,
    exact: bool = False,
    holds: Callable[[], bool] | None = None,
) -> Stored:
    """Step 6 of `store`: statements only, every value made by `walk`. `exact`: every position must be new
    (else `Raced`, for `store_walked`), and if the positions went in parts, what the walk read must still
    `holds()` before `device_last` and the events are written (else `Raced`)."""
    result = walked.result
    if result.stored == 0:
        return result
    dialect = session.get_bind().dialect.name
    inserted, parted = insert_positions(session, walked.rows, dialect)
    if exact and inserted != len(walked.rows):
        raise Raced(parted)
    # Stored in parts: another writer may have come between them.
    parted = chunk_boundary(session) or parted
    if parted and holds is not None and not holds():
        raise Raced(parted)
    upsert_last(session, walked.last_params, dialect)
    emit_many(session, walked.events)
    run_hooks(session, walked.events)
    result.events = walked.events
    return result
