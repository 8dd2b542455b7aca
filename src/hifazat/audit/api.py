"""Route: GET /audit for auditors and admins (their agency tree's entries; a top-level agency sees all)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import or_, select

from hifazat.auth.deps import CurrentUser
from hifazat.auth.labels import labels, labels_for
from hifazat.auth.models import Agency, AgencyKind
from hifazat.auth.policy import require
from hifazat.core.errors import invalid
from hifazat.core.pagination import decode_cursor, encode_cursor
from hifazat.platform.audit import log as service
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.deps import DbSession, Page

router = APIRouter(prefix="/api/v1", tags=["audit"])


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    seq: int
    at: datetime
    actor_id: str | None
    actor: str
    agency_id: str | None
    owner_agency_id: str | None
    action: str
    entity: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    hash: str
    entity_label: str | None = None  # the entity by name, where the caller may see it (auth/labels.py)
    actor_label: str | None = None  # the acting user by name, or "a user of <agency>"


@router.get("/audit")
def list_audit(
    session: DbSession,
    principal: CurrentUser,
    page: Page,
    entity: Annotated[str | None, Query(max_length=60)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=120)] = None,
    action: Annotated[str | None, Query(max_length=60)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """Newest first. Cursor pages backwards through the chain."""
    require(principal, "audit", "read")
    stmt = select(AuditEntry)
    agency = session.get(Agency, principal.agency_id) if principal.agency_id else None
    # The whole log is for the top-level ministry; any other agency (even a top-level one such as an
    # embassy) reads what its own tree did and what anyone (the system included) did to its records.
    whole = agency is not None and agency.parent_id is None and agency.kind == AgencyKind.federal_ministry
    if not whole:
        stmt = stmt.where(
            or_(AuditEntry.agency_id.in_(principal.tree), AuditEntry.owner_agency_id.in_(principal.tree))
        )
    for col, value in (
        (AuditEntry.entity, entity),
        (AuditEntry.entity_id, entity_id),
        (AuditEntry.actor, actor),
        (AuditEntry.action, action),
    ):
        if value:
            stmt = stmt.where(col == value)
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    if page.cursor:
        raw = decode_cursor(page.cursor)
        if not raw.isdigit():
            raise invalid("cursor", "is not a cursor this API returned")
        stmt = stmt.where(AuditEntry.seq < int(raw))
    rows = session.scalars(stmt.order_by(AuditEntry.seq.desc()).limit(page.limit + 1)).all()
    nxt = None
    if len(rows) > page.limit:
        rows = rows[: page.limit]
        nxt = encode_cursor(str(rows[-1].seq))
    found = labels_for(session, principal, [(r.entity, r.entity_id) for r in rows])
    actors = labels(session, principal, "users", [r.actor_id for r in rows])
    items = [
        AuditOut.model_validate(r).model_copy(
            update={
                "entity_label": found.get((r.entity, r.entity_id or "")),
                "actor_label": actors.get(r.actor_id or ""),
            }
        )
        for r in rows
    ]
    return {"items": [i.model_dump(mode="json") for i in items], "next_cursor": nxt}


@router.get("/audit/verify")
def verify_audit(session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    """Walk the whole chain and check it against the signed checkpoints, as `hifazat audit verify` does."""
    require(principal, "audit", "read")
    r = service.verify(session)
    return {
        "ok": r.ok,
        "checked": r.checked,
        "bad_seq": r.bad_seq,
        "reason": r.reason,
        "checkpoint_line": r.checkpoint_line,
        "checkpoints": r.checkpoints,
        "last_checkpoint": r.last_checkpoint,
    }
