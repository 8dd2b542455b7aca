"""The checkpoint job: signs the audit chain's head into the checkpoint file at start, every
HIFAZAT_AUDIT_CHECKPOINT_INTERVAL_SECONDS, and at a clean shutdown, so a cut-off tail or a rewritten chain
shows against a record the database's writers cannot reach (platform/audit/checkpoints.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from hifazat.config import get_settings
from hifazat.platform.audit.keeper import checkpoint_now

log = logging.getLogger("hifazat.audit.checkpoints")


def _write() -> None:
    try:
        checkpoint_now()
    except Exception:  # a full disk must not stop the worker; the next turn tries again
        log.exception("audit checkpoint failed")


async def checkpoint_job(stop: asyncio.Event) -> None:
    interval = get_settings().audit_checkpoint_interval_seconds
    try:
        await asyncio.to_thread(_write)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval or None)
            if not stop.is_set():
                await asyncio.to_thread(_write)
    finally:
        # The app's shutdown sets `stop` and cancels at once: the last checkpoint is written here, in
        # line, before the process lets go of its database.
        _write()
