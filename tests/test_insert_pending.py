"""`db.insert_pending`: new rows inserted by Core statements stay in the session as persistent objects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hifazat.db import insert_pending, unit_of_work
from hifazat.outbox import OutboxEvent


def test_defaults_keys_and_later_changes(initialised: Any) -> None:
    with unit_of_work() as s:
        row = OutboxEvent(subject="test.insert", payload={"n": 1})  # id, created_at, seq: defaults and key
        s.add(row)
        insert_pending(s)
        assert not s.new and row in s
        assert row.seq is not None and row.id and row.created_at is not None
        assert s.get(OutboxEvent, row.seq) is row  # the identity map knows it
        row.payload = {"n": 2}  # a persistent object: the change is an UPDATE at commit
        seq, ident = row.seq, row.id
    with unit_of_work(readonly=True) as s:
        stored = s.scalars(select(OutboxEvent).where(OutboxEvent.seq == seq)).one()
        assert stored.id == ident and stored.payload == {"n": 2} and stored.published_at is None


def test_a_rolled_back_insert_leaves_nothing(initialised: Any) -> None:
    try:
        with unit_of_work() as s:
            s.add(OutboxEvent(subject="test.rollback", payload={}))
            insert_pending(s)
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    with unit_of_work(readonly=True) as s:
        assert s.scalars(select(OutboxEvent).where(OutboxEvent.subject == "test.rollback")).first() is None
