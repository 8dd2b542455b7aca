"""Keeping the chain's outside evidence: checkpoints of its head and the key ring (creation, rotation).
Used by the audit domain's checkpoint job, `hifazat init` and the `hifazat audit` commands."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.config import Settings, get_settings
from hifazat.core.db import utcnow
from hifazat.platform.audit import checkpoints, keys
from hifazat.platform.audit.chain import stamp
from hifazat.platform.audit.log import locked_head
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import unit_of_work


def ensure_keyring(session: Session, settings: Settings | None = None) -> keys.Keyring:
    """The key ring, made if absent with its first key starting after the current head, so every entry
    already written stays on the legacy formula and every later one is keyed. `session` must be able to
    write: the chain's lock is taken (to its commit) so no entry is linked meanwhile."""
    path = (settings or get_settings()).audit_key_path
    ring = keys.current(path)
    if ring is not None:
        return ring
    head = locked_head(session)
    return keys.create(path, head[0] + 1 if head else 1)


def write_checkpoint(
    session: Session, ring: keys.Keyring, settings: Settings | None = None, *, force: bool = False
) -> checkpoints.Checkpoint | None:
    """Sign and append the chain's head, unless the file's newest checkpoint already names it (every
    worker runs the job; an idle chain adds no lines). None when the chain is empty or nothing moved."""
    path = (settings or get_settings()).audit_checkpoint_path
    head = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1))
    row = head.first()
    if row is None:
        return None
    last = checkpoints.newest(path)
    if not force and last is not None and (last.seq, last.hash, last.key) == (row[0], row[1], ring.newest.id):
        return None
    checkpoint = checkpoints.sign(ring, int(row[0]), str(row[1]), stamp(utcnow()))
    checkpoints.append(path, checkpoint)
    return checkpoint


def checkpoint_now(settings: Settings | None = None, *, force: bool = False) -> checkpoints.Checkpoint | None:
    """A checkpoint in transactions of its own: the job, shutdown and `hifazat audit checkpoint`. Only a
    missing key ring (the first run after an upgrade) takes the chain's lock; otherwise a read."""
    s = settings or get_settings()
    ring = keys.current(s.audit_key_path)
    if ring is None:
        with unit_of_work(s) as session:
            ring = ensure_keyring(session, s)
    with unit_of_work(s, readonly=True) as session:
        return write_checkpoint(session, ring, s, force=force)


@dataclass(frozen=True)
class Rotation:
    key: keys.AuditKey
    checkpoint: checkpoints.Checkpoint | None


def rotate_key(settings: Settings | None = None) -> Rotation:
    """Append a new key for the entries after the head, and sign the head with it at once: from then on
    everything up to now is pinned by a key the old one's holder never had. Holds the chain's lock
    throughout, so every writer's next entry uses the new key."""
    s = settings or get_settings()
    with unit_of_work(s) as session:
        head = locked_head(session)
        ring = keys.add_key(s.audit_key_path, head[0] + 1 if head else 1)
        checkpoint = write_checkpoint(session, ring, s, force=True)
    return Rotation(ring.newest, checkpoint)
