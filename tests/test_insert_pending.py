"""`db.insert_pending`: new rows inserted by Core statements stay in the session as persistent objects."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from hifazat.platform.db import unit_of_work
from hifazat.platform.fast_insert import insert_now, insert_pending
from hifazat.platform.outbox import OutboxEvent


def test_defaults_keys_and_later_changes(initialised: Any) -> None:
    with unit_of_work() as s:
        row = OutboxEvent(subject="test.insert", payload={"n": 1})  # id, created_at, seq: defaults and key
        s.add(row)
        insert_pending(s)
        assert not s.new
        assert row in s
        assert row.seq is not None
        assert row.id
        assert row.created_at is not None
        assert s.get(OutboxEvent, row.seq) is row  # the identity map knows it
        row.payload = {"n": 2}  # a persistent object: the change is an UPDATE at commit
        seq, ident = row.seq, row.id
    with unit_of_work(readonly=True) as s:
        stored = s.scalars(select(OutboxEvent).where(OutboxEvent.seq == seq)).one()
        assert stored.id == ident
        assert stored.payload == {"n": 2}
        assert stored.published_at is None


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


def test_a_rollback_expunges_inserted_rows_as_after_a_flush(initialised: Any) -> None:
    with unit_of_work() as s:
        row = OutboxEvent(subject="test.expunged", payload={})
        s.add(row)
        insert_pending(s)
        assert row in s
        assert inspect(row).persistent
        s.rollback()
        assert row not in s
        assert inspect(row).transient
        again = OutboxEvent(subject="test.expunged", payload={"n": 2})
        insert_now(s, again)  # never added: inserted and made persistent all the same
        assert again in s
        assert inspect(again).persistent
        assert again.seq is not None
    with unit_of_work(readonly=True) as s:
        rows = s.scalars(select(OutboxEvent).where(OutboxEvent.subject == "test.expunged")).all()
        assert [r.payload for r in rows] == [{"n": 2}]


def test_a_duplicate_key_is_the_engines_integrity_error_and_changes_nothing(initialised: Any) -> None:
    # SQLite rows go straight to the driver's cursor; its error still reaches callers (and the 409
    # handler) as SQLAlchemy's IntegrityError, as on PostgreSQL.
    with unit_of_work() as s:
        first = OutboxEvent(subject="test.duplicate", payload={"n": 1})
        s.add(first)
        insert_pending(s)
        ident = first.id
    with pytest.raises(IntegrityError), unit_of_work() as s:  # noqa: PT012  (the whole transaction fails)
        s.add(OutboxEvent(subject="test.duplicate", payload={"n": 2}))
        s.add(OutboxEvent(id=ident, subject="test.duplicate", payload={"n": 3}))
        insert_pending(s)
    with unit_of_work(readonly=True) as s:
        rows = s.scalars(select(OutboxEvent).where(OutboxEvent.subject == "test.duplicate")).all()
        assert [r.payload for r in rows] == [{"n": 1}]


def test_typed_columns_go_through_their_bind_processors(initialised: Any) -> None:
    at = datetime(2024, 11, 7, 10, 30, tzinfo=timezone(timedelta(hours=5)))
    with unit_of_work() as s:
        row = OutboxEvent(subject="test.types", payload={"nested": [1, "ü"]}, created_at=at)
        s.add(row)
        insert_pending(s)
        seq = row.seq
    with unit_of_work(readonly=True) as s:
        stored = s.scalars(select(OutboxEvent).where(OutboxEvent.seq == seq)).one()
        assert stored.payload == {"nested": [1, "ü"]}
        assert stored.created_at == at
        assert stored.created_at.tzinfo is not None
