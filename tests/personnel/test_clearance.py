"""The armed-duty rule as a pure function, over made-up people, checks and licences (hypothesis): every
failing condition is answered, none twice; a valid passing check never adds a reason; each missing kind
yields exactly one check_missing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from hifazat.personnel.clearance import age_on, armed_duty_refusals

KINDS = (
    "police_verification",
    "background_check",
    "biometric_verification",
    "physical_fitness",
    "psychological_evaluation",
    "weapons_training",
)
START = datetime(2026, 12, 7, 8, tzinfo=UTC)
END = START + timedelta(hours=12)


@dataclass(frozen=True)
class P:
    date_of_birth: date
    armed: bool = True
    status: str = "active"
    province: str | None = "PK-SD"


@dataclass(frozen=True)
class C:
    kind: str
    result: str
    done_on: date
    expires_on: date


@dataclass(frozen=True)
class L:
    kind: str
    status: str
    issued_on: date
    expires_on: date
    province: str | None = None


@dataclass(frozen=True)
class S:
    personnel_armed_age_limit: int = 60
    personnel_armed_checks: tuple[str, ...] = KINDS


GOOD_LICENCES = (
    L("noc", "active", date(2025, 1, 1), date(2028, 1, 1)),
    L("provincial", "active", date(2025, 1, 1), date(2028, 1, 1), "PK-SD"),
)
days = st.integers(-800, 800).map(lambda d: START.date() + timedelta(days=d))
checks = st.builds(
    C, st.sampled_from((*KINDS, "refresher_training")), st.sampled_from(["pass", "fail"]), days, days
)
PROVINCES = st.sampled_from([None, "PK-SD", "PK-PB"])
licences = st.builds(
    L,
    st.sampled_from(["noc", "provincial"]),
    st.sampled_from(["active", "suspended", "revoked"]),
    days,
    days,
    PROVINCES,
)
people = st.builds(
    P,
    st.dates(date(1950, 1, 1), date(2005, 1, 1)),
    st.booleans(),
    st.sampled_from(["active", "active", "suspended", "left"]),
    PROVINCES,
)
RULE = settings(max_examples=300, deadline=None)


def _valid_pass(kind: str) -> C:
    return C(kind, "pass", START.date() - timedelta(days=1), END.date() + timedelta(days=30))


def test_a_fully_vetted_guard_is_cleared() -> None:
    person = P(date(1990, 1, 1))
    assert armed_duty_refusals(person, [_valid_pass(k) for k in KINDS], GOOD_LICENCES, START, END, S()) == []


def test_every_condition_at_once() -> None:
    person = P(date(1960, 1, 1), armed=False, status="suspended")
    got = armed_duty_refusals(person, [], [], START, END, S())
    codes = [r.code for r in got]
    assert codes.count("check_missing") == len(KINDS)
    assert codes.count("licence_invalid") == 2
    assert {"suspended", "not_armed", "age_limit"} <= set(codes)
    assert all(r.detail for r in got)


def test_a_check_lapsing_within_the_shift_is_expired() -> None:
    end = START + timedelta(days=2)  # a two-day escort; the evaluation lapses on its first day
    lapsing = C("psychological_evaluation", "pass", date(2025, 12, 1), START.date())
    checks_ = [_valid_pass(k) for k in KINDS if k != "psychological_evaluation"] + [lapsing]
    got = armed_duty_refusals(P(date(1990, 1, 1)), checks_, GOOD_LICENCES, START, end, S())
    assert [(r.code, r.extra["kind"]) for r in got] == [("check_expired", "psychological_evaluation")]
    assert (
        armed_duty_refusals(
            P(date(1990, 1, 1)), checks_, GOOD_LICENCES, START, START + timedelta(hours=8), S()
        )
        == []
    )


def test_a_check_done_after_the_shift_starts_does_not_count() -> None:
    late = C("physical_fitness", "pass", END.date() + timedelta(days=1), END.date() + timedelta(days=200))
    checks_ = [_valid_pass(k) for k in KINDS if k != "physical_fitness"] + [late]
    got = armed_duty_refusals(P(date(1990, 1, 1)), checks_, GOOD_LICENCES, START, END, S())
    assert [r.code for r in got] == ["check_missing"]


def test_a_provincial_licence_counts_only_in_its_province() -> None:
    vetted = [_valid_pass(k) for k in KINDS]
    got = armed_duty_refusals(P(date(1990, 1, 1), province="PK-PB"), vetted, GOOD_LICENCES, START, END, S())
    assert [(r.code, r.extra["licence_kind"]) for r in got] == [("licence_invalid", "provincial")]
    assert "PK-PB" in got[0].detail
    unposted = P(date(1990, 1, 1), province=None)  # not posted yet: any provincial licence of the employer
    assert armed_duty_refusals(unposted, vetted, GOOD_LICENCES, START, END, S()) == []


def test_the_age_limit_is_configurable_and_holds_to_the_shift_end() -> None:
    born = END.date().replace(year=END.date().year - 60)  # turns 60 on the shift's last day
    vetted = [_valid_pass(k) for k in KINDS]
    assert [r.code for r in armed_duty_refusals(P(born), vetted, GOOD_LICENCES, START, END, S())] == [
        "age_limit"
    ]
    assert (
        armed_duty_refusals(P(born), vetted, GOOD_LICENCES, START, END, S(personnel_armed_age_limit=65)) == []
    )
    assert age_on(born, END.date()) == 60


@RULE
@given(people, st.lists(checks, max_size=12), st.lists(licences, max_size=4), st.sampled_from(KINDS))
def test_adding_a_valid_passing_check_never_adds_a_reason(
    person: P, cs: list[C], ls: list[L], kind: str
) -> None:
    before = {
        (r.code, r.extra.get("kind"), r.extra.get("licence_kind"))
        for r in armed_duty_refusals(person, cs, ls, START, END, S())
    }
    after = {
        (r.code, r.extra.get("kind"), r.extra.get("licence_kind"))
        for r in armed_duty_refusals(person, [*cs, _valid_pass(kind)], ls, START, END, S())
    }
    assert after <= before


@RULE
@given(people, st.lists(checks, max_size=12), st.lists(licences, max_size=4))
def test_every_missing_kind_yields_exactly_one_check_missing(person: P, cs: list[C], ls: list[L]) -> None:
    got = armed_duty_refusals(person, cs, ls, START, END, S())
    missing = {k for k in KINDS if not any(c.kind == k and c.done_on <= START.date() for c in cs)}
    found = [r.extra["kind"] for r in got if r.code == "check_missing"]
    assert sorted(found) == sorted(missing)
    # and at most one check reason per kind: the standing check decides
    per_kind = [r.extra["kind"] for r in got if r.code.startswith("check_")]
    assert len(per_kind) == len(set(per_kind))


@RULE
@given(people, st.lists(checks, max_size=12), st.lists(licences, max_size=4))
def test_cleared_exactly_when_every_condition_holds(person: P, cs: list[C], ls: list[L]) -> None:
    got = armed_duty_refusals(person, cs, ls, START, END, S())
    licensed = all(
        any(
            x.kind == k
            and x.status == "active"
            and x.issued_on <= START.date()
            and x.expires_on >= END.date()
            and (k == "noc" or person.province is None or x.province == person.province)
            for x in ls
        )
        for k in ("noc", "provincial")
    )
    fit = person.status == "active" and person.armed and age_on(person.date_of_birth, END.date()) < 60
    checked = not any(r.code.startswith("check_") for r in got)
    assert (got == []) == (licensed and fit and checked)
    assert ({"licence_invalid"} & {r.code for r in got} == set()) == licensed
