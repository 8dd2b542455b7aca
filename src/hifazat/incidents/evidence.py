"""Evidence of a case and its chain of custody: who may bring and move it, each step audited and in order,
the integrity failure recorded and raised to the lead agency. Never commits, except the integrity record,
which has its own transaction because the download that finds it is refused (and rolled back).

Who may: readers of the case (a full view of it: its lead agency's tree, a jurisdiction over its place)
read its evidence; the lead agency's staff (`admin`, `operator`, `investigator` of its tree) and the case's
assigned investigators upload and add custody steps. A partner's liaison never sees evidence."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from hifazat.alerts.raising import raise_alert
from hifazat.auth.access import get_visible
from hifazat.auth.models import User
from hifazat.auth.policy import READ_ALL, Principal, can_write_agency, require, system_actor
from hifazat.core.db import utcnow
from hifazat.core.errors import Problem, forbidden, invalid, not_found
from hifazat.incidents.case_models import Case, CaseInvestigator
from hifazat.incidents.evidence_custody import NEEDS_RECIPIENT, NEXT, Custody, allowed_after
from hifazat.incidents.evidence_models import CustodyStep, Evidence
from hifazat.incidents.evidence_schemas import CustodyIn
from hifazat.platform.audit.chain import stamp
from hifazat.platform.audit.writes import NO_EVENT, audited_action, audited_create
from hifazat.platform.db import unit_of_work
from hifazat.platform.evidence.api import IntegrityError, Stored

KIND = "evidence"
CASES = "cases"
READERS = READ_ALL - {"liaison"}  # the partner view shows no evidence (issue 19, item 6)
WRITERS = frozenset({"admin", "operator", "investigator"})


def readable_case(session: Session, case_id: str, principal: Principal) -> Case:
    """The case if the caller reads it in full, else the same 404 as an unknown one."""
    require(principal, KIND, "read")
    case, view = get_visible(session, Case, CASES, case_id, principal)
    if view.level != "full":
        raise not_found("case")
    return case


def may_write(session: Session, case: Case, principal: Principal) -> bool:
    if not principal.has(*WRITERS):
        return False
    if can_write_agency(principal, case.agency_id):
        return True
    assigned = select(CaseInvestigator.id).where(
        CaseInvestigator.case_id == case.id, CaseInvestigator.user_id == principal.user_id
    )
    return session.scalar(assigned) is not None


def writable_case(session: Session, case_id: str, principal: Principal) -> Case:
    """Checked before a byte is stored: unknown case 404, not the lead agency's nor assigned 403."""
    require(principal, KIND, "write")
    case = readable_case(session, case_id, principal)
    if not may_write(session, case, principal):
        raise forbidden("only the case's lead agency staff and its investigators add evidence")
    return case


def _step(
    session: Session, ev: Evidence, action: str, principal: Principal, to: str | None, note: str
) -> None:
    last = session.scalar(select(func.max(CustodyStep.position)).where(CustodyStep.evidence_id == ev.id))
    step = CustodyStep(
        evidence_id=ev.id,
        position=(last or 0) + 1,
        action=action,
        at=utcnow(),
        actor_id=principal.user_id,
        actor=principal.username,
        to_user_id=to,
        note=note,
    )
    session.add(step)
    session.flush([step])
    audited_action(
        session,
        principal=principal,
        action=f"custody.{action}",
        entity=KIND,
        entity_id=ev.id,
        before={"state": ev.state, "holder_id": ev.holder_id},
        after={"state": action, "holder_id": to or ev.holder_id, "position": step.position, "note": note},
        owner_agency_id=ev.agency_id,
    )


def record_upload(
    session: Session, case: Case, stored: Stored, *, filename: str, description: str, principal: Principal
) -> Evidence:
    """The record of stored bytes, with its first custody step: `collected` by the uploader."""
    ev = Evidence(
        case_id=case.id,
        agency_id=case.agency_id,
        province=case.province,
        district=case.district,
        sha256=stored.sha256,
        size=stored.size,
        media_type=stored.media_type,
        filename=filename[:255],
        description=description,
        state=Custody.collected.value,
        holder_id=principal.user_id,
        uploaded_by=principal.user_id,
    )
    audited_create(session, ev, kind=KIND, principal=principal, subject=NO_EVENT)
    _step(session, ev, Custody.collected.value, principal, principal.user_id, "uploaded")
    session.flush()
    return ev


def discard_on_rollback(session: Session, stored: Stored) -> None:
    """Newly stored bytes whose record is rolled back (a failed flush, a refused commit) are unlinked
    again, unless another record has named them meanwhile: a refused upload leaves no file behind."""
    if not stored.created:
        return
    settled = False

    def kept(_: Session) -> None:
        nonlocal settled
        settled = True

    def rolled_back(_: Session) -> None:
        nonlocal settled
        if settled:
            return
        settled = True
        with unit_of_work(readonly=True) as other:
            named = other.scalar(select(Evidence.id).where(Evidence.sha256 == stored.sha256).limit(1))
        if named is None:
            stored.path.unlink(missing_ok=True)

    event.listen(session, "after_commit", kept)
    event.listen(session, "after_rollback", rolled_back)


def get_evidence(session: Session, evidence_id: str, principal: Principal) -> tuple[Evidence, Case]:
    """The item and its case, if the caller reads the case; else 404 alike."""
    require(principal, KIND, "read")
    ev = session.get(Evidence, evidence_id)
    if ev is None:
        raise not_found("evidence")
    try:
        case = readable_case(session, ev.case_id, principal)
    except Problem as exc:
        raise not_found("evidence") from exc
    return ev, case


