"""The clearance rule for armed duty, as a pure function: who may stand armed next to protected persons.

It reads nothing but its arguments (no session, no clock), so the roster, the weapons register and the
clearance endpoint judge alike, and property tests can run it over many made-up people. It answers EVERY
failing condition, never only the first: a supervisor sees at once all that must be put right.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from hifazat.personnel.models import CheckResult, LicenceKind, LicenceStatus, PersonnelStatus


class PersonFacts(Protocol):
    @property
    def date_of_birth(self) -> date: ...
    @property
    def armed(self) -> bool: ...
    @property
    def status(self) -> str: ...
    @property
    def province(self) -> str | None: ...


class CheckFacts(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def result(self) -> str: ...
    @property
    def done_on(self) -> date: ...
    @property
    def expires_on(self) -> date: ...


class LicenceFacts(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def issued_on(self) -> date: ...
    @property
    def expires_on(self) -> date: ...
    @property
    def province(self) -> str | None: ...


class RuleSettings(Protocol):
    @property
    def personnel_armed_age_limit(self) -> int: ...
    @property
    def personnel_armed_checks(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Reason:
    """One failing condition: a stable `code`, the `detail` in words, and what it is about."""

    code: str
    detail: str
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail, **self.extra}


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _latest(checks: Iterable[CheckFacts], kind: str, before: date) -> CheckFacts | None:
    """The check of `kind` that stands at the shift's start: the last one done by then (a pass outranks a
    fail done the same day, which it is taken to have followed: a retest)."""
    done = [c for c in checks if c.kind == kind and c.done_on <= before]
    return max(done, key=lambda c: (c.done_on, c.result == CheckResult.passed.value), default=None)


def _check_reasons(
    checks: Sequence[CheckFacts], kinds: Sequence[str], start: date, end: date
) -> list[Reason]:
    out: list[Reason] = []
    for kind in dict.fromkeys(kinds):  # each kind once, in the configured order
        c = _latest(checks, kind, start)
        if c is None:
            out.append(Reason("check_missing", f"no {kind} on record by the shift's start", {"kind": kind}))
        elif c.result != CheckResult.passed.value:
            detail = f"the latest {kind} (done {c.done_on.isoformat()}) was failed"
            out.append(Reason("check_failed", detail, {"kind": kind, "done_on": c.done_on.isoformat()}))
        elif c.expires_on < end:
            detail = f"{kind} expires {c.expires_on.isoformat()}, before the shift ends"
            out.append(
                Reason("check_expired", detail, {"kind": kind, "expires_on": c.expires_on.isoformat()})
            )
    return out


def _covers(lic: LicenceFacts, province: str | None) -> bool:
    """A provincial licence counts only in its province (where the person is posted, when posted)."""
    return lic.kind != LicenceKind.provincial.value or province is None or lic.province == province


def _licence_reasons(
    licences: Sequence[LicenceFacts], province: str | None, start: date, end: date
) -> list[Reason]:
    out: list[Reason] = []
    for kind in LicenceKind:
        good = [
            lic
            for lic in licences
            if lic.kind == kind.value
            and _covers(lic, province)
            and lic.status == LicenceStatus.active.value
            and lic.issued_on <= start
            and lic.expires_on >= end
        ]
        if not good:
            have = sorted(
                {f"{lic.status} until {lic.expires_on.isoformat()}" for lic in licences if lic.kind == kind}
            )
            why = "; on record: " + ", ".join(have) if have else "; none on record"
            where = f" in {province}" if kind == LicenceKind.provincial and province else ""
            detail = (
                f"the employer holds no active {kind.value} licence{where} valid for the whole shift{why}"
            )
            out.append(Reason("licence_invalid", detail, {"licence_kind": kind.value}))
    return out


def armed_duty_refusals(
    person: PersonFacts,
    checks: Sequence[CheckFacts],
    licence_state: Sequence[LicenceFacts],
    at_from: datetime,
    at_to: datetime,
    settings: RuleSettings,
    required: Sequence[str] | None = None,
) -> list[Reason]:
    """Every reason `person` may not stand armed duty from `at_from` to `at_to`; empty means cleared.

    `licence_state` is the employer's licences. Checks count as they stood at the shift's start and must
    stay valid to its end; the age limit holds to the shift's end (the person must not have reached it).
    `required` names the checks (a duty kind's); by default the configured armed-duty checks.
    `suspended` comes from the person's status: insider-risk flags (issue 20 item 7) suspend through it."""
    start, end = at_from.date(), at_to.date()
    reasons: list[Reason] = []
    if person.status != PersonnelStatus.active.value:
        reasons.append(
            Reason("suspended", f"the person's status is {person.status}", {"status": person.status})
        )
    if not person.armed:
        reasons.append(Reason("not_armed", "the person is not registered for armed duty"))
    age = age_on(person.date_of_birth, end)
    limit = settings.personnel_armed_age_limit
    if age >= limit:
        reasons.append(
            Reason("age_limit", f"aged {age} by the shift's end; the limit is {limit}", {"age": age})
        )
    kinds = settings.personnel_armed_checks if required is None else required
    reasons += _check_reasons(checks, kinds, start, end)
    reasons += _licence_reasons(licence_state, person.province, start, end)
    return reasons


class ShiftFacts(Protocol):
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def id(self) -> str: ...


def schedule_refusals(
    others: Iterable[ShiftFacts], at_from: datetime, at_to: datetime, rest_hours: float
) -> list[Reason]:
    """For every duty, armed or not: no overlap with the person's other duties (`overlap`, one reason per
    duty it overlaps) and at least `rest_hours` between shifts (`rest_period`)."""
    rest = timedelta(hours=rest_hours)
    out: list[Reason] = []
    for o in others:
        span = f"{o.starts_at.isoformat()} to {o.ends_at.isoformat()}"
        if o.starts_at < at_to and o.ends_at > at_from:
            out.append(Reason("overlap", f"overlaps the person's duty {span}", {"duty_id": o.id}))
        elif o.starts_at < at_to + rest and o.ends_at > at_from - rest:
            gap = o.starts_at - at_to if o.starts_at >= at_to else at_from - o.ends_at
            hours = round(gap.total_seconds() / 3600, 2)
            detail = f"only {hours} h of rest beside the person's duty {span}; at least {rest_hours} h"
            out.append(Reason("rest_period", detail, {"duty_id": o.id, "rest_hours": hours}))
    return out
