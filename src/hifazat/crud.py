"""Shared building blocks of registry-style services: scoped fetch, audited create/update/soft-delete."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hifazat.audit import service as audit
from hifazat.auth.policy import Principal, View, scope, view_of
from hifazat.db import utcnow
from hifazat.errors import forbidden, not_found
from hifazat.outbox import emit

T = TypeVar("T")


def visible_select(model: type[T], kind: str, principal: Principal) -> Select[Any]:
    stmt = select(model).where(scope(model, kind, principal))
    if hasattr(model, "deleted_at"):
        stmt = stmt.where(model.deleted_at.is_(None))  # type: ignore[attr-defined]
    return stmt


def get_visible(
    session: Session,
    model: type[T],
    kind: str,
    entity_id: str,
    principal: Principal,
    *,
    for_write: bool = False,
) -> tuple[T, View]:
    """The row and how the caller sees it. Absent, deleted, or not visible: the same 404."""
    row = session.get(model, entity_id)
    if row is None or getattr(row, "deleted_at", None) is not None:
        raise not_found(kind.rstrip("s"))
    view = view_of(row, kind, principal)
    if view is None:
        raise not_found(kind.rstrip("s"))
    if for_write and not view.writable:
        raise forbidden(f"this {kind.rstrip('s')} belongs to another agency; you may read it, not change it")
    return row, view


def audited_create(
    session: Session,
    row: T,
    *,
    kind: str,
    principal: Principal,
    exclude: Iterable[str] = (),
    subject: str | None = None,
) -> T:
    """Add, audit and announce (`subject` defaults to `registry.<kind>.created`)."""
    session.add(row)
    session.flush([row])
    after = audit.snapshot(row, exclude)
    audit.record(
        session,
        actor=principal,
        action="create",
        entity=kind,
        entity_id=getattr(row, "id", None),
        owner_agency_id=getattr(row, "agency_id", None),
        after=after,
    )
    emit(
        session,
        subject or f"registry.{kind}.created",
        {"id": getattr(row, "id", None), "kind": kind, "agency_id": getattr(row, "agency_id", None)},
    )
    return row


def audited_update(
    session: Session,
    row: T,
    changes: dict[str, Any],
    *,
    kind: str,
    principal: Principal,
    exclude: Iterable[str] = (),
) -> T:
    before = audit.snapshot(row, exclude)
    for key, value in changes.items():
        setattr(row, key, value)
    if hasattr(row, "updated_at"):
        row.updated_at = utcnow()
    session.flush([row])
    b, a = audit.diff(before, audit.snapshot(row, exclude))
    if a:
        audit.record(
            session,
            actor=principal,
            action="update",
            entity=kind,
            entity_id=getattr(row, "id", None),
            owner_agency_id=getattr(row, "agency_id", None),
            before=b,
            after=a,
        )
        emit(
            session,
            f"registry.{kind}.updated",
            {"id": getattr(row, "id", None), "kind": kind, "fields": sorted(a)},
        )
    return row


def audited_delete(
    session: Session, row: T, *, kind: str, principal: Principal, subject: str | None = None
) -> None:
    """Soft-delete, audit and announce (`subject` defaults to `registry.<kind>.deleted`)."""
    row.deleted_at = utcnow()  # type: ignore[attr-defined]
    session.flush([row])
    audit.record(
        session,
        actor=principal,
        action="delete",
        entity=kind,
        entity_id=getattr(row, "id", None),
        owner_agency_id=getattr(row, "agency_id", None),
        before={"deleted_at": None},
        after={"deleted_at": audit.snapshot(row)["deleted_at"]},
    )
    emit(
        session,
        subject or f"registry.{kind}.deleted",
        {"id": getattr(row, "id", None), "kind": kind, "agency_id": getattr(row, "agency_id", None)},
    )
