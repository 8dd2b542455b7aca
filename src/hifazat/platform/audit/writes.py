"""The audited writes every domain uses: create, update, soft delete, each with its audit entry and event."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from hifazat.core.db import utcnow
from hifazat.platform.audit import log as audit
from hifazat.platform.audit.log import Actor
from hifazat.platform.outbox import emit

T = TypeVar("T")


def audited_create(
    session: Session,
    row: T,
    *,
    kind: str,
    principal: Actor,
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
    principal: Actor,
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
    session: Session, row: T, *, kind: str, principal: Actor, subject: str | None = None
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
