"""The publication header and the event-date resolver: exact cases and properties over any text."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hifazat.intel.extract.dates import DAYS, event_date, publication_date


def test_both_header_spellings_anchor_and_leave_the_body() -> None:
    assert publication_date("date 2024-11-07 (@someone)\nBody") == (date(2024, 11, 7), "Body")
    assert publication_date("Date: 2024-03-27\nBody") == (date(2024, 3, 27), "Body")
    assert publication_date("No header here") == (None, "No header here")
    assert publication_date("date 2024-13-45\nBody") == (None, "Body")  # not a date: no anchor


def test_weekdays_resolve_to_the_most_recent_on_or_before_publication() -> None:
    pub = date(2024, 10, 7)  # a Monday
    assert event_date(["killed late on Sunday"], pub) == (date(2024, 10, 6), 0.9)
    assert event_date(["attacked on Monday"], pub)[0] == pub  # the same day counts
    assert event_date(["on Tuesday"], pub)[0] == date(2024, 10, 1)
    assert event_date(["yesterday"], pub)[0] == date(2024, 10, 6)
    assert event_date(["last week"], pub)[0] == date(2024, 9, 30)


def test_month_day_takes_the_year_before_when_later_than_publication() -> None:
    assert event_date(["On March 20, militants"], date(2024, 3, 27))[0] == date(2024, 3, 20)
    assert event_date(["on December 30"], date(2024, 1, 2))[0] == date(2023, 12, 30)
    assert event_date(["on 14 July 2021"], None)[0] == date(2021, 7, 14)
    assert event_date(["on Tuesday"], None) == (None, 0.0)  # relative and no anchor: unknown
    assert event_date(["on February 30"], date(2024, 3, 1))[0] is None


@given(st.text(max_size=500), st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 1, 1)))
def test_any_text_resolves_to_none_or_a_date_not_after_publication(text: str, pub: date) -> None:
    got, conf = event_date([text], pub)
    assert 0.0 <= conf <= 1.0
    assert got is None or got <= pub + timedelta(days=1)
    assert (got is None) == (conf == 0.0)


@given(st.sampled_from(DAYS), st.dates(min_value=date(2000, 1, 1), max_value=date(2050, 1, 1)))
def test_a_weekday_is_that_day_within_the_week_before(day: str, pub: date) -> None:
    got, _ = event_date([f"late on {day.title()} night"], pub)
    assert got is not None
    assert got.strftime("%A").lower() == day
    assert timedelta(0) <= pub - got < timedelta(days=7)


@given(st.text(max_size=300))
def test_publication_date_never_raises(text: str) -> None:
    pub, body = publication_date(text)
    assert pub is None or isinstance(pub, date)
    assert body in text
