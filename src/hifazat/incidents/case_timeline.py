"""A case's timeline: its own lines (created, edited, tasks, milestones, actions, close, reopen) merged with
the timelines of its incidents the caller sees in full (`timeline.py`) and, for a caller who reads the
case's evidence, each item's custody steps (`evidence.py`); oldest first; JSON or CSV."""

from __future__ import annotations

import csv
import io
from typing import Any, Literal, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.policy import Principal
from hifazat.core.errors import Problem
from hifazat.incidents import evidence
from hifazat.incidents import timeline as incident_timeline
from hifazat.incidents.case_models import Case
from hifazat.incidents.case_present import incidents_of
from hifazat.incidents.case_work_models import CaseEvent
from hifazat.platform.audit.chain import stamp

# `kind`: case, task, milestone, action (the case's own lines), incident, alert (the incidents' lines),
# evidence (the custody steps).
Kind = Literal["case", "task", "milestone", "action", "incident", "alert", "evidence"]
KINDS = get_args(Kind)
COLUMNS = ("at", "kind", "action", "actor", "incident_id", "note")


def timeline(
    session: Session, case: Case, principal: Principal, *, kind: str | None = None
) -> list[dict[str, Any]]:
    stmt = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.at, CaseEvent.id)
    items: list[dict[str, Any]] = [
        {
            "id": e.id,
            "at": stamp(e.at),
            "kind": e.kind,
            "action": e.action,
            "actor": e.actor,
            "incident_id": None,
            "note": e.note,
            "data": e.data,
        }
        for e in session.scalars(stmt)
    ]
    items += [
        {
            "id": line["id"],
            "at": line["at"],
            "kind": line["source"],
            "action": line["action"],
            "actor": line.get("actor"),
            "incident_id": incident.id,
            "note": line.get("note") or "",
            "data": line.get("data") or {},
        }
        for incident in incidents_of(session, case, principal)
        for line in incident_timeline.timeline(session, incident, principal)
    ]
    items += _custody_lines(session, case, principal)
    if kind:
        items = [i for i in items if i["kind"] == kind]
    return sorted(items, key=lambda i: (i["at"], str(i["id"])))


def _custody_lines(session: Session, case: Case, principal: Principal) -> list[dict[str, Any]]:
    """The evidence's custody steps, for a caller who may read the case's evidence (never a partner)."""
    try:
        evidence.readable_case(session, case.id, principal)
    except Problem:
        return []
    return [
        {
            "id": row["id"],
            "at": row["at"],
            "kind": "evidence",
            "action": row["action"],
            "actor": row["actor"],
            "incident_id": None,
            "note": row["note"] or "",
            "data": row["data"],
        }
        for row in evidence.evidence_timeline_rows(session, case.id)
    ]


def as_csv(items: list[dict[str, Any]]) -> str:
    """One line per entry; cells a spreadsheet would run as a formula are quoted as text."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    for item in items:
        writer.writerow([incident_timeline._cell(item.get(c)) for c in COLUMNS])
    return buf.getvalue()
