"""Which fields a caller reads in full, in Python (`reveals`) and as SQL (`readable_where`), so that a search,
filter or sort matches a field only where the caller could read it: no oracles for redacted fields. Part of
the policy (re-exported by `auth/policy.py`), kept in its own file for size."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, func, or_, true

from hifazat.auth.models import ShareLevel
from hifazat.auth.policy import (
    Fields,
    Principal,
    View,
    fields_of,
    filter_clause,
    jurisdiction_clause,
    redacted_outside_tree,
    view_rank,
)
from hifazat.core.scope import ScopedColumns

__all__ = ["readable_where", "reveals", "where_readable"]


def _grant_reveals(view: View, fields: Fields | None, name: str) -> bool:
    if name in view.redact:
        return False
    return view.level == ShareLevel.full.value or (fields is not None and name in fields.summary)


def reveals(principal: Principal, kind: str, view: View, name: str, owner_agency_id: str | None) -> bool:
    """Whether a caller seeing a record of `kind` through `view` reads field `name` in full."""
    if principal.system:
        return True
    fields = fields_of(kind)
    roles = fields.roles_needed.get(name) if fields else None
    if roles is not None and not principal.has(*roles):
        return False
    if name in redacted_outside_tree(principal, kind, owner_agency_id):
        return False
    return _grant_reveals(view, fields, name)


def readable_where(
    model: type[ScopedColumns], kind: str, principal: Principal, name: str
) -> ColumnElement[bool]:
    """Rows of `model` whose field `name` the caller reads in full (AND it with `scope`). Mirrors `view_in`:
    the owner's tree and the jurisdiction see all, else the best covering grant, the first of equals."""
    if principal.system:
        return true()
    fields = fields_of(kind)
    roles = fields.roles_needed.get(name) if fields else None
    if roles is not None and not principal.has(*roles):
        return false()
    owner = model.scope_column("agency_id")
    if fields is not None and name in fields.owner_only:
        return owner.in_(principal.tree)  # type: ignore[no-any-return]
    covers: list[tuple[View, ColumnElement[bool]]] = []
    for g in principal.grants:
        fc = filter_clause(model, g.filters) if g.filters else None
        if kind in g.kinds and not (g.filters and fc is None):
            base = owner.in_(g.grantor_tree)
            covers.append((View(g.level, g.redact), and_(base, fc) if fc is not None else base))
    if all(_grant_reveals(v, fields, name) for v, _ in covers):
        return true()  # every way the caller may see a row shows the field: the scope alone decides
    clauses: list[ColumnElement[bool]] = [owner.in_(principal.tree)]
    if principal.jurisdiction and model.scope_column("province") is not None:
        clauses.append(jurisdiction_clause(model, principal.jurisdiction))
    for i, (view, covered) in enumerate(covers):
        if not _grant_reveals(view, fields, name):
            continue
        # the row's view is this grant's only if no covering grant ranks above it or equals it earlier
        better = [
            c
            for j, (v, c) in enumerate(covers)
            if view_rank(v) > view_rank(view) or (j < i and view_rank(v) == view_rank(view))
        ]
        # (NULL from a grant's filter on a missing field means "does not cover", as in `view_in`)
        clauses.append(and_(covered, ~func.coalesce(or_(*better), false())) if better else covered)
    return or_(*clauses)


def where_readable(
    model: type[ScopedColumns], kind: str, principal: Principal, name: str, condition: ColumnElement[bool]
) -> ColumnElement[bool]:
    """`condition` on field `name`, holding only where the caller reads that field in full."""
    return and_(readable_where(model, kind, principal, name), condition)
