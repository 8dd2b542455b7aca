"""The outbox relay marks what this process published in short transactions, and loses no mark."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from hifazat.app import _relay_tick
from hifazat.core.db import utcnow
from hifazat.platform import outbox
from hifazat.platform.db import get_engine, unit_of_work
from hifazat.platform.outbox import OutboxEvent


def _rows(n: int) -> list[int]:
    with unit_of_work() as s:
        rows = [outbox.emit(s, "test.mark", {"n": k}) for k in range(n)]
        s.flush()
        return [r.seq for r in rows]


def _unmarked(seqs: list[int]) -> list[int]:
    with unit_of_work(readonly=True) as s:
        return list(
            s.scalars(
                select(OutboxEvent.seq).where(OutboxEvent.seq.in_(seqs), OutboxEvent.published_at.is_(None))
            )
        )


def test_published_rows_are_marked_a_chunk_per_transaction(initialised: Any) -> None:
    seqs = _rows(7)
    outbox.take_published()  # what the commit's own publishing queued: replaced by ours below
    outbox._published.extend(seqs)
    commits: list[int] = []

    def on_commit(_s: Any) -> None:
        commits.append(1)

    event.listen(Session, "after_commit", on_commit)
    try:
        assert outbox.mark_in_chunks(chunk=3) == 7
    finally:
        event.remove(Session, "after_commit", on_commit)
    assert len(commits) == 3
    assert _unmarked(seqs) == []
    assert outbox.take_published() == []


def test_a_failed_chunk_puts_its_rows_back_to_be_marked(initialised: Any, monkeypatch: Any) -> None:
    seqs = _rows(5)
    outbox.take_published()
    outbox._published.extend(seqs)
    real, calls = outbox.mark_published, []

    def flaky(session: Session, chunk: list[int]) -> None:
        calls.append(chunk)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        real(session, chunk)

    monkeypatch.setattr(outbox, "mark_published", flaky)
    with pytest.raises(RuntimeError):
        outbox.mark_in_chunks(chunk=2)
    assert _unmarked(seqs) == seqs[2:]
    monkeypatch.setattr(outbox, "mark_published", real)
    assert outbox.mark_in_chunks(chunk=2) == 3
    assert _unmarked(seqs) == []


def _leftover() -> int:
    """A row committed but never handed to the bus (its worker died first), old enough for the sweep."""
    seq = _rows(1)[0]
    outbox.take_published()
    with unit_of_work() as s:
        row = s.get(OutboxEvent, seq)
        assert row is not None
        row.published_at = None
        row.created_at = utcnow() - timedelta(seconds=30)
    return seq


class _Bus:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def publish(self, ev: Any, on_ack: Any = None) -> None:
        self.seen.append(ev.subject)
        if on_ack is not None:
            on_ack()


def test_the_sweep_republishes_leftovers_and_marks_them_next_tick(initialised: Any, monkeypatch: Any) -> None:
    seq = _leftover()
    bus = _Bus()
    monkeypatch.setattr(outbox, "get_bus", lambda: bus)
    _relay_tick()
    assert bus.seen == ["test.mark"]
    _relay_tick()  # the ack of the republished row is marked by the next tick, and nothing goes twice
    assert bus.seen == ["test.mark"]
    assert _unmarked([seq]) == []


def _sweep_in_thread() -> None:
    done = threading.Thread(target=_relay_tick, daemon=True)
    done.start()
    done.join(5)
    assert not done.is_alive(), "the sweep waited for a lock"


def test_the_sweep_never_waits_for_a_writer(initialised: Any, monkeypatch: Any) -> None:
    """On SQLite the sweep is a reader: while another process holds the write lock (as the bulk lane does
    when an SOS needs it next), it still hands the leftovers to the bus at once. On PostgreSQL it skips the
    rows another worker's sweep has locked, and takes them once they are free."""
    seq = _leftover()
    bus = _Bus()
    monkeypatch.setattr(outbox, "get_bus", lambda: bus)
    engine = get_engine()
    if engine.dialect.name == "sqlite":
        holder = sqlite3.connect(str(engine.url.database), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            _sweep_in_thread()
            assert bus.seen == ["test.mark"]
        finally:
            holder.rollback()
            holder.close()
    else:
        with engine.connect() as holder:
            holder.execute(select(OutboxEvent.seq).where(OutboxEvent.seq == seq).with_for_update())
            _sweep_in_thread()
            assert bus.seen == []
            holder.rollback()
        _relay_tick()
        assert bus.seen == ["test.mark"]
    _relay_tick()
    assert _unmarked([seq]) == []
