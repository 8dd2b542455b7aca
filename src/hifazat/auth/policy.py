"""Who may see and change what. Every read is scoped here; nothing is visible unless something grants it.

Visibility of a record owned by agency A, for a caller of agency C:
  * A is C or below C in the agency tree                       -> full, may write (role permitting)
  * the record lies in C's jurisdiction (its scope's province, district) -> full, read only
  * an active sharing agreement A' -> C covers it (A under A') -> its level and redactions, read only
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, false, func, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hifazat.auth.models import Agency, Role, ShareLevel
from hifazat.core.errors import forbidden
from hifazat.core.scope import PARTS as SCOPE_PARTS
from hifazat.core.scope import Scope, Scoped, ScopedColumns
from hifazat.platform.composition import Contribution, ExtensionPoint, contribute, current

WHOLE_COUNTRY = "PK"
READ_ALL = frozenset(r.value for r in Role)
STAFF = frozenset({"admin", "operator"})

# (entity kind, action) -> roles that may do it; each domain contributes its own kinds (its `domain.py`).
# Scope (which rows) is decided separately, below. A kind nobody contributed is allowed to no one.
Permission = tuple[tuple[str, str], frozenset[str]]
PERMISSIONS: ExtensionPoint[Permission] = ExtensionPoint("auth.permissions")


def permissions(table: Mapping[tuple[str, str], frozenset[str]]) -> Contribution[Permission]:
    """A domain's permission table as its contribution to the policy."""
    return contribute(PERMISSIONS, *table.items())


def permitted_roles(kind: str, action: str) -> frozenset[str]:
    return declared_roles(kind, action) or frozenset()


def declared_roles(kind: str, action: str) -> frozenset[str] | None:
    """The roles a domain declared for this action, or None where none was declared."""
    table: dict[tuple[str, str], frozenset[str]] = current().derived(PERMISSIONS, dict)
    return table.get((kind, action))


AUTH_PERMISSIONS = {
    ("agencies", "read"): READ_ALL,
    ("agencies", "write"): frozenset({"admin"}),
    ("users", "read"): frozenset({"admin", "auditor"}),
    ("users", "write"): frozenset({"admin"}),
    ("agreements", "read"): frozenset({"admin", "auditor", "liaison"}),
    ("agreements", "write"): frozenset({"admin"}),
}
# Roles that see passport/CNIC numbers unmasked (on records they may see in full).
SENSITIVE_ID_ROLES = frozenset({"admin", "investigator"})


@dataclass(frozen=True)
class Grant:
    agreement_id: str
    grantor_tree: frozenset[str]
    kinds: frozenset[str]
    filters: dict[str, Any]
    level: str
    redact: frozenset[str]


@dataclass(frozen=True)
class View:
    level: str  # "full" or "summary"
    redact: frozenset[str] = frozenset()
    writable: bool = False


FULL_RW = View(ShareLevel.full.value, writable=True)
FULL_RO = View(ShareLevel.full.value)


@dataclass(frozen=True)
class Principal:
    user_id: str | None
    username: str
    agency_id: str | None
    roles: frozenset[str]
    tree: frozenset[str] = frozenset()
    jurisdiction: tuple[str, ...] = ()
    grants: tuple[Grant, ...] = ()
    token_id: str | None = None
    system: bool = False
    # An admin of the top-level ministry administers every agency's users and agreements (not their data).
    platform_admin: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    full_name: str | None = None  # "" when the user has none; None when not loaded (not a signed-in user)

    def has(self, *roles: str) -> bool:
        return self.system or bool(self.roles.intersection(roles))


SYSTEM = Principal(user_id=None, username="system", agency_id=None, roles=frozenset(), system=True)


def system_actor(name: str = "system", agency_id: str | None = None) -> Principal:
    return Principal(user_id=None, username=name, agency_id=agency_id, roles=frozenset(), system=True)


def descendants(session: Session, root_id: str) -> frozenset[str]:
    """The agency and every agency below it. Retired agencies stay in the walk: their records and the
    agencies under them remain their parent's, instead of falling out of everyone's sight."""
    rows = session.execute(select(Agency.id, Agency.parent_id)).all()
    children: dict[str | None, list[str]] = {}
    for aid, parent in rows:
        children.setdefault(parent, []).append(aid)
    return subtree(children, root_id)


