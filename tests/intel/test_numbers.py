"""Counts in words and digits, and victims counted from sentences (attackers never)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hifazat.intel.extract.casualties import count
from hifazat.intel.extract.numbers import MAX_COUNT, parse_count


def test_number_words_and_digits() -> None:
    assert [parse_count(t) for t in ("two", "Three", "eleven", "twenty-five", "13", "1,200")] == [
        2,
        3,
        11,
        25,
        13,
        1200,
    ]
    assert [parse_count(t) for t in ("", "dozens", "twenty-zero", "1,2x", "9" * 30, "people")] == [None] * 6


def test_victims_are_counted_and_attackers_are_not() -> None:
    s = [
        "Three gunmen stormed the consulate, killing two policemen and two visitors before all three "
        "attackers were shot dead. One guard was injured."
    ]
    assert count(s)[:2] == (4, 1)
    assert count(["Five Chinese engineers and their Pakistani driver were killed."])[:2] == (6, None)
    assert count(["Two people, a guard and a passer-by, were injured."])[:2] == (None, 2)
    assert count(["Two attackers were killed. No one was hurt."])[:2] == (None, 0)
    assert count(["killing one policeman and injuring four others"])[:2] == (1, 4)


@given(st.text(max_size=400))
def test_parse_count_never_raises_and_stays_in_range(text: str) -> None:
    n = parse_count(text)
    assert n is None or 0 <= n <= MAX_COUNT


@given(st.lists(st.text(max_size=200), max_size=5))
def test_count_never_raises_on_any_sentences(sentences: list[str]) -> None:
    killed, injured, ck, ci = count(sentences)
    for n in (killed, injured):
        assert n is None or n >= 0
    assert 0 <= ck <= 1
    assert 0 <= ci <= 1


@given(st.integers(min_value=0, max_value=MAX_COUNT))
def test_digits_round_trip(n: int) -> None:
    assert parse_count(str(n)) == n
    assert parse_count(f"{n:,}") == n
