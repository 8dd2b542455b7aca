"""Append to and verify the audit chain. Appends happen inside the caller's transaction."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from hifazat.config import Settings, get_settings
from hifazat.core.db import utcnow
from hifazat.platform.audit import checkpoints, keys
from hifazat.platform.audit.chain import GENESIS, entry_hash, stamp
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.fast_insert import LATE_FILL, column_keys, insert_now, sqlite_first

# Never copied into the log: secrets, and ciphertext whose plain value the log must not reveal either.
SECRET_COLUMNS = frozenset({"password_hash", "passport_enc", "cnic_enc", "secret_hash", "token_hash"})
_PG_CHAIN_LOCK = 7_261_001
_UNLINKED = "hifazat.audit.unlinked"  # session.info: entries waiting for `_link` (insert=False)


class Actor(Protocol):
    @property
    def user_id(self) -> str | None: ...
    @property
    def username(self) -> str: ...
    @property
    def agency_id(self) -> str | None: ...


_PLAIN = frozenset({str, int, float, bool})


def jsonable(value: Any) -> Any:
    if value is None or type(value) in _PLAIN:
        return value
    if isinstance(value, datetime):
        return stamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def snapshot(obj: Any, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """Column values of an ORM object, JSON-ready, secrets left out."""
    skip = SECRET_COLUMNS | set(exclude)
    state = obj.__dict__  # loaded values; the instrumented getattr only for what is not (expired, unset)
    return {
        k: jsonable(state[k] if k in state else getattr(obj, k))
        for k in column_keys(type(obj))
        if k not in skip
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys that changed, so the log stays readable."""
    keys = [k for k in after if before.get(k) != after.get(k) and k != "updated_at"]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


_HEAD_SQL = f"SELECT seq, hash FROM {AuditEntry.__tablename__} ORDER BY seq DESC LIMIT 1"  # noqa: S608
_PG_LOCKED_HEAD = text("SELECT seq, hash FROM audit_chain_head(:k)")


def locked_head(session: Session) -> Any:
    """(seq, hash) of the newest entry, or None, with the chain's lock held to the commit. Every audited
    write reads it. SQLite: the lock is the write lock the caller's transaction took at its BEGIN; the head
    is read by a plain statement on the driver. PostgreSQL: the advisory lock, then the head read after it
    is granted, in one round trip (`audit_chain_head`, migration 0006)."""
    if session.get_bind().dialect.name == "sqlite":
        return sqlite_first(session, _HEAD_SQL)
    return session.execute(_PG_LOCKED_HEAD, {"k": _PG_CHAIN_LOCK}).first()


def _owner_of(entity: str, entity_id: str | None, before: Any, after: Any) -> str | None:
    if entity == "agencies":
        return entity_id
    for snap in (after, before):
        if isinstance(snap, dict) and isinstance(snap.get("agency_id"), str):
            return str(snap["agency_id"])
    return None


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    owner_agency_id: str | None = None,
    insert: bool = True,
) -> AuditEntry:
    """Append an entry to the chain. `insert=False`: leave it pending, with the caller's other new rows, for
    `db.insert_pending` to write them together (nothing pending is flushed here then either). Such an entry
    is linked to the chain (`seq`, `at`, `prev_hash`, `hash`) only there, once every other row is ready:
    the chain's lock (PostgreSQL's advisory lock; on SQLite the one write lock, which the chain-head read
    takes when it is the transaction's first statement) is held from then to the commit, and every SOS and
    every level 0 waits for it."""
    owner = owner_agency_id or _owner_of(entity, entity_id, before, after)
    entry = AuditEntry(
        actor_id=actor.user_id,
        actor=actor.username,
        agency_id=actor.agency_id,
        owner_agency_id=owner,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=jsonable(before),
        after=jsonable(after),
    )
    if not insert:
        late = session.info.setdefault(_UNLINKED, [])
        if not late:
            session.info.setdefault(LATE_FILL, []).append(_link_unlinked)
        late.append(entry)  # added to the session once linked: a flush may not write it unlinked
        return entry
    _link(session, [entry])
    insert_now(session, entry)  # appended on every write: without the flush's bookkeeping
    return entry


def _link(session: Session, entries: list[AuditEntry]) -> None:
    """Give new entries their place in the chain, in order: under the chain's lock (PostgreSQL) or the
    write lock (SQLite), held to the commit."""
    last = locked_head(session)
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    # Read under the lock: a rotation appends its key under the same lock, so no entry misses it.
    path = get_settings().audit_key_path
    ring = keys.current(path) or keys.create(path, seq)
    for entry in entries:
        entry.seq, entry.at, entry.prev_hash = seq, utcnow(), prev
        entry.hash = entry_hash(
            prev_hash=prev,
            seq=seq,
            at=entry.at,
            actor_id=entry.actor_id,
            actor=entry.actor,
            agency_id=entry.agency_id,
            owner_agency_id=entry.owner_agency_id,
            action=entry.action,
            entity=entry.entity,
            entity_id=entry.entity_id,
            before=entry.before,
            after=entry.after,
            key=ring.entry_key(seq),
        )
        seq, prev = seq + 1, entry.hash