def _recipient(session: Session, case: Case, user_id: str, principal: Principal) -> User:
    """A user the caller may name: active, of the caller's tree or the lead agency's, or assigned."""
    user = session.get(User, user_id)
    ok = user is not None and user.deleted_at is None and user.active
    if ok and user is not None and user.agency_id not in principal.tree and user.agency_id != case.agency_id:
        assigned = select(CaseInvestigator.id).where(
            CaseInvestigator.case_id == case.id, CaseInvestigator.user_id == user.id
        )
        ok = session.scalar(assigned) is not None
    if not ok or user is None:
        raise invalid("to_user_id", "no such user visible to you")
    return user


def add_custody(session: Session, evidence_id: str, body: CustodyIn, principal: Principal) -> Evidence:
    require(principal, KIND, "write")
    ev, case = get_evidence(session, evidence_id, principal)
    if not may_write(session, case, principal):
        raise forbidden("only the case's lead agency staff and its investigators record custody")
    action = body.action.value
    if body.action not in NEXT.get(ev.state, frozenset()):
        allowed = allowed_after(ev.state)
        raise Problem(
            409,
            "Conflict",
            f"cannot record {action} after {ev.state}"
            + (f"; allowed now: {', '.join(allowed)}" if allowed else "; the chain is closed"),
            errors=[{"field": "action", "reason": f"evidence is {ev.state}"}],
            current_state=ev.state,
            allowed_actions=allowed,
        )
    to = body.to_user_id
    if body.action in NEEDS_RECIPIENT and not to:
        raise invalid("to_user_id", f"is required to record {action}")
    if to:
        _recipient(session, case, to, principal)
    holder = to if to else (principal.user_id if body.action == Custody.received else ev.holder_id)
    _step(session, ev, action, principal, to, body.note)
    ev.state, ev.holder_id, ev.updated_at = action, holder, utcnow()
    session.flush()
    return ev


def custody(session: Session, evidence_id: str) -> list[CustodyStep]:
    q = select(CustodyStep).where(CustodyStep.evidence_id == evidence_id).order_by(CustodyStep.position)
    return list(session.scalars(q))


def step_json(s: CustodyStep) -> dict[str, Any]:
    return {
        "position": s.position,
        "action": s.action,
        "at": stamp(s.at),
        "actor_id": s.actor_id,
        "actor": s.actor,
        "to_user_id": s.to_user_id,
        "note": s.note,
    }


def present(session: Session, ev: Evidence, writable: bool) -> dict[str, Any]:
    return {
        "id": ev.id,
        "case_id": ev.case_id,
        "sha256": ev.sha256,
        "size": ev.size,
        "media_type": ev.media_type,
        "filename": ev.filename,
        "description": ev.description,
        "state": ev.state,
        "holder_id": ev.holder_id,
        "uploaded_by": ev.uploaded_by,
        "created_at": stamp(ev.created_at),
        "custody": [step_json(s) for s in custody(session, ev.id)],
        "actions": allowed_after(ev.state) if writable else [],
    }


def list_for_case(session: Session, case: Case) -> list[Evidence]:
    q = select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.created_at, Evidence.id)
    return list(session.scalars(q))


def record_integrity_failure(evidence_id: str, exc: IntegrityError, principal: Principal) -> None:
    """In its own transaction, committed before the 409 leaves: the audit entry and the alert to the lead
    agency (the request's own session is read-only and rolled back with the refusal)."""
    with unit_of_work() as session:
        ev = session.get(Evidence, evidence_id)
        if ev is None:
            return
        found = {"sha256": exc.sha256, "missing": exc.missing, "actual": exc.actual}
        audited_action(
            session,
            principal=principal,
            action="integrity_failed",
            entity=KIND,
            entity_id=ev.id,
            before={"sha256": ev.sha256, "size": ev.size},
            after=found,
            owner_agency_id=ev.agency_id,
        )
        what = "is missing" if exc.missing else "no longer matches its SHA-256"
        raise_alert(
            session,
            actor=system_actor("evidence", ev.agency_id),
            agency_id=ev.agency_id,
            kind="other",
            severity="high",
            source="evidence",
            title=f"Evidence integrity failure: {ev.filename or ev.id}",
            description=f"Evidence {ev.id} of case {ev.case_id} {what} (download by {principal.username}).",
            province=ev.province,
            district=ev.district,
            data={"evidence_id": ev.id, "case_id": ev.case_id, **found},
        )


def evidence_timeline_rows(session: Session, case_id: str) -> list[dict[str, Any]]:
    """The case timeline's evidence lines, shaped as `timeline.py`'s rows (its CSV columns): one per custody
    step (the upload is its `collected` step), in time order, `{"id", "at", "source": "evidence", "action":
    "custody.<step>", "actor", "from_status", "to_status", "note", "data": {"evidence_id", "position",
    "sha256", "description", "to_user_id"}}`. The caller has already decided the case is visible in full."""
    q = (
        select(CustodyStep, Evidence)
        .join(Evidence, Evidence.id == CustodyStep.evidence_id)
        .where(Evidence.case_id == case_id)
        .order_by(CustodyStep.at, CustodyStep.evidence_id, CustodyStep.position)
    )
    rows: list[dict[str, Any]] = []
    last: dict[str, str] = {}  # each item's previous step
    for s, e in session.execute(q).tuples():
        rows.append(
            {
                "id": s.id,
                "at": stamp(s.at),
                "source": "evidence",
                "action": f"custody.{s.action}",
                "actor": s.actor,
                "from_status": last.get(e.id),
                "to_status": s.action,
                "note": s.note,
                "data": {
                    "evidence_id": e.id,
                    "position": s.position,
                    "sha256": e.sha256,
                    "description": e.description,
                    "to_user_id": s.to_user_id,
                },
            }
        )
        last[e.id] = s.action
    return rows
