"""Exact extractions, the labelled training part, and inputs that are not reports."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hifazat.intel.extract import FIELDS, ExtractError, decode, extract_text
from hifazat.intel.extract.engine import MAX_CHARS
from hifazat.intel.extract.labelled import SCORED, load

KEYS = {*FIELDS, "confidence"}


def test_a_wire_report() -> None:
    got = extract_text(
        "date 2024-10-07\nKARACHI, Oct 7 (Reuters) - Two Chinese nationals were killed and 10 people wounded "
        "late on Sunday when a suicide bomber hit their convoy near the airport. The Baloch Liberation Army "
        "claimed the attack."
    )
    assert {k: got[k] for k in SCORED} == {
        "event_date": "2024-10-06",
        "location": "Karachi",
        "admin1": "PK-SD",
        "killed": 2,
        "injured": 10,
        "victim_nationalities": ["CN"],
        "attack_type": "suicide_bombing",
        "perpetrator": "BLA",
    }
    assert got["lat"] == pytest.approx(24.86, abs=0.1)
    assert got["lon"] == pytest.approx(67.0, abs=0.1)
    assert set(got) == KEYS
    assert set(got["confidence"]) == set(FIELDS)


def test_a_project_locality_the_gazetteer_lacks() -> None:
    got = extract_text(
        "date 2024-03-26\nFive Chinese engineers and their Pakistani driver were killed on "
        "Tuesday near Besham in Shangla district. No group claimed the attack."
    )
    assert (got["location"], got["admin1"], got["killed"], got["perpetrator"]) == ("Besham", "PK-KP", 6, None)
    assert got["victim_nationalities"] == ["CN", "PK"]


def test_a_denial_is_not_a_claim_and_a_dateline_is_not_the_place() -> None:
    got = extract_text(
        "date 2024-03-27\nPESHAWAR: A bomb went off in Quetta on Monday, wounding three. The "
        "Pakistani Taliban denied any role."
    )
    assert (got["location"], got["perpetrator"], got["attack_type"], got["injured"]) == (
        "Quetta",
        None,
        "bombing",
        3,
    )


@pytest.mark.parametrize("report", load("train"), ids=lambda r: r.id)
def test_every_training_report(report: object) -> None:
    got = extract_text(report.text)  # type: ignore[attr-defined]
    assert {k: got[k] for k in SCORED} == report.expected  # type: ignore[attr-defined]


def test_the_labelled_set_is_large_enough_and_complete() -> None:
    train, held = load("train"), load("heldout")
    assert len(train) + len(held) >= 40
    assert len(held) >= 15
    assert {r.id for r in train}.isdisjoint({r.id for r in held})
    for r in train + held:
        assert set(r.expected) == set(SCORED), r.id


def test_text_with_no_event_is_all_null() -> None:
    got = extract_text("The weather in the hills was pleasant and the markets were busy.")
    assert all(got[k] is None for k in FIELDS)


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "empty"), (b"  \n\t", "empty"), (b"\x00\x01\x02abc", "binary"), (b"\xff\xfe\xfa text", "UTF-8")],
)
def test_files_that_are_not_reports_are_refused_with_the_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ExtractError, match=reason):
        decode(data)


def test_an_enormous_text_is_refused() -> None:
    with pytest.raises(ExtractError, match="too large"):
        extract_text("a" * (MAX_CHARS + 1))


@given(st.binary(max_size=2000))
def test_any_bytes_decode_or_are_refused_with_a_reason(data: bytes) -> None:
    reason = ""
    try:
        text = decode(data)
    except ExtractError as exc:
        reason = str(exc)
        assert reason.startswith(("empty", "binary", "not UTF-8", "too large")), reason
    else:
        assert set(extract_text(text)) == KEYS


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=2000))
def test_any_text_gives_the_contract_shape(text: str) -> None:
    got = extract_text(text)
    assert set(got) == KEYS
    assert got["attack_type"] in {
        None,
        "shooting",
        "bombing",
        "suicide_bombing",
        "complex_attack",
        "insider_attack",
        "kidnapping",
        "threat",
        "protest",
        "other",
    }
    assert got["admin1"] is None or got["admin1"].startswith("PK-")
    assert all(0.0 <= v <= 1.0 for v in got["confidence"].values())


def test_a_huge_text_without_stops_is_read_in_pieces() -> None:
    # One "sentence" of 460,000 characters: read in bounded pieces (it took minutes when read whole).
    got = extract_text("were killed in Karachi " * 20_000)
    assert (got["location"], got["killed"], got["attack_type"]) == ("Karachi", 0, "other")
