"""The roster: duties of personnel on posts and escorts, judged by the hard rule on every create and change.

A duty is refused (422, nothing stored) with EVERY failing condition in `reasons`: the armed-duty clearance
of clearance.py with the duty kind's required checks, and for every duty the overlap and rest rules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.access import get_visible, visible_select
from hifazat.auth.policy import Principal, permitted_roles, require, view_of
from hifazat.config import Settings, get_settings
from hifazat.core.db import utcnow
from hifazat.core.errors import TYPE_BASE, Problem, conflict, invalid
from hifazat.core.pagination import paginate
from hifazat.personnel import duty_schemas, licences
from hifazat.personnel.checks import of_person
from hifazat.personnel.clearance import Reason, armed_duty_refusals, schedule_refusals
from hifazat.personnel.duty_models import Duty, DutyStatus
from hifazat.personnel.models import Personnel
from hifazat.personnel.people import KIND as PERSONNEL
from hifazat.platform.audit.writes import audited_create, audited_transition, audited_update
from hifazat.registry.models import Site
from hifazat.tracking.models import EscortAssignment

KIND = "duties"
# The lifecycle as a transition table: (status, action) -> next status.
TRANSITIONS: dict[tuple[str, str], str] = {(DutyStatus.scheduled, "cancel"): DutyStatus.cancelled}
ACTIONS = tuple(sorted({a for _, a in TRANSITIONS}))


def allowed_actions(status: str) -> list[str]:
    return sorted(a for (s, a) in TRANSITIONS if s == status)


def required_checks(kind: str, settings: Settings) -> tuple[str, ...]:
    return tuple(settings.personnel_duty_checks.get(kind, settings.personnel_armed_checks))


def others_of(
    session: Session, personnel_id: str, start: datetime, end: datetime, rest_h: float, skip: str | None
) -> list[Duty]:
    """The person's scheduled duties close enough to the window to overlap it or cut its rest."""
    rest = timedelta(hours=rest_h)
    stmt = select(Duty).where(
        Duty.personnel_id == personnel_id,
        Duty.status == DutyStatus.scheduled.value,
        Duty.deleted_at.is_(None),
        Duty.starts_at < end + rest,
        Duty.ends_at > start - rest,
    )
    if skip is not None:
        stmt = stmt.where(Duty.id != skip)
    return list(session.scalars(stmt.order_by(Duty.starts_at)))


def judge(
    session: Session,
    person: Personnel,
    kind: str,
    armed: bool,
    start: datetime,
    end: datetime,
    skip: str | None = None,
) -> list[Reason]:
    """Every reason the duty may not stand; empty means it may."""
    settings = get_settings()
    reasons: list[Reason] = []
    if armed:
        reasons += armed_duty_refusals(
            person,
            of_person(session, person.id),
            licences.of_company(session, person.agency_id),
            start,
            end,
            settings,
            required_checks(kind, settings),
        )
    elif person.status != "active":
        reasons.append(
            Reason("suspended", f"the person's status is {person.status}", {"status": person.status})
        )
    others = others_of(session, person.id, start, end, settings.personnel_rest_hours, skip)
    return reasons + schedule_refusals(others, start, end, settings.personnel_rest_hours)


def refused(reasons: Sequence[Reason]) -> Problem:
    codes = ", ".join(dict.fromkeys(r.code for r in reasons))
    return Problem(
        422,
        "Duty Refused",
        f"the duty breaks the roster rule: {codes}",
        type_=TYPE_BASE + "duty-refused",
        reasons=[r.as_json() for r in reasons],
    )


def _place(session: Session, data: duty_schemas.DutyIn) -> tuple[str | None, str | None]:
    """The post's province and district (the duty's place in the scope); unknown references are 422."""
    if data.site_id is not None:
        site = session.get(Site, data.site_id)
        if site is None or site.deleted_at is not None:
            raise invalid("site_id", "no such site")
        if data.escort_id is None:
            return site.province, site.district
    if data.escort_id is not None:
        esc = session.get(EscortAssignment, data.escort_id)
        if esc is None or esc.deleted_at is not None:
            raise invalid("escort_id", "no such escort")
        return esc.province, esc.district
    return None, None


