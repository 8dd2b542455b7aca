"""Personnel: a security company's guards, escorts, drivers and supervisors. The CNIC is handled as the
registry handles passports: encrypted at rest (security/crypto.py), found only through its keyed blind
index, masked unless the caller's role needs it, and searchable only by callers who read it in full."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_
from sqlalchemy.orm import Session

from hifazat.auth.access import get_visible, visible_select
from hifazat.auth.models import Agency
from hifazat.auth.policy import (
    SENSITIVE_ID_ROLES,
    Fields,
    Principal,
    View,
    can_write_agency,
    require,
    where_readable,
)
from hifazat.core.errors import forbidden, invalid
from hifazat.core.like import contains_ci
from hifazat.core.pagination import paginate
from hifazat.personnel import schemas
from hifazat.personnel.events import PERSONNEL_SUBJECT, PersonnelChanged
from hifazat.personnel.models import Personnel
from hifazat.platform.audit.writes import audited_create, audited_update
from hifazat.platform.outbox import emit
from hifazat.security import crypto

KIND = "personnel"
SUMMARY = frozenset({"id", "agency_id", "given_name", "family_name", "role", "armed", "status", "province"})
SEARCH = ("given_name", "family_name")
FILTERS = ("role", "status", "armed", "province", "agency_id")
# Never in an audit snapshot: the ciphertext and the digest (the snapshot leaves out `*_enc` already).
SECRET_COLUMNS = ("cnic_enc", "cnic_index", "cnic_last")


def fields() -> Fields:
    """The CNIC is unmasked only for the roles that need it, so only they may search or filter on it."""
    return Fields(KIND, SUMMARY, {"cnic": SENSITIVE_ID_ROLES})


def _cnic_columns(values: dict[str, Any]) -> None:
    if "cnic" in values:
        plain = values.pop("cnic")
        if plain is None:
            raise invalid("cnic", "cannot be null")
        values["cnic_enc"] = crypto.encrypt(plain)
        values["cnic_index"] = crypto.blind_index(plain)
        values["cnic_last"] = plain[-3:]


def _announce(session: Session, row: Personnel, change: str, changed: Sequence[str] = ()) -> None:
    # a changed CNIC is named as `cnic`, never by its columns
    names = sorted({"cnic" if n.startswith("cnic_") else n for n in changed})
    event = PersonnelChanged(row.scope, row.id, row.status, change, tuple(names))
    emit(session, PERSONNEL_SUBJECT, event.payload())


def create(session: Session, data: schemas.PersonnelIn, principal: Principal) -> Personnel:
    require(principal, KIND, "write")
    values = data.model_dump(mode="python")
    owner = values.pop("agency_id", None) or principal.agency_id
    if owner is None:
        raise invalid("agency_id", "is required for this caller")
    if not can_write_agency(principal, owner):
        raise forbidden("you may only register personnel for your own agency or one below it")
    agency = session.get(Agency, owner)
    if agency is None or agency.deleted_at is not None:
        raise invalid("agency_id", "no such agency")
    values["agency_id"] = owner
    _cnic_columns(values)
    row = Personnel(**values)
    audited_create(session, row, kind=KIND, principal=principal, exclude=SECRET_COLUMNS, subject="")
    _announce(session, row, "created")
    return row


def get(session: Session, personnel_id: str, principal: Principal) -> tuple[Personnel, View]:
    require(principal, KIND, "read")
    return get_visible(session, Personnel, KIND, personnel_id, principal)


def update(
    session: Session, personnel_id: str, patch: schemas.PersonnelPatch, principal: Principal
) -> Personnel:
    require(principal, KIND, "write")
    row, _ = get_visible(session, Personnel, KIND, personnel_id, principal, for_write=True)
    values = patch.model_dump(mode="python", exclude_unset=True)
    nullable = {"province", "district", "phone"}
    for name, value in values.items():
        if value is None and name not in nullable:
            raise invalid(name, "cannot be null")
    _cnic_columns(values)
    if "cnic_index" in values and values["cnic_index"] == row.cnic_index:
        for c in SECRET_COLUMNS:  # the same number again: a fresh ciphertext would be a change of nothing
            values.pop(c)
    changed = audited_update(
        session,
        row,
        values,
        kind=KIND,
        principal=principal,
        exclude=SECRET_COLUMNS,
        subject="",
        also={"cnic": "changed"} if "cnic_index" in values else None,
    )
    if changed or "cnic_index" in values:
        _announce(session, row, "updated", [*changed, *(["cnic"] if "cnic_index" in values else [])])
    return row


def list_rows(
    session: Session,
    principal: Principal,
    *,
    q: str | None,
    cnic: str | None,
    filters: dict[str, Any],
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Personnel], str | None]:
    require(principal, KIND, "read")
    stmt = visible_select(Personnel, KIND, principal)

    def on(name: str, condition: Any) -> Any:  # a field the caller cannot read in full never matches
        return where_readable(Personnel, KIND, principal, name, condition)

    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(on(name, getattr(Personnel, name) == value))
    if cnic is not None:
        stmt = stmt.where(on("cnic", Personnel.cnic_index == crypto.blind_index(cnic)))
    if q:
        conds: list[Any] = [on(c, contains_ci(getattr(Personnel, c), q)) for c in SEARCH]
        if schemas.looks_like_cnic(q):
            conds.append(on("cnic", Personnel.cnic_index == crypto.blind_index(q)))
        stmt = stmt.where(or_(*conds))
    return paginate(session, stmt, Personnel.id, limit, cursor)


def _cnic_view(row: Personnel, view: View, principal: Principal) -> str:
    if view.level == "full" and principal.has(*SENSITIVE_ID_ROLES) and "cnic" not in view.redact:
        return crypto.decrypt(row.cnic_enc)
    return "*****-******" + row.cnic_last  # "*****-******7-1": the shape kept, two digits shown


def present(row: Personnel, view: View, principal: Principal) -> dict[str, Any]:
    """The record as this caller may see it: summary fields only, redactions applied, CNIC masked."""
    values = {k: getattr(row, k) for k in schemas.PersonnelOut.model_fields if hasattr(row, k)}
    data = schemas.PersonnelOut(**values).model_dump(mode="json")
    data["cnic"] = _cnic_view(row, view, principal)
    data["view"] = view.level
    redacted = sorted(view.redact & set(data))
    if view.level != "full":
        keep = SUMMARY | {"view", "redacted"}
        redacted = sorted(set(redacted) | {k for k in data if k not in keep and data[k] is not None})
        data = {k: (v if k in keep else None) for k, v in data.items()}
    for k in view.redact:
        if k in data:
            data[k] = None
    data["redacted"] = redacted
    return data
