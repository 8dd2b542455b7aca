"""Security companies' licences: registered and changed by the ministry, read by the company itself (its own
tree), by the whole-country centre, and by a province's police for the provincial licences there."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.access import get_visible, visible_select
from hifazat.auth.models import Agency, AgencyKind
from hifazat.auth.policy import Principal, View, permitted_roles, require
from hifazat.core.db import utcnow
from hifazat.core.errors import conflict, forbidden, invalid
from hifazat.core.pagination import paginate
from hifazat.personnel import lifecycle, schemas
from hifazat.personnel.events import LICENCE_SUBJECT, LicenceChanged
from hifazat.personnel.models import Licence, LicenceStatus
from hifazat.platform.audit.writes import audited_create, audited_transition, audited_update
from hifazat.platform.outbox import emit

KIND = "licences"


def licensing_authority(session: Session, principal: Principal) -> bool:
    """Whether the caller issues and changes licences: staff (the permission table) of a federal ministry.
    A company's own admin reads its licences, never issues or changes them."""
    if principal.system:
        return True
    if not principal.has(*permitted_roles(KIND, "write")):
        return False
    agency = session.get(Agency, principal.agency_id) if principal.agency_id else None
    return agency is not None and agency.kind == AgencyKind.federal_ministry.value


def _issuer(session: Session, principal: Principal) -> str | None:
    if not licensing_authority(session, principal):
        raise forbidden("only the interior ministry (a federal ministry agency) issues and changes licences")
    return principal.agency_id


def _announce(session: Session, row: Licence, change: str) -> None:
    emit(session, LICENCE_SUBJECT, LicenceChanged(row.scope, row.id, row.status, change).payload())


def create(session: Session, data: schemas.LicenceIn, principal: Principal) -> Licence:
    require(principal, KIND, "write")
    issuer = _issuer(session, principal)
    company = session.get(Agency, data.agency_id)
    if company is None or company.deleted_at is not None:
        raise invalid("agency_id", "no such agency")
    if company.kind != AgencyKind.private_security_company.value:
        raise invalid("agency_id", "must be a private security company")
    _unique(session, data.kind.value, data.number, None)
    row = Licence(**data.model_dump(), issuer_agency_id=issuer, status=LicenceStatus.active.value)
    audited_create(session, row, kind=KIND, principal=principal, subject="")
    _announce(session, row, "created")
    return row


def _unique(session: Session, kind: str, number: str, except_id: str | None) -> None:
    q = select(Licence.id).where(Licence.kind == kind, Licence.number == number)
    if except_id:
        q = q.where(Licence.id != except_id)
    if session.scalar(q) is not None:
        raise conflict(f"a {kind} licence numbered {number!r} is already registered", field="number")


def get(session: Session, licence_id: str, principal: Principal) -> tuple[Licence, View]:
    require(principal, KIND, "read")
    return get_visible(session, Licence, KIND, licence_id, principal)


def _for_change(session: Session, licence_id: str, principal: Principal) -> Licence:
    require(principal, KIND, "write")
    row, _ = get(session, licence_id, principal)  # 404 before 403: an unseen licence stays unknown
    _issuer(session, principal)
    return row


def update(session: Session, licence_id: str, patch: schemas.LicencePatch, principal: Principal) -> Licence:
    row = _for_change(session, licence_id, principal)
    values = patch.model_dump(exclude_unset=True)
    for name, value in values.items():
        if value is None and name in {"number", "category", "issued_on", "expires_on", "notes"}:
            raise invalid(name, "cannot be null")
    issued, expires = values.get("issued_on", row.issued_on), values.get("expires_on", row.expires_on)
    if expires <= issued:
        raise invalid("expires_on", "must be after issued_on")
    if "number" in values:
        _unique(session, row.kind, values["number"], row.id)
    if audited_update(session, row, values, kind=KIND, principal=principal, subject=""):
        _announce(session, row, "updated")
    return row


def transition(
    session: Session, licence_id: str, action: str, note: str | None, principal: Principal
) -> Licence:
    row = _for_change(session, licence_id, principal)
    if action not in lifecycle.ACTIONS:
        raise invalid("action", f"must be one of {', '.join(lifecycle.ACTIONS)}")
    to = lifecycle.next_status(row.status, action)
    if to is None:
        allowed = ", ".join(lifecycle.allowed_actions(row.status)) or "none (final)"
        raise conflict(f"a {row.status} licence cannot {action}; allowed: {allowed}", field="action")
    before = row.status
    row.status = to
    row.updated_at = utcnow()
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
    _announce(session, row, action)
    return row


def list_rows(
    session: Session,
    principal: Principal,
    *,
    filters: dict[str, Any],
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Licence], str | None]:
    require(principal, KIND, "read")
    stmt = visible_select(Licence, KIND, principal)
    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(Licence, name) == value)
    return paginate(session, stmt, Licence.id, limit, cursor)


def of_company(session: Session, agency_id: str) -> list[Licence]:
    """Every live licence of one company (the clearance rule judges them; the caller was already judged)."""
    stmt = select(Licence).where(Licence.agency_id == agency_id, Licence.deleted_at.is_(None))
    return list(session.scalars(stmt))


def present(row: Licence, may_change: bool, today: date | None = None) -> dict[str, Any]:
    """The licence with `valid_today` and, for the licensing authority (`may_change`), its `actions`."""
    today = today or date.today()
    out = schemas.LicenceOut.model_validate(row, from_attributes=True)
    out.valid_today = row.status == LicenceStatus.active.value and row.issued_on <= today <= row.expires_on
    out.actions = lifecycle.allowed_actions(row.status) if may_change else []
    return out.model_dump(mode="json")
