"""The keyed chain (18.11): what someone who can write the database, but not read the key ring or the
checkpoint file, can no longer hide: a chain rewritten with the public formula, a cut-off tail, an edited
checkpoint; and what must keep working: legacy entries, key rotation, the checkpoint job."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from hifazat.audit.jobs import checkpoint_job
from hifazat.auth.policy import system_actor
from hifazat.config import Settings
from hifazat.core.db import utcnow
from hifazat.platform.audit import keys
from hifazat.platform.audit.chain import GENESIS, entry_hash
from hifazat.platform.audit.keeper import checkpoint_now, rotate_key
from hifazat.platform.audit.log import VerifyResult, record, verify
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import get_engine, unit_of_work


def _write(n: int, label: str = "touch") -> None:
    with unit_of_work() as s:
        for i in range(n):
            actor = system_actor("test")
            record(s, actor=actor, action=label, entity="things", entity_id=str(i), after={"n": i})


def _verify() -> VerifyResult:
    with unit_of_work(readonly=True) as s:
        return verify(s)


def _entries() -> list[AuditEntry]:
    with unit_of_work(readonly=True) as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def _fields(e: AuditEntry) -> dict[str, Any]:
    return {
        k: getattr(e, k)
        for k in ("seq", "at", "actor_id", "actor", "agency_id", "owner_agency_id", "action", "entity")
    } | {"entity_id": e.entity_id, "before": e.before, "after": e.after}


def _rehash_publicly(from_seq: int, change: dict[str, Any]) -> None:
    """What the insider did before 18.11: change an entry, then recompute every later hash with the
    public formula so each link and each hash looks right."""
    rows = _entries()
    prev = GENESIS if from_seq == 1 else next(e.hash for e in rows if e.seq == from_seq - 1)
    with get_engine().begin() as conn:
        for e in rows:
            if e.seq < from_seq:
                continue
            values = _fields(e) | (change if e.seq == from_seq else {})
            digest = entry_hash(prev_hash=prev, key=None, **values)
            conn.execute(
                update(AuditEntry.__table__)
                .where(AuditEntry.seq == e.seq)
                .values(prev_hash=prev, hash=digest, **(change if e.seq == from_seq else {}))
            )
            prev = digest


def _legacy_chain(n: int) -> None:
    """Entries as the code before 18.11 wrote them: public SHA-256, no key ring."""
    prev, rows = GENESIS, []
    with unit_of_work() as s:
        head = s.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) or 0
        if head:
            prev = s.scalar(select(AuditEntry.hash).where(AuditEntry.seq == head)) or GENESIS
        for i in range(head + 1, head + 1 + n):
            e = AuditEntry(seq=i, at=utcnow(), actor="old", action="touch", entity="things", entity_id=str(i))
            e.actor_id, e.agency_id, e.owner_agency_id = None, None, None
            e.before, e.after, e.prev_hash = None, {"n": i}, prev
            e.hash = prev = entry_hash(prev_hash=prev, key=None, **_fields(e))
            rows.append(e)
        s.add_all(rows)


def test_a_chain_rewritten_with_the_public_formula_is_found_at_the_changed_entry(initialised: Any) -> None:
    _write(6)
    assert _verify().ok
    victim = _entries()[3].seq
    _rehash_publicly(victim, {"actor": "mallory"})
    r = _verify()
    assert not r.ok
    assert r.bad_seq == victim
    assert "altered" in (r.reason or "")


def test_legacy_entries_still_verify_and_are_pinned_by_the_first_keyed_one(settings: Settings) -> None:
    """An installation upgraded to keyed hashes: its old entries keep their public hashes up to the key
    ring's boundary, and every entry after it is keyed."""
    from hifazat.platform import migrate

    migrate.upgrade()
    _legacy_chain(4)
    assert not settings.audit_key_path.exists()
    assert not _verify().ok  # no key ring: nothing can be proved
    _write(2)  # the first keyed write makes the key ring, starting at its own entry
    ring = keys.load(settings.audit_key_path)
    assert ring is not None
    assert ring.keyed_from == 5
    r = _verify()
    assert r.ok, r
    assert r.checked == 6
    last = _entries()[-1]
    assert last.hash != entry_hash(prev_hash=last.prev_hash, key=None, **_fields(last))

    # A legacy entry rewritten and every later hash recomputed with the public formula: the first keyed
    # entry, whose HMAC covers the last legacy hash, gives it away.
    _rehash_publicly(2, {"actor": "mallory"})
    bad = _verify()
    assert not bad.ok
    assert bad.bad_seq == 5
    assert "altered" in (bad.reason or "")


