"""Human labels for records named by id (an audit entry's entity, a timeline's unit, a delivery's recipient),
resolved per entity kind through one extension point, under the same visibility rules as the records.

Each domain contributes a `Labeler` for the kinds it owns (the audit log's entity names: "persons", "units",
"devices", ...). A labeler answers only for the ids the caller may see, and labels them as the caller sees
them (a person's redacted family name stays out of the label); an id it leaves out is not the caller's to
name, and pages show the kind alone. Users and agencies are labelled here, since auth owns them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.models import Agency, SharingAgreement, User
from hifazat.auth.policy import Principal, View, scope, view_of
from hifazat.platform.composition import ExtensionPoint, current

Resolve = Callable[[Session, Principal, Collection[str]], Mapping[str, str]]


@dataclass(frozen=True)
class Labeler:
    """`resolve(session, principal, ids)` -> {id: label} for the ids of `kind` the caller may see."""

    kind: str
    resolve: Resolve


LABELS: ExtensionPoint[Labeler] = ExtensionPoint("auth.labels")

# Enough for a page of audit entries or a long timeline; the ids are looked up in one IN list per kind.
MAX_IDS = 500


def labels(session: Session, principal: Principal, kind: str, ids: Iterable[str | None]) -> dict[str, str]:
    """{id: label} for the ids of `kind` the caller may name; unknown kinds and hidden records are absent."""
    table: dict[str, Resolve] = current().derived(LABELS, lambda items: {i.kind: i.resolve for i in items})
    wanted = [i for i in dict.fromkeys(ids) if i][:MAX_IDS]
    fn = table.get(kind)
    if fn is None or not wanted:
        return {}
    return dict(fn(session, principal, wanted))


def labels_for(
    session: Session, principal: Principal, refs: Iterable[tuple[str, str | None]]
) -> dict[tuple[str, str], str]:
    """Labels for mixed (kind, id) pairs, one look-up per kind: {(kind, id): label}."""
    by_kind: dict[str, list[str]] = {}
    for kind, ref_id in refs:
        if ref_id:
            by_kind.setdefault(kind, []).append(ref_id)
    return {
        (kind, i): label
        for kind, ids in by_kind.items()
        for i, label in labels(session, principal, kind, ids).items()
    }


def scoped(
    model: Any, kind: str, label: Callable[[Any, View], str | None], *, deleted_too: bool = True
) -> Resolve:
    """A labeler for a scoped model: the rows the policy lets the caller see, each labelled through the
    caller's view of it. Deleted rows keep their label (an audit entry names what was removed)."""

    def resolve(session: Session, principal: Principal, ids: Collection[str]) -> dict[str, str]:
        stmt = select(model).where(model.id.in_(list(ids)), scope(model, kind, principal))
        if not deleted_too and hasattr(model, "deleted_at"):
            stmt = stmt.where(model.deleted_at.is_(None))
        out: dict[str, str] = {}
        for row in session.scalars(stmt):
            view = view_of(row, kind, principal)
            text = label(row, view) if view is not None else None
            if text:
                out[row.id] = text
        return out

    return resolve


def agency_name(agency: Agency | None) -> str:
    return (agency.short_name or agency.name) if agency is not None else "another agency"


def _agencies(session: Session, principal: Principal, ids: Collection[str]) -> dict[str, str]:
    # Every role reads agencies (the policy's READ_ALL): their names are no one's secret.
    rows = session.scalars(select(Agency).where(Agency.id.in_(list(ids))))
    return {a.id: a.name for a in rows}


def sees_user_name(principal: Principal, user_agency_id: str | None) -> bool:
    """A user's name is for their own agency tree and the platform admin (who administers every user);
    everyone else learns which agency acted, not who."""
    return (
        principal.system
        or principal.platform_admin
        or (user_agency_id is not None and user_agency_id in principal.tree)
    )


def user_label(principal: Principal, user: User, agency: Agency | None) -> str:
    if sees_user_name(principal, user.agency_id):
        return user.full_name or user.username
    return f"a user of {agency_name(agency)}"


def user_labels(session: Session, principal: Principal, ids: Collection[str]) -> dict[str, str]:
    """Every user id gets a label (the timeline names who acted): a name, or "a user of <agency>"."""
    rows = list(session.scalars(select(User).where(User.id.in_(list(ids)))))
    agencies = {
        a.id: a for a in session.scalars(select(Agency).where(Agency.id.in_({u.agency_id for u in rows})))
    }
    return {u.id: user_label(principal, u, agencies.get(u.agency_id)) for u in rows}


def _agreements(session: Session, principal: Principal, ids: Collection[str]) -> dict[str, str]:
    """An agreement by its name, for the two agencies' trees and the platform admin (who read it)."""
    rows = session.scalars(select(SharingAgreement).where(SharingAgreement.id.in_(list(ids))))
    return {
        a.id: a.name
        for a in rows
        if principal.system or principal.platform_admin or {a.grantor_id, a.grantee_id} & principal.tree
    }


AUTH_LABELERS = (
    Labeler("users", user_labels),
    Labeler("agencies", _agencies),
    Labeler("agreements", _agreements),
)