def _link_unlinked(session: Session) -> None:
    entries = session.info.pop(_UNLINKED, [])
    if entries:
        with session.no_autoflush:
            _link(session, entries)
        session.add_all(entries)


@event.listens_for(Session, "before_flush")
def _link_before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """Entries left for `insert_pending` that a flush reaches first are linked here, never written bare."""
    if session.info.get(_UNLINKED):
        late = session.info.get(LATE_FILL, [])
        if _link_unlinked in late:
            late.remove(_link_unlinked)
        _link_unlinked(session)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    bad_seq: int | None = None
    reason: str | None = None
    checkpoint_line: int | None = None  # the checkpoint file's line the problem concerns, if any
    checkpoints: int = 0  # checkpoints whose signature verified
    last_checkpoint: int | None = None  # the entry the newest of them recorded


def _entry_problem(e: AuditEntry, expected_seq: int, prev: str, ring: keys.Keyring) -> tuple[int, str] | None:
    """(seq, reason) if entry `e`, read where entry `expected_seq` after `prev` belongs, is not it."""
    if e.seq != expected_seq:
        return expected_seq, f"entry {expected_seq} is missing"
    if e.prev_hash != prev:
        return e.seq, "previous-hash link broken (removed or reordered)"
    digest = entry_hash(
        prev_hash=e.prev_hash,
        seq=e.seq,
        at=e.at,
        actor_id=e.actor_id,
        actor=e.actor,
        agency_id=e.agency_id,
        owner_agency_id=e.owner_agency_id,
        action=e.action,
        entity=e.entity,
        entity_id=e.entity_id,
        before=e.before,
        after=e.after,
        key=ring.entry_key(e.seq),
    )
    if digest != e.hash:
        return e.seq, "content does not match its hash (altered)"
    return None


def verify(session: Session, batch: int = 5000, *, settings: Settings | None = None) -> VerifyResult:
    """Walk the chain in order; name the first entry that was altered, removed or reordered, a checkpoint
    line that was edited, an entry that differs from a checkpoint, or a tail cut off behind one."""
    s = settings or get_settings()
    no_ring = (
        f"no audit key ring at {s.audit_key_path} (HIFAZAT_AUDIT_KEY_FILE): a rewritten chain cannot be "
        "told from an intact one; `hifazat audit checkpoint` keys it"
    )
    try:
        ring = keys.load(s.audit_key_path)
        if ring is None and s.audit_checkpoint_path.exists():
            return VerifyResult(False, 0, reason=no_ring)  # its checkpoints cannot be checked either
        marks = checkpoints.read_verified(s.audit_checkpoint_path, ring)
    except keys.KeyringError as exc:
        return VerifyResult(False, 0, reason=str(exc))
    except checkpoints.CheckpointError as exc:
        return VerifyResult(False, 0, reason=exc.reason, checkpoint_line=exc.line)
    at_seq = {m.seq: m for m in marks}
    top = max(marks, key=lambda m: m.seq, default=None)
    expected_seq, prev, checked = 1, GENESIS, 0

    def result(bad: int | None = None, reason: str | None = None, line: int | None = None) -> VerifyResult:
        return VerifyResult(reason is None, checked, bad, reason, line, len(marks), top.seq if top else None)

    after_seq = 0
    while rows := session.scalars(
        select(AuditEntry).where(AuditEntry.seq > after_seq).order_by(AuditEntry.seq).limit(batch)
    ).all():
        if ring is None:
            return result(None, no_ring)
        for e in rows:
            problem = _entry_problem(e, expected_seq, prev, ring)
            if problem is not None:
                return result(*problem)
            mark = at_seq.get(e.seq)
            if mark is not None and mark.hash != e.hash:
                reason = f"does not match checkpoint line {mark.line} (the chain up to here was rewritten)"
                return result(e.seq, reason, mark.line)
            prev, expected_seq, checked = e.hash, expected_seq + 1, checked + 1
        after_seq = rows[-1].seq
        session.expunge_all()
    if top is not None and top.seq >= expected_seq:
        reason = (
            f"the chain ends at entry {expected_seq - 1} but checkpoint line {top.line} recorded entry "
            f"{top.seq}: entries {expected_seq}..{top.seq} were cut off"
        )
        return result(expected_seq, reason, top.line)
    return result()
