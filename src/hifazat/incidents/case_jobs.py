"""The overdue job: milestones and tasks whose due date has passed and that are not done; the lead
agency's supervisors (its admins and operators) are told once per item, through notify's `enqueue`. The
item's `overdue_notified_at` marks it told (a new due date clears it); notify's idempotency key makes a
repeated run write nothing twice even if two workers race."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.policy import Principal, view_of
from hifazat.core.db import utcnow
from hifazat.incidents.case_models import Case, CaseStatus
from hifazat.incidents.case_stance import KIND
from hifazat.incidents.case_work_models import CaseMilestone, CaseTask
from hifazat.notify.schemas import Recipient
from hifazat.notify.service import enqueue
from hifazat.platform.audit.chain import stamp
from hifazat.platform.sqlite.api import run_background, unit_of_work

log = logging.getLogger("hifazat.incidents.overdue")

REF_KIND = "case_overdue"  # ref_id: "<task|milestone>:<id>"
TOPIC = "cases"
SUPERVISOR_ROLES = ("admin", "operator")
INTERVAL_S = 300.0  # due dates are days apart: a turn every five minutes is prompt enough


def overdue(session: Session, now: datetime) -> list[tuple[Case, CaseTask | CaseMilestone]]:
    """Items of open cases past due, not done, not yet told."""
    out: list[tuple[Case, CaseTask | CaseMilestone]] = []
    task_stmt = (
        select(CaseTask, Case)
        .join(Case, Case.id == CaseTask.case_id)
        .where(
            Case.status == CaseStatus.open.value,
            CaseTask.due_at < now,
            CaseTask.done.is_(False),
            CaseTask.overdue_notified_at.is_(None),
        )
        .order_by(CaseTask.due_at, CaseTask.id)
    )
    out += [(c, t) for t, c in session.execute(task_stmt).tuples()]
    ms_stmt = (
        select(CaseMilestone, Case)
        .join(Case, Case.id == CaseMilestone.case_id)
        .where(
            Case.status == CaseStatus.open.value,
            CaseMilestone.due_at < now,
            CaseMilestone.done_at.is_(None),
            CaseMilestone.overdue_notified_at.is_(None),
        )
        .order_by(CaseMilestone.due_at, CaseMilestone.id)
    )
    out += [(c, m) for m, c in session.execute(ms_stmt).tuples()]
    return out


def notify_overdue(session: Session, now: datetime | None = None) -> int:
    """Tell the lead agencies about their newly overdue items; returns how many. Never commits."""
    now = now or utcnow()
    due = overdue(session, now)
    for case, item in due:
        what = "task" if isinstance(item, CaseTask) else "milestone"
        assert item.due_at is not None  # the query's
        payload = {
            "title": f"Case {case.title[:120]}: {what} {item.title[:120]} is overdue",
            "severity": "medium",
            "agency_id": case.agency_id,
            "province": case.province,
            "district": case.district,
            "case_id": case.id,
            "item": what,
            "item_id": item.id,
            "due_at": stamp(item.due_at),
        }
        enqueue(
            session,
            ref_kind=REF_KIND,
            ref_id=f"{what}:{item.id}",
            topic=TOPIC,
            payload=payload,
            recipients=[Recipient(role=r, agency_id=case.agency_id) for r in SUPERVISOR_ROLES],
            reason=f"overdue-{stamp(item.due_at)}",
        )
        item.overdue_notified_at = now
    session.flush()
    return len(due)


def overdue_visible(session: Session, ref_id: str, principal: Principal) -> bool:
    """Whether a caller may see an overdue notice (notify asks it about the deliveries): sees the case."""
    what, _, item_id = ref_id.partition(":")
    item = session.get(CaseTask, item_id) if what == "task" else session.get(CaseMilestone, item_id)
    case = session.get(Case, item.case_id) if item is not None else None
    return case is not None and view_of(case, KIND, principal) is not None


def _turn() -> None:
    def run() -> int:
        with unit_of_work() as session:
            return notify_overdue(session)

    try:
        n = run_background(run)
        if n:
            log.info("case items overdue", extra={"items": n})
    except Exception:  # a failed turn must not stop the worker; the next one tries again
        log.exception("case overdue notices failed")


async def overdue_job(stop: asyncio.Event) -> None:
    while not stop.is_set():
        await asyncio.to_thread(_turn)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=INTERVAL_S)
