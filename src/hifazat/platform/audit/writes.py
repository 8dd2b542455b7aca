"""The one audited write every domain uses: create, update, soft delete, a lifecycle transition, or another
audited act, each with its audit entry (and, where named, its event) in the caller's transaction.

Subject override: an entry may be recorded against another entity than the row written (`entity`,
`entity_id`: a dispatch recorded on its alert), and the bus subject may be named. `subject=None` keeps the
registry's default `registry.<kind>.<verb>`; `NO_EVENT` announces nothing (the domain emits its own)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from hifazat.core.db import utcnow
from hifazat.platform.audit import log as audit
from hifazat.platform.audit.log import Actor, jsonable
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.outbox import emit

T = TypeVar("T")
NO_EVENT = ""  # as `subject`: write and audit, announce nothing
Payload = dict[str, Any]


def _announce(session: Session, subject: str | None, default: str, payload: Payload) -> None:
    if subject != NO_EVENT:
        emit(session, subject or default, payload)


def _ids(row: Any, entity_id: str | None) -> tuple[str | None, str | None]:
    return entity_id or getattr(row, "id", None), getattr(row, "agency_id", None)


def audited_create(
    session: Session,
    row: T,
    *,
    kind: str,
    principal: Actor,
    exclude: Iterable[str] = (),
    subject: str | None = None,
    payload: Payload | None = None,
    entity_id: str | None = None,
    insert: bool = True,
) -> T:
    """Add, audit and announce (`subject` defaults to `registry.<kind>.created`). `insert=False` (the SOS
    lane): the caller added the row and writes it with its other rows through `insert_pending`; the entry
    is left pending with them (audit.record's `insert=False`), nothing is flushed here."""
    if insert:
        session.add(row)
        session.flush([row])
    row_id, agency_id = _ids(row, entity_id)
    audit.record(
        session,
        actor=principal,
        action="create",
        entity=kind,
        entity_id=row_id,
        owner_agency_id=agency_id,
        after=audit.snapshot(row, exclude),
        insert=insert,
    )
    default = {"id": row_id, "kind": kind, "agency_id": agency_id}
    _announce(session, subject, f"registry.{kind}.created", default if payload is None else payload)
    return row


def audited_update(
    session: Session,
    row: Any,
    changes: dict[str, Any],
    *,
    kind: str,
    principal: Actor,
    exclude: Iterable[str] = (),
    subject: str | None = None,
    payload: Payload | None = None,
    entity_id: str | None = None,
    also: Payload | None = None,
) -> dict[str, Any]:
    """Set what differs, audit and announce it; returns the changed fields' new values (as audited). A
    change that changes nothing writes nothing at all: no `updated_at`, no entry, no event. `also`: facts
    recorded with a change that the diff cannot show (a rotated secret, whose column is excluded)."""
    differing = {k: v for k, v in changes.items() if jsonable(getattr(row, k)) != jsonable(v)}
    if not differing:
        return {}
    before = audit.snapshot(row, exclude)
    for key, value in differing.items():
        setattr(row, key, value)
    if hasattr(row, "updated_at"):
        row.updated_at = utcnow()
    session.flush([row])
    b, a = audit.diff(before, audit.snapshot(row, exclude))
    a.update(also or {})
    if a:
        row_id, agency_id = _ids(row, entity_id)
        audit.record(
            session,
            actor=principal,
            action="update",
            entity=kind,
            entity_id=row_id,
            owner_agency_id=agency_id,
            before=b,
            after=a,
        )
        default = {"id": row_id, "kind": kind, "fields": sorted(a)}
        _announce(session, subject, f"registry.{kind}.updated", default if payload is None else payload)
    return a


def audited_delete(
    session: Session,
    row: Any,
    *,
    kind: str,
    principal: Actor,
    subject: str | None = None,
    payload: Payload | None = None,
) -> None:
    """Soft-delete, audit and announce (`subject` defaults to `registry.<kind>.deleted`)."""
    row.deleted_at = utcnow()
    session.flush([row])
    row_id, agency_id = _ids(row, None)
    audit.record(
        session,
        actor=principal,
        action="delete",
        entity=kind,
        entity_id=row_id,
        owner_agency_id=agency_id,
        before={"deleted_at": None},
        after={"deleted_at": audit.snapshot(row)["deleted_at"]},
    )
    default = {"id": row_id, "kind": kind, "agency_id": agency_id}
    _announce(session, subject, f"registry.{kind}.deleted", default if payload is None else payload)


def audited_transition(
    session: Session,
    row: Any,
    *,
    kind: str,
    principal: Actor,
    action: str,
    from_status: str,
    to_status: str,
    note: str | None = None,
    entity_id: str | None = None,
) -> AuditEntry:
    """Record a lifecycle move the caller's transition table allowed (and the caller made): the action, the
    status before and after, and the note when there is one. No event: each lifecycle announces its own."""
    after: Payload = {"status": to_status, "note": note} if note else {"status": to_status}
    row_id, agency_id = _ids(row, entity_id)
    return audit.record(
        session,
        actor=principal,
        action=action,
        entity=kind,
        entity_id=row_id,
        owner_agency_id=agency_id,  # another agency's move stays in the owner's log too
        before={"status": from_status},
        after=after,
    )


def audited_action(
    session: Session,
    *,
    principal: Actor,
    action: str,
    entity: str,
    entity_id: str | None,
    before: Payload | None = None,
    after: Payload | None = None,
    owner_agency_id: str | None = None,
    insert: bool = True,
) -> AuditEntry:
    """An audited act that is not a create, update, delete or transition of one row (a login, a rotated
    secret, an inbound SMS, a dispatch recorded on its alert)."""
    return audit.record(
        session,
        actor=principal,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
        owner_agency_id=owner_agency_id,
        insert=insert,
    )


def values_of(row: Any, exclude: Iterable[str] = ()) -> Payload:
    """A row's column values as the log records them (JSON-ready, secrets left out)."""
    return audit.snapshot(row, exclude)
