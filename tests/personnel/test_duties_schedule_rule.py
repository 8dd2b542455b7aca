"""The overlap and rest rule as a pure function (hypothesis): each other duty gives at most one reason,
overlap exactly when the intervals cross, rest_period exactly when the gap is shorter than the rest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hifazat.personnel.clearance import schedule_refusals

T0 = datetime(2027, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class D:
    id: str
    starts_at: datetime
    ends_at: datetime


shift = st.tuples(st.integers(-72 * 60, 72 * 60), st.integers(1, 24 * 60))


@given(mine=shift, others=st.lists(shift, max_size=6), rest=st.sampled_from([0.0, 8.0, 11.5]))
def test_each_other_duty_judged_once_and_right(
    mine: tuple[int, int], others: list[tuple[int, int]], rest: float
) -> None:
    start = T0 + timedelta(minutes=mine[0])
    end = start + timedelta(minutes=mine[1])
    duties = [
        D(str(i), T0 + timedelta(minutes=a), T0 + timedelta(minutes=a + n)) for i, (a, n) in enumerate(others)
    ]
    got = {r.extra["duty_id"]: r.code for r in schedule_refusals(duties, start, end, rest)}
    gap = timedelta(hours=rest)
    for d in duties:
        crosses = d.starts_at < end and d.ends_at > start
        too_close = not crosses and (
            d.starts_at - end < gap if d.starts_at >= end else start - d.ends_at < gap
        )
        want = "overlap" if crosses else "rest_period" if too_close else None
        assert got.get(d.id) == want
    assert len(schedule_refusals(duties, start, end, rest)) == len(got)