def subtree(children: Mapping[str | None, list[str]], root_id: str) -> frozenset[str]:
    """`root_id` and everything below it, given each agency's children."""
    out, stack = {root_id}, [root_id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in out:
                out.add(child)
                stack.append(child)
    return frozenset(out)


def build_principal(
    session: Session,
    *,
    user_id: str,
    username: str,
    agency_id: str,
    roles: Iterable[str],
    token_id: str | None = None,
    full_name: str | None = None,
) -> Principal:
    from hifazat.auth import cache  # the cache builds its facts with this module

    facts = cache.facts(session, agency_id)  # tree, jurisdiction and grants, cached per agency
    roles = frozenset(roles)
    return Principal(
        user_id=user_id,
        username=username,
        agency_id=agency_id,
        roles=roles,
        platform_admin=facts.top_ministry and "admin" in roles,
        tree=facts.tree,
        jurisdiction=facts.jurisdiction,
        grants=facts.grants,
        token_id=token_id,
        full_name=full_name,
    )


def require(principal: Principal, kind: str, action: str) -> None:
    if principal.system:
        return
    if not principal.roles & permitted_roles(kind, action):
        raise forbidden(f"your roles do not allow {action} on {kind}")


# Jurisdiction entries are "PK" (the whole country), a province "PK-SD", or a district "PK-SD:Karachi South".
# A record's scope carries both: its province and district columns are copied from a site when it is
# written (the site itself, a person's residence site, a unit's base site, a device's owner, an alert's
# site, person or device). Records with no district (projects, zones) match provinces only.


def in_jurisdiction(where: Scope, jurisdiction: tuple[str, ...]) -> bool:
    """Whether a record in this scope lies inside one of the jurisdiction entries. The whole country
    covers records that say no place too (vehicles; an alert whose position is unknown): they are in it."""
    province = where.province
    if WHOLE_COUNTRY in jurisdiction:
        return not province or province.startswith(WHOLE_COUNTRY + "-")
    if not province:
        return False
    for j in jurisdiction:
        if j == WHOLE_COUNTRY:
            return True
        prov, _, district = j.partition(":")
        if province != prov and not province.startswith(prov + ":"):
            continue
        if not district:
            return True
        have = where.district
        if have and have.strip().casefold() == district.strip().casefold():
            return True
    return False


def jurisdiction_clause(model: type[ScopedColumns], jurisdiction: tuple[str, ...]) -> ColumnElement[bool]:
    col = model.scope_column("province")
    if WHOLE_COUNTRY in jurisdiction:  # as `in_jurisdiction`: in the country, or saying no place
        return true() if col is None else or_(col.is_(None), col == "", col.like(WHOLE_COUNTRY + "-%"))
    district_col = model.scope_column("district")
    parts: list[ColumnElement[bool]] = []
    for j in jurisdiction:
        prov, _, district = j.partition(":")
        if not district:
            parts.append(or_(col == prov, col.like(prov + ":%")))
        elif district_col is not None:
            wanted = district.strip().lower()
            parts.append(and_(col == prov, func.lower(func.trim(district_col)) == wanted))
    return or_(*parts) if parts else false()


def _matches_filters(where: Scope, field: Callable[[str], Any], filters: dict[str, Any]) -> bool:
    """An agreement's filters: on a scope part read from the scope, on any other field from `field`."""
    for key, want in filters.items():
        have = where.part(key) if key in SCOPE_PARTS else field(key)
        if (isinstance(want, list) and have not in want) or (not isinstance(want, list) and have != want):
            return False
    return True


def filter_clause(model: type[ScopedColumns], filters: dict[str, Any]) -> ColumnElement[bool] | None:
    parts = []
    for key, want in filters.items():
        # a scope part through the model's declared column; any other field is the column of its name
        col = model.scope_column(key) if key in SCOPE_PARTS else getattr(model, key, None)
        if col is None:
            return None  # a filter on a field this kind lacks matches nothing
        parts.append(col.in_(want) if isinstance(want, list) else col == want)
    return and_(*parts) if parts else None


def scope(model: type[ScopedColumns], kind: str, principal: Principal) -> ColumnElement[bool]:
    """WHERE clause limiting `model` rows to what the caller may see, from the model's scope columns."""
    owner = model.scope_column("agency_id")
    if principal.system:
        everything: ColumnElement[bool] = owner.is_not(None) | owner.is_(None)
        return everything
    clauses: list[ColumnElement[bool]] = [owner.in_(principal.tree)]
    if principal.jurisdiction and (
        model.scope_column("province") is not None or WHOLE_COUNTRY in principal.jurisdiction
    ):
        clauses.append(jurisdiction_clause(model, principal.jurisdiction))
    for g in principal.grants:
        if kind not in g.kinds:
            continue
        fc = filter_clause(model, g.filters) if g.filters else None
        if g.filters and fc is None:
            continue
        base = owner.in_(g.grantor_tree)
        clauses.append(and_(base, fc) if fc is not None else base)
    return or_(*clauses) if clauses else false()


def view_rank(v: View) -> tuple[int, int]:
    return (1 if v.level == ShareLevel.full.value else 0, -len(v.redact))


def view_of(row: Scoped, kind: str, principal: Principal) -> View | None:
    """How the caller sees one row, or None if not at all (callers answer 404 then)."""
    return view_in(row.scope, kind, principal, lambda key: getattr(row, key, None))


def _no_field(key: str) -> Any:
    return None


def view_in(
    where: Scope, kind: str, principal: Principal, field: Callable[[str], Any] = _no_field
) -> View | None:
    """How the caller sees a record in scope `where`. `field(name)` gives the record's other fields, which
    a sharing agreement's filters may name (nationality, ...); the decision itself reads only the scope."""
    if principal.system:
        return FULL_RW
    owner = where.agency_id
    if owner in principal.tree:
        return FULL_RW
    if principal.jurisdiction and in_jurisdiction(where, principal.jurisdiction):
        return FULL_RO
    best: View | None = None
    for g in principal.grants:
        if kind in g.kinds and owner in g.grantor_tree and _matches_filters(where, field, g.filters):
            candidate = View(g.level, g.redact)
            if best is None or view_rank(candidate) > view_rank(best):
                best = candidate
    return best


def can_write_agency(principal: Principal, agency_id: str | None) -> bool:
    """May change records owned by this agency."""
    return principal.system or (agency_id is not None and agency_id in principal.tree)


def can_administer(principal: Principal, agency_id: str | None) -> bool:
    """May manage this agency itself, its users and its sharing agreements."""
    return principal.platform_admin or can_write_agency(principal, agency_id)


# --- fields: who reads each in full, and so may search, filter or sort on it ---------------------------
# A search, filter or sort that could match a field the caller cannot read would answer questions about
# it (a phone number grown one digit at a time, a passport number confirmed). So a condition on a field
# holds only on rows where the caller reads that field in full; elsewhere the row behaves as if the field
# did not exist (a `q` does not search it, a filter on it does not match). Each kind declares its fields.


@dataclass(frozen=True)
class Fields:
    """How a kind shows its fields: what its summary view keeps, what a full view still masks unless
    the caller holds a role (passport numbers), and what only the owner's tree sees (credentials)."""

    kind: str
    summary: frozenset[str]
    roles_needed: Mapping[str, frozenset[str]] = field(default_factory=dict)
    owner_only: frozenset[str] = frozenset()


FIELDS: ExtensionPoint[Fields] = ExtensionPoint("auth.fields")


def fields_of(kind: str) -> Fields | None:
    table: dict[str, Fields] = current().derived(FIELDS, lambda items: {f.kind: f for f in items})
    return table.get(kind)


def redacted_outside_tree(principal: Principal, kind: str, owner_agency_id: str | None) -> frozenset[str]:
    """The fields of `kind` redacted for this principal (none for the owner's tree and the system)."""
    fields = fields_of(kind)
    if (
        fields is None
        or principal.system
        or (owner_agency_id is not None and owner_agency_id in principal.tree)
    ):
        return frozenset()
    return fields.owner_only


def sees_target_of(principal: Principal, owner_agency_id: str | None) -> bool:
    """May see where an agency's notifications go (a webhook's URL, an address) and why a send failed.

    Others who may see the record a delivery is about still see that the agency was notified and how it
    went (channel, status, attempts); the target and its error text stay in the owner's tree, since they
    map the owner's systems."""
    return principal.system or (owner_agency_id is not None and owner_agency_id in principal.tree)


# Who may act on an alert (a record many agencies have a stake in) is decided beside this module, from the
# same principal and views, and exposed here as `policy.acting`, so the policy stays the one place to look.
from hifazat.auth import acting as acting  # noqa: E402  (acting builds on the definitions above)

# Which fields a search or filter may match (no oracles) lives beside this module too, on the same views.
from hifazat.auth.readable import readable_where as readable_where  # noqa: E402
from hifazat.auth.readable import reveals as reveals  # noqa: E402
from hifazat.auth.readable import where_readable as where_readable  # noqa: E402
