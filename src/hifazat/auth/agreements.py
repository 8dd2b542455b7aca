"""Sharing agreements: one agency lets another see some kinds of its records, at a level, with filters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hifazat.auth.models import Agency, SharingAgreement
from hifazat.auth.policy import (
    Principal,
    can_administer,
    require,
)
from hifazat.auth.schemas import AgreementIn
from hifazat.core.db import Base
from hifazat.core.errors import conflict, forbidden, invalid, not_found
from hifazat.platform.audit.log import SECRET_COLUMNS
from hifazat.platform.audit.writes import audited_create, audited_delete


def create_agreement(session: Session, *, data: AgreementIn, principal: Principal) -> SharingAgreement:
    require(principal, "agreements", "write")
    for field in ("grantor_id", "grantee_id"):
        ag = session.get(Agency, getattr(data, field))
        if ag is None or ag.deleted_at is not None:
            raise invalid(field, "no such agency")
    if not can_administer(principal, data.grantor_id):
        raise forbidden("only the grantor agency (or one above it) may share its records")
    _check_filters(data)
    taken = session.scalar(
        select(SharingAgreement.id).where(
            SharingAgreement.grantor_id == data.grantor_id,
            SharingAgreement.grantee_id == data.grantee_id,
            SharingAgreement.name == data.name,
        )
    )
    if taken is not None:
        raise conflict(f"an agreement named {data.name!r} between these agencies exists", field="name")
    row = SharingAgreement(**data.model_dump(mode="python"))
    row.level = data.level.value
    return audited_create(session, row, kind="agreements", principal=principal)


# The registry's kinds are its table names; auth sits below the registry and reads them from the metadata.
_REGISTRY_KINDS = frozenset({"persons", "projects", "sites", "units", "vehicles"})


def _check_filters(data: AgreementIn) -> None:
    """A filter on a field a shared kind lacks would silently share nothing: refuse it instead."""
    for kind in data.entity_kinds:
        table = Base.metadata.tables.get(kind) if kind in _REGISTRY_KINDS else None
        if table is None:
            continue  # kinds of later domains: their columns are checked when the grant is applied
        columns = set(table.columns.keys()) - SECRET_COLUMNS
        unknown = sorted(set(data.filters) - columns)
        if unknown:
            raise invalid("filters", f"{kind} have no field {', '.join(unknown)}")


def agreement_query(principal: Principal) -> Any:
    stmt = select(SharingAgreement).where(SharingAgreement.deleted_at.is_(None))
    if principal.platform_admin:
        return stmt
    return stmt.where(
        or_(SharingAgreement.grantor_id.in_(principal.tree), SharingAgreement.grantee_id.in_(principal.tree))
    )


def get_agreement(session: Session, agreement_id: str, principal: Principal) -> SharingAgreement:
    row = session.get(SharingAgreement, agreement_id)
    if (
        row is None
        or row.deleted_at is not None
        or not (
            principal.platform_admin or row.grantor_id in principal.tree or row.grantee_id in principal.tree
        )
    ):
        raise not_found("agreement")
    return row


def delete_agreement(session: Session, *, agreement_id: str, principal: Principal) -> None:
    require(principal, "agreements", "write")
    row = get_agreement(session, agreement_id, principal)
    if not can_administer(principal, row.grantor_id):
        raise forbidden("only the grantor may end an agreement")
    audited_delete(session, row, kind="agreements", principal=principal)
