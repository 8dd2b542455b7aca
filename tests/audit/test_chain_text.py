"""The text the audit chain hashes for a moment and a value never changes: old entries must still verify."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from hifazat.platform.audit.chain import stamp
from hifazat.platform.audit.log import jsonable

offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
moments = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC) | offsets
)


@given(moments)
def test_stamp_is_the_chains_strftime_text(at: datetime) -> None:
    assert stamp(at) == at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_stamp_examples() -> None:
    assert stamp(datetime(2026, 12, 3, 7, 1, 2, tzinfo=UTC)) == "2026-12-03T07:01:02.000000Z"
    pk = timezone(timedelta(hours=5))
    assert stamp(datetime(2026, 12, 3, 7, 1, 2, 5, tzinfo=pk)) == "2026-12-03T02:01:02.000005Z"


scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text() | moments
values = st.recursive(
    scalars, lambda inner: st.lists(inner) | st.dictionaries(st.text() | st.integers(), inner), max_leaves=20
)


def _slow(value: object) -> object:
    """The definition `jsonable` keeps (before its fast path for plain values)."""
    if isinstance(value, datetime):
        return stamp(value)
    if isinstance(value, dict):
        return {str(k): _slow(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_slow(v) for v in value]
    return value


@given(values)
def test_jsonable_keeps_every_value_as_before(value: object) -> None:
    assert jsonable(value) == _slow(value)
