"""The outbox relay marks what this process published in short transactions, and loses no mark."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from hifazat import outbox
from hifazat.db import unit_of_work
from hifazat.outbox import OutboxEvent


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
