"""A case's work: its tasks, milestones and corrective/preventive actions. The lead agency's staff add and
edit them on an open case; each write is audited (on the case's owner) with its line on the case's
timeline. An item is `overdue` while its due date has passed and it is not done. Never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.models import Agency
from hifazat.auth.policy import Principal, require
from hifazat.core.db import utcnow
from hifazat.core.errors import Problem, invalid, not_found
from hifazat.incidents import cases
from hifazat.incidents.case_models import Case, CaseStatus
from hifazat.incidents.case_schemas import (
    CorrectiveIn,
    CorrectivePatch,
    MilestoneIn,
    MilestonePatch,
    TaskIn,
    TaskPatch,
)
from hifazat.incidents.case_stance import KIND, WORK
from hifazat.incidents.case_work_models import CaseAction, CaseMilestone, CaseTask
from hifazat.platform.audit.chain import stamp
from hifazat.platform.audit.writes import audited_action, values_of

Item = CaseTask | CaseMilestone | CaseAction
T = TypeVar("T", CaseTask, CaseMilestone, CaseAction)

# Per item: its audit kind, its timeline kind, and the column that says when it is due.
ENTITY = {CaseTask: "case_tasks", CaseMilestone: "case_milestones", CaseAction: "case_actions"}
LINE = {CaseTask: "task", CaseMilestone: "milestone", CaseAction: "action"}
DUE = {CaseTask: "due_at", CaseMilestone: "due_at", CaseAction: "deadline"}


def is_done(item: Item) -> bool:
    return item.done if isinstance(item, CaseTask) else item.done_at is not None


def is_overdue(item: Item, now: datetime | None = None) -> bool:
    due: datetime | None = getattr(item, DUE[type(item)])
    return due is not None and not is_done(item) and due < (now or utcnow())


def item_json(item: Item, now: datetime | None = None) -> dict[str, Any]:
    data = values_of(item, ("overdue_notified_at",))
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = stamp(value)
    data["overdue"] = is_overdue(item, now)
    return data


def items_of(session: Session, model: type[T], case_ids: list[str]) -> list[T]:
    order = (model.created_at, model.id)
    return list(session.scalars(select(model).where(model.case_id.in_(case_ids)).order_by(*order)))


def work_of(session: Session, case_ids: list[str]) -> dict[str, list[Item]]:
    """A case's (or a page's) tasks, milestones and corrective actions, under the keys the JSON uses."""
    return {
        "tasks": list(items_of(session, CaseTask, case_ids)),
        "milestones": list(items_of(session, CaseMilestone, case_ids)),
        "corrective_actions": list(items_of(session, CaseAction, case_ids)),
    }


def _open_case(session: Session, case_id: str, principal: Principal) -> Case:
    require(principal, KIND, "write")
    case, _ = cases.get_case(session, case_id, principal, action=WORK)
    if case.status != CaseStatus.open:
        raise Problem(
            409,
            "Conflict",
            "a closed case takes no more work: reopen it first",
            errors=[{"field": "status", "reason": f"case is {case.status}"}],
        )
    return case


def _check(session: Session, values: dict[str, Any], principal: Principal) -> None:
    """The people and agencies an item names: a user of the caller's tree, an agency that exists."""
    if values.get("assignee_id"):
        cases.staff(session, [values["assignee_id"]], principal, "assignee_id")
    if values.get("owner_user_id"):
        cases.staff(session, [values["owner_user_id"]], principal, "owner_user_id")
    if values.get("owner_agency_id") and session.get(Agency, values["owner_agency_id"]) is None:
        raise invalid("owner_agency_id", "no such agency")


def _audit(session: Session, case: Case, item: Item, principal: Principal, verb: str, before: Any) -> None:
    audited_action(
        session,
        principal=principal,
        action=verb,
        entity=ENTITY[type(item)],
        entity_id=item.id,
        before=before,
        after=values_of(item),
        owner_agency_id=case.agency_id,
    )


def add(
    session: Session,
    case_id: str,
    model: type[T],
    data: TaskIn | MilestoneIn | CorrectiveIn,
    principal: Principal,
) -> T:
    """POST /cases/{id}/tasks | milestones | corrective-actions."""
    case = _open_case(session, case_id, principal)
    values = data.model_dump(mode="python")
    _check(session, values, principal)
    if model is CaseMilestone and not values["title"]:
        values["title"] = values["kind"].replace("_", " ").capitalize()
    item = model(case_id=case.id, **{k: (str(v) if k == "kind" else v) for k, v in values.items()})
    session.add(item)
    session.flush([item])
    _audit(session, case, item, principal, "create", None)
    cases.add_event(session, case, principal, LINE[model], "added", item_id=item.id)
    session.flush()
    cases.emit_changed(session, case, f"{LINE[model]}_added")
    return item


def get_item(
    session: Session, case_id: str, model: type[T], item_id: str, principal: Principal, *, write: bool = False
) -> tuple[Case, T]:
    case = (
        _open_case(session, case_id, principal) if write else cases.get_case(session, case_id, principal)[0]
    )
    item = session.get(model, item_id)
    if item is None or item.case_id != case.id:
        raise not_found(LINE[model])
    return case, item


def edit(
    session: Session,
    case_id: str,
    model: type[T],
    item_id: str,
    data: TaskPatch | MilestonePatch | CorrectivePatch,
    principal: Principal,
) -> T:
    """PATCH one item; a new due date lets the overdue job tell the lead agency again."""
    case, item = get_item(session, case_id, model, item_id, principal, write=True)
    given = data.model_dump(exclude_unset=True, mode="python")
    for key in ("title", "kind", "description", "done"):
        if key in given and given[key] is None:
            raise invalid(key, "may not be cleared")
    _check(session, given, principal)
    if isinstance(item, CaseAction):
        user = given.get("owner_user_id", item.owner_user_id)
        agency = given.get("owner_agency_id", item.owner_agency_id)
        if (user is None) == (agency is None):
            raise invalid("owner_user_id", "give exactly one owner: owner_user_id or owner_agency_id")
    before = values_of(item)
    changed = {
        k: (str(v) if k == "kind" and v is not None else v) for k, v in given.items() if getattr(item, k) != v
    }
    if not changed:
        return item
    for key, value in changed.items():
        setattr(item, key, value)
    if DUE[model] in changed and not isinstance(item, CaseAction):
        item.overdue_notified_at = None
    item.updated_at = utcnow()
    _audit(session, case, item, principal, "update", before)
    cases.add_event(session, case, principal, LINE[model], "updated", item_id=item.id, fields=sorted(changed))
    session.flush()
    cases.emit_changed(session, case, f"{LINE[model]}_updated")
    return item