def test_an_upgrade_checkpoint_pins_legacy_entries_before_anything_new_is_written(settings: Settings) -> None:
    from hifazat.platform import migrate

    migrate.upgrade()
    _legacy_chain(4)
    cp = checkpoint_now()  # as `hifazat init` or the job after an upgrade: key ring made, head signed
    assert cp is not None
    assert cp.seq == 4
    ring = keys.load(settings.audit_key_path)
    assert ring is not None
    assert ring.keyed_from == 5
    assert _verify().ok
    _rehash_publicly(3, {"after": {"n": 99}})
    bad = _verify()
    assert not bad.ok
    assert bad.bad_seq == 4
    assert bad.checkpoint_line == 1
    assert "checkpoint line 1" in (bad.reason or "")


def test_a_cut_off_tail_shows_against_the_last_checkpoint(initialised: Any) -> None:
    _write(5)
    cp = checkpoint_now()
    assert cp is not None
    r = _verify()
    assert r.ok
    assert r.last_checkpoint == cp.seq
    with get_engine().begin() as conn:
        conn.execute(delete(AuditEntry.__table__).where(AuditEntry.seq > cp.seq - 2))
    bad = _verify()
    assert not bad.ok
    assert bad.bad_seq == cp.seq - 1
    assert bad.checkpoint_line is not None
    assert "cut off" in (bad.reason or "")
    assert f"entries {cp.seq - 1}..{cp.seq}" in (bad.reason or "")


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_an_edited_or_forged_checkpoint_is_named_by_its_line(initialised: Any, settings: Settings) -> None:
    _write(3)
    assert checkpoint_now() is not None
    path = settings.audit_checkpoint_path
    original = path.read_text()
    lines = _lines(path)
    assert lines
    assert set(lines[-1]) == {"seq", "hash", "at", "key", "signature"}

    # The insider rewrote entries and moved the newest checkpoint's hash to match.
    lines[-1]["hash"] = "0" * 64
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    bad = _verify()
    assert not bad.ok
    assert bad.checkpoint_line == len(lines)
    assert "signature" in (bad.reason or "")

    # A line signed by a key the ring does not hold.
    path.write_text(original + json.dumps({**lines[-1], "key": 99}) + "\n")
    bad = _verify()
    assert bad.checkpoint_line == len(lines) + 1
    assert "key 99" in (bad.reason or "")

    path.write_text(original)
    assert _verify().ok


def test_rotation_keys_later_entries_with_the_new_key_and_keeps_old_ones_verifiable(
    initialised: Any, settings: Settings
) -> None:
    _write(3)
    before = _entries()[-1].seq
    rotation = rotate_key()
    assert rotation.key.id == 2
    assert rotation.key.from_seq == before + 1
    assert rotation.checkpoint is not None
    assert rotation.checkpoint.key == 2
    _write(2)  # the writer sees the appended key at once (it reads the ring under the chain's lock)
    ring = keys.load(settings.audit_key_path)
    assert ring is not None
    first, second = ring.keys
    after = _entries()[-1]
    assert after.hash == entry_hash(prev_hash=after.prev_hash, key=second.entry_key, **_fields(after))
    assert after.hash != entry_hash(prev_hash=after.prev_hash, key=first.entry_key, **_fields(after))
    r = _verify()
    assert r.ok, r
    assert r.checkpoints >= 2

    # A holder of the old key cannot rewrite past the rotation: entries after it need the new key.
    _entries_rehashed_with(first.entry_key, after.seq)
    bad = _verify()
    assert bad.bad_seq == after.seq


