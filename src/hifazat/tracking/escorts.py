"""Escort assignments: a person and the unit that must stay near them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from hifazat.auth.access import get_visible, visible_select
from hifazat.auth.policy import Fields, Principal, View, can_write_agency, require, where_readable
from hifazat.core.errors import Problem, forbidden, invalid
from hifazat.core.pagination import paginate
from hifazat.platform.audit.writes import (
    NO_EVENT,
    audited_create,
    audited_delete,
    audited_update,
    values_of,
)
from hifazat.registry.models import Person, Unit
from hifazat.tracking import schemas
from hifazat.tracking.cache import bump
from hifazat.tracking.models import EscortAssignment


def create_escort(session: Session, *, data: schemas.EscortIn, principal: Principal) -> EscortAssignment:
    require(principal, "escorts", "write")
    owner = data.agency_id or principal.agency_id
    if owner is None or not can_write_agency(principal, owner):
        raise forbidden("you may only assign escorts for your own agency or one below it")
    try:
        person, _ = get_visible(session, Person, "persons", data.person_id, principal)
    except Problem as exc:
        raise invalid("person_id", "no such person visible to you") from exc
    try:
        get_visible(session, Unit, "units", data.unit_id, principal)
    except Problem as exc:
        raise invalid("unit_id", "no such unit visible to you") from exc
    row = EscortAssignment(
        agency_id=owner,
        person_id=data.person_id,
        unit_id=data.unit_id,
        max_distance_m=data.max_distance_m,
        active=data.active,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        province=person.province,
        district=person.district,
        note=data.note,
    )
    audited_create(session, row, kind="escorts", principal=principal, subject=NO_EVENT)
    bump(session)
    return row


def get_escort(
    session: Session, escort_id: str, principal: Principal, *, for_write: bool = False
) -> tuple[EscortAssignment, View]:
    require(principal, "escorts", "read")
    return get_visible(session, EscortAssignment, "escorts", escort_id, principal, for_write=for_write)


def update_escort(
    session: Session, *, escort_id: str, data: schemas.EscortPatch, principal: Principal
) -> EscortAssignment:
    require(principal, "escorts", "write")
    row, _ = get_escort(session, escort_id, principal, for_write=True)
    changes = data.model_dump(exclude_unset=True)
    starts, ends = changes.get("starts_at", row.starts_at), changes.get("ends_at", row.ends_at)
    if starts and ends and ends <= starts:
        raise invalid("ends_at", "must be after starts_at")
    if audited_update(session, row, changes, kind="escorts", principal=principal, subject=NO_EVENT):
        bump(session)
    return row


def delete_escort(session: Session, *, escort_id: str, principal: Principal) -> None:
    require(principal, "escorts", "write")
    row, _ = get_escort(session, escort_id, principal, for_write=True)
    audited_delete(session, row, kind="escorts", principal=principal, subject=NO_EVENT)
    bump(session)


def list_escorts(
    session: Session,
    principal: Principal,
    *,
    person_id: str | None,
    unit_id: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[EscortAssignment], str | None]:
    require(principal, "escorts", "read")
    stmt = visible_select(EscortAssignment, "escorts", principal)
    for name, value in (("person_id", person_id), ("unit_id", unit_id)):
        if value:
            condition = getattr(EscortAssignment, name) == value
            stmt = stmt.where(where_readable(EscortAssignment, "escorts", principal, name, condition))
    return paginate(session, stmt, EscortAssignment.id, limit, cursor)


# An escort shows every field at either level (only a grant's redactions hide some).
FIELDS = Fields("escorts", frozenset(c.key for c in EscortAssignment.__table__.columns))


def present_escort(row: EscortAssignment, view: View) -> dict[str, Any]:
    out = values_of(row)
    out.pop("deleted_at", None)
    out["created_at"], out["updated_at"] = row.created_at, row.updated_at
    for k in view.redact:
        if k in out:
            out[k] = None
    return out
