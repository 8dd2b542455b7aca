"""The JSON shapes of a case: the case with its incidents (those the caller sees), investigators, tasks,
milestones and corrective actions (each with `overdue`), and the caller's permitted `actions`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.acting import Stance
from hifazat.auth.models import User
from hifazat.auth.policy import Principal
from hifazat.core.db import utcnow
from hifazat.incidents import case_work
from hifazat.incidents.case_models import Case, CaseIncident, CaseInvestigator
from hifazat.incidents.case_stance import actions_for, stance_for
from hifazat.incidents.models import Incident
from hifazat.incidents.stance import stance_for as incident_stance
from hifazat.platform.audit.chain import stamp

SUMMARY = ("id", "agency_id", "province", "district", "title", "status", "opened_at", "closed_at")
_COLUMNS = (*SUMMARY, "findings", "root_cause", "created_by", "created_at", "updated_at")
_STAMPED = ("opened_at", "closed_at", "created_at", "updated_at")


def case_json(case: Case) -> dict[str, Any]:
    data = {k: getattr(case, k) for k in _COLUMNS}
    for key in _STAMPED:
        data[key] = stamp(data[key]) if data[key] is not None else None
    return data


def incidents_of(session: Session, case: Case, principal: Principal) -> list[Incident]:
    """The case's incidents the caller sees in full (a reader of the case may not see every one)."""
    stmt = (
        select(Incident)
        .join(CaseIncident, CaseIncident.incident_id == Incident.id)
        .where(CaseIncident.case_id == case.id)
        .order_by(CaseIncident.id)
    )
    out = []
    for incident in session.scalars(stmt):
        view = incident_stance(incident, principal).view
        if view is not None and view.level == "full":
            out.append(incident)
    return out


def overdue_counts(session: Session, case_ids: list[str]) -> dict[str, dict[str, int]]:
    """Per case: how many tasks, milestones and actions are overdue now (the board's figures)."""
    now = utcnow()
    out = {cid: {"tasks": 0, "milestones": 0, "corrective_actions": 0} for cid in case_ids}
    for key, items in case_work.work_of(session, case_ids).items():
        for item in items:
            if case_work.is_overdue(item, now):
                out[item.case_id][key] += 1
    return out


def present(session: Session, case: Case, stance: Stance) -> dict[str, Any]:
    """The case as this caller sees it; a summary view (a partner's) shows the summary fields only."""
    view = stance.view
    assert view is not None, "present only what the caller sees"
    data = case_json(case)
    data["view"] = view.level
    data["relations"] = sorted(stance.relations)
    data["actions"] = actions_for(case, stance)
    if view.level != "full":
        return {k: (v if k in (*SUMMARY, "view", "relations", "actions") else None) for k, v in data.items()}
    now = utcnow()
    data["incidents"] = [
        {
            "id": i.id,
            "summary": i.summary,
            "type": i.type,
            "status": i.status,
            "occurred_at": stamp(i.occurred_at),
        }
        for i in incidents_of(session, case, stance.principal)
    ]
    users = session.scalars(
        select(User)
        .join(CaseInvestigator, CaseInvestigator.user_id == User.id)
        .where(CaseInvestigator.case_id == case.id)
        .order_by(User.username)
    )
    data["investigators"] = [{"id": u.id, "username": u.username, "full_name": u.full_name} for u in users]
    for key, items in case_work.work_of(session, [case.id]).items():
        data[key] = [case_work.item_json(i, now) for i in items]
    data["overdue"] = {
        k: sum(1 for i in data[k] if i["overdue"]) for k in ("tasks", "milestones", "corrective_actions")
    }
    for k in view.redact:
        if k in data:
            data[k] = None
    return data


def present_many(session: Session, rows: Sequence[Case], principal: Principal) -> list[dict[str, Any]]:
    """A page of the list: the case fields, `actions` and the overdue counts (no child lists)."""
    counts = overdue_counts(session, [r.id for r in rows])
    out = []
    for row in rows:
        stance = stance_for(row, principal)
        if stance.view is None:
            continue
        data = case_json(row)
        data.update(
            view=stance.view.level, relations=sorted(stance.relations), actions=actions_for(row, stance)
        )
        if stance.view.level == "full":
            data["overdue"] = counts[row.id]
        else:
            data = {
                k: (v if k in (*SUMMARY, "view", "relations", "actions") else None) for k, v in data.items()
            }
        out.append(data)
    return out
