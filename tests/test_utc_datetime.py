"""`db.UTCDateTime` on SQLite stores exactly the text SQLAlchemy's DATETIME would (rows written before and
after compare and sort as one), in UTC, whatever zone the value came in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import DateTime
from sqlalchemy.dialects import postgresql, sqlite

from hifazat.core.db import UTCDateTime

offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
zones = st.none() | st.just(UTC) | offsets
moments = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=zones)
SQLITE = sqlite.dialect()
ours = UTCDateTime().bind_processor(SQLITE)
theirs = DateTime().dialect_impl(SQLITE).bind_processor(SQLITE)


@given(moments)
def test_the_text_is_sqlalchemys_for_the_same_instant_in_utc(at: datetime) -> None:
    utc = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)  # naive: already UTC
    assert ours(at) == theirs(utc.replace(tzinfo=None))


def test_examples_and_none() -> None:
    pk = timezone(timedelta(hours=5))
    assert ours(datetime(2026, 12, 3, 12, 1, 2, 5, tzinfo=pk)) == "2026-12-03 07:01:02.000005"
    assert ours(datetime(2026, 12, 3, 7, 1, 2)) == "2026-12-03 07:01:02.000000"
    assert ours(None) is None


def test_postgresql_keeps_the_driver_s_own_handling() -> None:
    pg = postgresql.psycopg.dialect()
    process = UTCDateTime().bind_processor(pg)
    at = datetime(2026, 12, 3, 12, 0, tzinfo=timezone(timedelta(hours=5)))
    value = process(at) if process is not None else UTCDateTime().process_bind_param(at, pg)
    assert value == datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
