"""The daily duty compliance job: re-judge every future duty by the hard rule (a check may have expired, a
licence been suspended, a person suspended since it was rostered), mark those that no longer pass
(`at_risk` with their `reasons`) and tell the employer's supervisors through notify, as jobs.py does.

It reads in bulk (the duties, then their people, checks and licences, one query each) and judges in
memory with the same pure functions the create path uses, so the job and the API cannot disagree."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.policy import Principal, system_actor, view_of
from hifazat.config import Settings, get_settings
from hifazat.notify.schemas import Recipient
from hifazat.notify.service import enqueue
from hifazat.personnel.clearance import Reason, armed_duty_refusals, schedule_refusals
from hifazat.personnel.duties import KIND, required_checks
from hifazat.personnel.duty_models import Duty, DutyStatus
from hifazat.personnel.jobs import SUPERVISOR_ROLES, TOPIC
from hifazat.personnel.models import Check, Licence, Personnel
from hifazat.platform.audit.writes import audited_update
from hifazat.platform.sqlite.api import run_background, unit_of_work

log = logging.getLogger("hifazat.personnel.compliance")
REF_KIND = "duty"
ACTOR = system_actor("duty-compliance")


def _chunks(ids: list[str], n: int = 900) -> list[list[str]]:
    return [ids[i : i + n] for i in range(0, len(ids), n)]


def judge_all(session: Session, now: datetime, settings: Settings) -> list[tuple[Any, list[Reason]]]:
    """Every future scheduled duty (a row of its columns) with its failing reasons (empty: it passes).

    Columns, not ORM objects: 100,000 duties and 70,000 checks load in a fraction of the time. A check is
    never dated in the future, so for every future shift the standing check of a kind is the person's
    latest: judged over the span from their first armed shift's start to their last one's end, a person
    cleared for the span is cleared for every shift inside it (each condition only tightens as the window
    widens); only the others are judged shift by shift."""
    duties = session.execute(
        select(
            Duty.id,
            Duty.personnel_id,
            Duty.kind,
            Duty.armed,
            Duty.starts_at,
            Duty.ends_at,
            Duty.at_risk,
        ).where(Duty.status == DutyStatus.scheduled.value, Duty.deleted_at.is_(None), Duty.starts_at >= now)
    ).all()
    pids = sorted({d.personnel_id for d in duties})
    people: dict[str, Any] = {}
    who = (Personnel.id, Personnel.agency_id, Personnel.date_of_birth, Personnel.armed, Personnel.status)
    checks: dict[str, list[Any]] = defaultdict(list)
    cols = (Check.personnel_id, Check.kind, Check.result, Check.done_on, Check.expires_on)
    for part in _chunks(pids):
        people.update(
            {p.id: p for p in session.execute(select(*who, Personnel.province).where(Personnel.id.in_(part)))}
        )
        for c in session.execute(
            select(*cols).where(Check.personnel_id.in_(part), Check.deleted_at.is_(None))
        ):
            checks[c.personnel_id].append(c)
    lic: dict[str, list[Licence]] = defaultdict(list)
    for part in _chunks(sorted({p.agency_id for p in people.values()})):
        for row in session.scalars(
            select(Licence).where(Licence.agency_id.in_(part), Licence.deleted_at.is_(None))
        ):
            lic[row.agency_id].append(row)
    by_person: dict[str, list[Any]] = defaultdict(list)
    for d in duties:
        by_person[d.personnel_id].append(d)
    out: list[tuple[Any, list[Reason]]] = []
    for pid, mine in by_person.items():
        person = people[pid]
        out += _judge_person(person, checks[pid], lic[person.agency_id], mine, settings)
    return out


def _judge_person(
    person: Any, checks: list[Any], lic: list[Licence], mine: list[Any], settings: Settings
) -> list[tuple[Any, list[Reason]]]:
    mine.sort(key=lambda d: d.starts_at)
    rest = timedelta(hours=settings.personnel_rest_hours)

    def armed(d: Any, need: tuple[str, ...]) -> list[Reason]:
        return armed_duty_refusals(person, checks, lic, d.starts_at, d.ends_at, settings, need)

    cleared: set[tuple[str, ...]] = set()
    for need in {required_checks(d.kind, settings) for d in mine if d.armed}:
        spans = [d for d in mine if d.armed and required_checks(d.kind, settings) == need]
        if not armed(_Span(min(d.starts_at for d in spans), max(d.ends_at for d in spans)), need):
            cleared.add(need)
    out: list[tuple[Any, list[Reason]]] = []
    for i, d in enumerate(mine):
        reasons: list[Reason] = []
        if d.armed:
            need = required_checks(d.kind, settings)
            if need not in cleared:
                reasons += armed(d, need)
        elif person.status != "active":
            reasons.append(Reason("suspended", f"the person's status is {person.status}"))
        near = [mine[j] for j in (i - 1, i + 1) if 0 <= j < len(mine)]
        # stored duties never overlap (create refuses it): sorted by start, only neighbours come close
        if any(o.starts_at < d.ends_at + rest and o.ends_at > d.starts_at - rest for o in near):
            reasons += schedule_refusals(near, d.starts_at, d.ends_at, settings.personnel_rest_hours)
        out.append((d, reasons))
    return out


@dataclass(frozen=True)
class _Span:
    starts_at: datetime
    ends_at: datetime


def recheck(session: Session, now: datetime, settings: Settings) -> list[str]:
    """Mark and report: returns the ids of duties newly found invalid. Never commits."""
    newly: dict[str, list[tuple[Duty, list[Reason]]]] = defaultdict(list)
    # the common case (passes, was not at risk) is decided without loading the duty; the rest load at once
    maybe = {d.id: reasons for d, reasons in judge_all(session, now, settings) if reasons or d.at_risk}
    rows: list[Duty] = []
    for part in _chunks(sorted(maybe)):
        rows += session.scalars(select(Duty).where(Duty.id.in_(part)).order_by(Duty.starts_at))
    for row in rows:
        reasons = maybe[row.id]
        as_json = [r.as_json() for r in reasons]
        if bool(reasons) == row.at_risk and as_json == row.risk_reasons:
            continue
        audited_update(
            session, row, {"at_risk": bool(reasons), "risk_reasons": as_json}, kind=KIND, principal=ACTOR
        )
        if reasons:
            newly[row.personnel_id].append((row, reasons))
    for bad in newly.values():
        _tell(session, bad)
    return [row.id for bad in newly.values() for row, _ in bad]


def _tell(session: Session, bad: list[tuple[Duty, list[Reason]]]) -> None:
    """One message per person and run: every duty of theirs that became invalid, each with its reasons (a
    lapsed check spoils all their later shifts at once: one warning, not one per shift)."""
    first = bad[0][0]
    codes = ", ".join(dict.fromkeys(r.code for _, reasons in bad for r in reasons))
    key = ";".join(f"{row.id}:{','.join(r.code for r in rs)}" for row, rs in bad)
    shifts = "shift" if len(bad) == 1 else f"{len(bad)} shifts"
    payload = {
        "title": f"{shifts} from {first.starts_at.isoformat()} no longer compliant: {codes}",
        "severity": "high" if any(row.armed for row, _ in bad) else "medium",
        "agency_id": first.agency_id,
        "province": first.province,
        "district": first.district,
        "personnel_id": first.personnel_id,
        "duties": [{"duty_id": row.id, "reasons": [r.as_json() for r in rs]} for row, rs in bad],
    }
    enqueue(
        session,
        ref_kind=REF_KIND,
        ref_id=first.id,
        topic=TOPIC,
        payload=payload,
        recipients=[Recipient(role=r, agency_id=first.agency_id) for r in SUPERVISOR_ROLES],
        reason=f"at-risk-{hashlib.sha256(key.encode()).hexdigest()[:12]}",
    )


def duty_visible(session: Session, ref_id: str, principal: Principal) -> bool:
    row = session.get(Duty, ref_id)
    return row is not None and row.deleted_at is None and view_of(row, KIND, principal) is not None


def _turn() -> None:
    def run() -> int:
        with unit_of_work() as session:
            return len(recheck(session, datetime.now(UTC), get_settings()))

    try:
        n = run_background(run)
        if n:
            log.info("duties at risk", extra={"duties": n})
    except Exception:  # a failed turn must not stop the worker; the next one tries again
        log.exception("duty compliance failed")


async def compliance_job(stop: asyncio.Event) -> None:
    interval = get_settings().personnel_compliance_job_interval_s
    while not stop.is_set():
        await asyncio.to_thread(_turn)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