def _entries_rehashed_with(key: bytes, seq: int) -> None:
    e = next(x for x in _entries() if x.seq == seq)
    digest = entry_hash(prev_hash=e.prev_hash, key=key, **(_fields(e) | {"actor": "mallory"}))
    with get_engine().begin() as conn:
        conn.execute(
            update(AuditEntry.__table__).where(AuditEntry.seq == seq).values(actor="mallory", hash=digest)
        )


def test_the_checkpoint_job_writes_at_start_and_at_shutdown_only_when_the_head_moved(
    initialised: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = settings.audit_checkpoint_path
    start = len(_lines(path))  # init checkpointed its head

    async def run(then_write: bool) -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(checkpoint_job(stop))
        await asyncio.sleep(0.3)  # its first checkpoint, in a thread
        if then_write:
            await asyncio.to_thread(_write, 2)
        stop.set()
        task.cancel()  # as the app's shutdown does
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(run(then_write=False))
    assert len(_lines(path)) == start  # nothing moved since init's checkpoint: no new line
    asyncio.run(run(then_write=True))
    lines = _lines(path)
    assert len(lines) == start + 1
    assert lines[-1]["seq"] == _entries()[-1].seq  # the shutdown checkpoint holds the last entry
    assert _verify().ok


def test_the_verify_endpoint_names_a_cut_off_tail_and_its_checkpoint(
    client: Any, admin: dict[str, str]
) -> None:
    _write(3)
    cp = checkpoint_now()
    assert cp is not None
    good = client.get("/api/v1/audit/verify", headers=admin).json()
    assert good["ok"] is True
    assert good["checkpoints"] >= 1
    with get_engine().begin() as conn:
        conn.execute(delete(AuditEntry.__table__).where(AuditEntry.seq == cp.seq))
    bad = client.get("/api/v1/audit/verify", headers=admin).json()
    assert bad["ok"] is False
    assert bad["bad_seq"] == cp.seq
    assert bad["checkpoint_line"] is not None
    assert "cut off" in bad["reason"]


def test_rotating_while_writers_write_leaves_a_chain_that_verifies(
    initialised: Any, settings: Settings
) -> None:
    """Writers read the ring under the chain's lock and rotation appends under it: no entry is hashed with
    a key the ring does not assign to its number, however the two interleave."""
    import threading

    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(15):
                _write(1)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for t in threads:
        t.start()
    rotations = [rotate_key() for _ in range(2)]
    for t in threads:
        t.join(60)
    assert not errors, errors
    ring = keys.load(settings.audit_key_path)
    assert ring is not None
    assert [k.id for k in ring.keys] == [1, 2, 3]
    assert [r.key.id for r in rotations] == [2, 3]
    r = _verify()
    assert r.ok, r
    assert r.checked == 2 + 45


def test_a_ring_that_cannot_be_read_stops_writes_of_a_fresh_process_and_verify_names_it(
    initialised: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = _entries()[-1].seq
    settings.audit_key_path.write_text("not a key\n")
    monkeypatch.setattr(keys, "_cache", {})  # a process that never read the ring
    with pytest.raises(keys.KeyringError):
        _write(1)
    assert _entries()[-1].seq == head  # the write, its entry and all, was rolled back
    assert keys.health(settings.audit_key_path) == "unreadable"
    r = _verify()
    assert not r.ok
    assert "line 1 is not an audit key" in (r.reason or "")


def test_a_process_holding_the_ring_keeps_writing_when_the_file_turns_unreadable(
    initialised: Any, settings: Settings
) -> None:
    """An SOS must not fail because the key file went away under a running worker: keys are only ever
    appended, so the ring it read still keys what it writes, and verify still checks it."""
    _write(1)  # this process now holds the ring
    path = settings.audit_key_path
    saved = path.read_bytes()
    path.unlink()
    path.mkdir()  # stat answers, reading fails
    try:
        _write(2)
        assert keys.health(path) == "unreadable, held"
    finally:
        path.rmdir()
        path.write_bytes(saved)
    assert _verify().ok
