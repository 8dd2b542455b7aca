"""The WAL checkpointer: copies SQLite's write-ahead log back into the database file off the write path."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from pathlib import Path

from hifazat.platform.sqlite.lane import lane

log = logging.getLogger("hifazat.platform.sqlite.checkpoint")
FALLBACK_CHECKPOINT_PAGES = 20_000  # 80 MB of WAL
WAL_SIZE_LIMIT = 64 * 1024 * 1024  # truncate the WAL back to this after a checkpoint resets it
RESTART_FRAMES = 4_000  # 16 MB: past this, the checkpointer makes the WAL start over
RESTART_WAIT_MS = 5  # how long a RESTART checkpoint waits for readers, holding writers back meanwhile


class Checkpointer:
    """Copies the WAL back into the database file every `interval` seconds on its own connection.

    A PASSIVE checkpoint never takes the write lock, so writers keep committing while it copies and
    syncs; SQLite's automatic checkpoint would run inside a writer's commit instead (tens of ms under load).
    """

    def __init__(self, path: str, interval: float = 0.25) -> None:
        self.path, self.interval = path, interval
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop and close the connection before the caller goes on (a test may then change the file)."""
        self.stop.set()
        if self.thread is not threading.current_thread():
            self.thread.join(5)

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while not self.stop.wait(self.interval):
                try:
                    if conn is None:
                        if not os.path.exists(self.path):
                            continue  # not created yet; never create it here (an empty file is a database)
                        uri = Path(self.path).resolve().as_uri() + "?mode=rw"
                        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
                        conn.execute(f"PRAGMA busy_timeout={RESTART_WAIT_MS}")
                    _, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    if frames > RESTART_FRAMES and copied == frames and not lane.urgent_in_flight():
                        # Everything is copied, yet with readers always about no writer ever finds the
                        # moment to start the WAL over: wait for that moment here. Writers wait while
                        # this does, so only briefly, and never while an SOS is being written.
                        conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
                except sqlite3.Error:
                    log.warning("WAL checkpoint failed", exc_info=True)
        finally:
            if conn is not None:
                conn.close()
