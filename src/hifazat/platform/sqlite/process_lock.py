"""A fair write gate for SQLite ingest across worker processes.

SQLite serialises writers with a file lock; a writer that finds it taken sleeps in growing steps (its busy
handler: 1, 2, 5, 10 ... 100 ms) before trying again, so two workers ingesting at full speed waste much of
their time asleep. Ingest transactions take this gate first: a blocking `flock` on a lock file in the data
directory, which wakes the next waiter the moment the holder commits. PostgreSQL needs no gate.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator

from hifazat.config import get_settings

_local = threading.Lock()
_fd: dict[str, int] = {}


@contextlib.contextmanager
def write_gate() -> Iterator[None]:
    settings = get_settings()
    if not settings.is_sqlite:
        yield
        return
    path = str(settings.data_dir / ".ingest.lock")
    with _local:  # threads of this process queue here; processes queue on the flock
        fd = _fd.get(path)
        if fd is None:
            os.makedirs(settings.data_dir, exist_ok=True)
            fd = _fd[path] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
