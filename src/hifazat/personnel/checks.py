"""A person's vetting, fitness and training checks, and the clearance they add up to. A check is judged
through its person: whoever sees the person sees the checks; whoever may change the person records them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.access import get_visible
from hifazat.auth.policy import Principal, require, view_of
from hifazat.config import Settings, get_settings
from hifazat.core.errors import invalid
from hifazat.personnel import licences, schemas
from hifazat.personnel.clearance import armed_duty_refusals
from hifazat.personnel.events import CHECK_SUBJECT, CheckRecorded
from hifazat.personnel.models import Check, Personnel
from hifazat.personnel.people import KIND as PERSONNEL
from hifazat.platform.audit.writes import audited_create
from hifazat.platform.outbox import emit

KIND = "personnel_checks"


def default_expiry(kind: str, done_on: date, settings: Settings) -> date:
    days = settings.personnel_check_validity_days.get(kind)
    if days is None:
        raise invalid("expires_on", f"is required: no validity is configured for {kind}")
    return done_on + timedelta(days=days)


def record(session: Session, personnel_id: str, data: schemas.CheckIn, principal: Principal) -> Check:
    require(principal, KIND, "write")
    person, _ = get_visible(session, Personnel, PERSONNEL, personnel_id, principal, for_write=True)
    values = data.model_dump(mode="python")
    values["kind"] = data.kind.value
    values["result"] = data.result.value
    values["expires_on"] = data.expires_on or default_expiry(data.kind.value, data.done_on, get_settings())
    row = Check(**values, personnel_id=person.id, agency_id=person.agency_id)
    audited_create(session, row, kind=KIND, principal=principal, subject="")
    event = CheckRecorded(person.scope, row.id, person.id, row.kind, row.result, row.expires_on.isoformat())
    emit(session, CHECK_SUBJECT, event.payload())
    return row


def of_person(session: Session, personnel_id: str) -> list[Check]:
    stmt = select(Check).where(Check.personnel_id == personnel_id, Check.deleted_at.is_(None))
    return list(session.scalars(stmt.order_by(Check.done_on.desc(), Check.id.desc())))


def list_checks(session: Session, personnel_id: str, principal: Principal) -> Sequence[Check]:
    require(principal, KIND, "read")
    person, _ = get_visible(session, Personnel, PERSONNEL, personnel_id, principal)
    return of_person(session, person.id)


def present(row: Check) -> dict[str, Any]:
    return schemas.CheckOut.model_validate(row, from_attributes=True).model_dump(mode="json")


def clearance(
    session: Session, personnel_id: str, at_from: datetime, at_to: datetime, principal: Principal
) -> dict[str, Any]:
    """Whether the person may stand armed duty over the window, and every reason why not (read only)."""
    require(principal, PERSONNEL, "read")
    if at_to <= at_from:
        raise invalid("to", "must be after from")
    person, _ = get_visible(session, Personnel, PERSONNEL, personnel_id, principal)
    reasons = armed_duty_refusals(
        person,
        of_person(session, person.id),
        licences.of_company(session, person.agency_id),
        at_from,
        at_to,
        get_settings(),
    )
    return {
        "cleared": not reasons,
        "from": at_from.isoformat(),
        "to": at_to.isoformat(),
        "reasons": [r.as_json() for r in reasons],
    }


def check_visible(session: Session, ref_id: str, principal: Principal) -> bool:
    """Whether a caller may see a check (notify asks it about an expiry warning's deliveries)."""
    row = session.get(Check, ref_id)
    person = session.get(Personnel, row.personnel_id) if row is not None else None
    return (
        person is not None and person.deleted_at is None and view_of(person, PERSONNEL, principal) is not None
    )