def create(session: Session, data: duty_schemas.DutyIn, principal: Principal) -> Duty:
    require(principal, KIND, "write")
    person, _ = get_visible(session, Personnel, PERSONNEL, data.personnel_id, principal, for_write=True)
    province, district = _place(session, data)
    reasons = judge(session, person, data.kind.value, data.armed, data.starts_at, data.ends_at)
    if reasons:
        raise refused(reasons)
    row = Duty(
        **data.model_dump(mode="python", exclude={"kind"}),
        kind=data.kind.value,
        agency_id=person.agency_id,
        status=DutyStatus.scheduled.value,
        at_risk=False,
        risk_reasons=[],
        province=province or person.province,
        district=district or person.district,
    )
    audited_create(session, row, kind=KIND, principal=principal, subject="")
    return row


def get(session: Session, duty_id: str, principal: Principal, for_write: bool = False) -> Duty:
    require(principal, KIND, "write" if for_write else "read")
    row, _ = get_visible(session, Duty, KIND, duty_id, principal, for_write=for_write)
    return row


def update(session: Session, duty_id: str, patch: duty_schemas.DutyPatch, principal: Principal) -> Duty:
    row = get(session, duty_id, principal, for_write=True)
    if row.status != DutyStatus.scheduled.value:
        raise conflict(f"a {row.status} duty cannot change", field="status")
    values = {k: v for k, v in patch.model_dump(exclude_unset=True).items()}
    for name, value in values.items():
        if value is None:
            raise invalid(name, "cannot be null")
    start, end = values.get("starts_at", row.starts_at), values.get("ends_at", row.ends_at)
    if end <= start:
        raise invalid("ends_at", "must be after starts_at")
    if end - start > duty_schemas.MAX_SHIFT:
        raise invalid("ends_at", "a shift lasts at most 24 hours")
    person = session.get(Personnel, row.personnel_id)
    assert person is not None  # a foreign key
    reasons = judge(session, person, row.kind, values.get("armed", row.armed), start, end, skip=row.id)
    if reasons:
        raise refused(reasons)
    values.update(at_risk=False, risk_reasons=[])
    audited_update(session, row, values, kind=KIND, principal=principal, subject="")
    return row


def cancel(session: Session, duty_id: str, action: str, note: str | None, principal: Principal) -> Duty:
    row = get(session, duty_id, principal, for_write=True)
    if action not in ACTIONS:
        raise invalid("action", f"must be one of {', '.join(ACTIONS)}")
    to = TRANSITIONS.get((row.status, action))
    if to is None:
        raise conflict(f"a {row.status} duty cannot {action}", field="action")
    before, row.status, row.updated_at = row.status, to, utcnow()
    session.flush([row])
    audited_transition(
        session,
        row,
        kind=KIND,
        principal=principal,
        action=action,
        from_status=before,
        to_status=to,
        note=note,
    )
    return row


def list_rows(
    session: Session,
    principal: Principal,
    *,
    filters: dict[str, Any],
    at_from: datetime | None,
    at_to: datetime | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Duty], str | None]:
    """Duties the caller sees; `from`/`to` keep those overlapping the window."""
    require(principal, KIND, "read")
    stmt = visible_select(Duty, KIND, principal)
    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(Duty, name) == value)
    if at_from is not None:
        stmt = stmt.where(Duty.ends_at > at_from)
    if at_to is not None:
        stmt = stmt.where(Duty.starts_at < at_to)
    return paginate(session, stmt, Duty.id, limit, cursor)


def present(row: Duty, principal: Principal) -> dict[str, Any]:
    out = duty_schemas.DutyOut.model_validate(row, from_attributes=True)
    view = view_of(row, KIND, principal)
    may = view is not None and view.writable and principal.has(*permitted_roles(KIND, "write"))
    out.actions = allowed_actions(row.status) if may or principal.system else []
    return out.model_dump(mode="json")
