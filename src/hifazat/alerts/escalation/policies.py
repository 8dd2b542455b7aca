"""Escalation policies: who is told at each level of an unacknowledged alert, per agency, site and
severity; the most specific active policy wins, else the built-in levels (`default_levels`: the owner,
the police with jurisdiction and the national centre first, then the army division and the ministry)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hifazat.alerts.models import Alert, EscalationPolicy
from hifazat.alerts.schemas import PolicyIn, PolicyPatch
from hifazat.auth import cache as agency_cache
from hifazat.auth.access import get_visible
from hifazat.auth.models import Agency, AgencyKind, Role, User
from hifazat.auth.policy import WHOLE_COUNTRY, Principal, can_write_agency, in_jurisdiction, require
from hifazat.config import get_settings
from hifazat.core.errors import Problem, forbidden, invalid, not_found
from hifazat.platform.audit.writes import NO_EVENT, audited_create, audited_delete, audited_update
from hifazat.registry.models import Site, Unit

KIND = "escalation_policies"


def ancestors(session: Session, agency_id: str) -> list[str]:
    """The agency, its parent, ... up to the top (from the per-agency cache of the auth domain)."""
    return list(agency_cache.facts(session, agency_id).chain)


def _operators(agency_ids: list[str], roles: tuple[str, ...] = ("operator",)) -> list[dict[str, Any]]:
    seen = dict.fromkeys(agency_ids)
    return [{"kind": "role", "role": role, "agency_id": a} for a in seen for role in roles]


def default_levels(session: Session, alert: Alert) -> list[dict[str, Any]]:
    """When no policy matches. Level 0: the owner's operators, the control rooms of the police with
    jurisdiction where the alert is, and the national operations centre (a whole-country ministry agency
    below the top). Level 1: the army security division (those covering the place, else every one: it is
    the backstop), the owner's parent and the ministry at the top (its operators and admins)."""
    timeout = get_settings().alerts_default_ack_timeout_s
    chain = ancestors(session, alert.agency_id)
    rows = session.execute(
        select(Agency.id, Agency.kind, Agency.parent_id, Agency.jurisdiction)
        .where(Agency.deleted_at.is_(None))
        .order_by(Agency.name)
    ).all()
    where = alert.scope

    def covers(jurisdiction: list[str] | None) -> bool:
        return in_jurisdiction(where, tuple(jurisdiction or ()))

    police = [
        r.id
        for r in rows
        if r.kind == AgencyKind.provincial_police
        and WHOLE_COUNTRY not in (r.jurisdiction or ())
        and covers(r.jurisdiction)
    ]
    national = [
        r.id
        for r in rows
        if r.kind == AgencyKind.federal_ministry
        and r.parent_id is not None
        and WHOLE_COUNTRY in (r.jurisdiction or ())
    ]
    army_all = [r.id for r in rows if r.kind == AgencyKind.army_security_division]
    army = [
        r.id
        for r in rows
        if r.id in army_all and WHOLE_COUNTRY not in (r.jurisdiction or ()) and covers(r.jurisdiction)
    ] or army_all
    first = _operators([chain[0], *police, *national])
    levels = [{"timeout_s": timeout, "targets": first}]
    climb = _operators([a for a in (*army, *chain[1:2]) if a not in chain[:1]])
    climb += _operators([chain[-1]], ("operator", "admin")) if len(chain) > 1 else []
    told = {(t["role"], t["agency_id"]) for t in first}
    fresh = []
    for t in climb:
        if (t["role"], t["agency_id"]) not in told:
            told.add((t["role"], t["agency_id"]))
            fresh.append(t)
    climb = fresh
    if climb:
        levels.append({"timeout_s": timeout, "targets": climb})
    return levels


def select_policy(session: Session, alert: Alert) -> EscalationPolicy | None:
    return select_policy_for(
        session, agency_id=alert.agency_id, site_id=alert.site_id, severity=alert.severity
    )


def policy_id_for(session: Session, *, agency_id: str, site_id: str | None, severity: str) -> str | None:
    """`select_policy_for`'s id, cached until a policy or agency changes (every SOS asks it)."""

    def load() -> str | None:
        policy = select_policy_for(session, agency_id=agency_id, site_id=site_id, severity=severity)
        return policy.id if policy else None

    key = f"escalation-policy:{agency_id}:{site_id}:{severity}"
    chosen: str | None = agency_cache.derived(session, key, load)
    return chosen


def select_policy_for(
    session: Session, *, agency_id: str, site_id: str | None, severity: str
) -> EscalationPolicy | None:
    """The most specific active policy: site and severity matches first, then the nearest agency."""
    chain = ancestors(session, agency_id)
    rows = session.scalars(
        select(EscalationPolicy).where(
            EscalationPolicy.agency_id.in_(chain),
            EscalationPolicy.active.is_(True),
            EscalationPolicy.deleted_at.is_(None),
            or_(EscalationPolicy.site_id.is_(None), EscalationPolicy.site_id == site_id),
            or_(EscalationPolicy.severity.is_(None), EscalationPolicy.severity == severity),
        )
    ).all()
    if not rows:
        return None

    def rank(p: EscalationPolicy) -> tuple[int, int, int, str]:
        return (
            1 if p.site_id else 0,
            1 if p.severity else 0,
            -chain.index(p.agency_id),
            p.id,
        )

    return max(rows, key=rank)


def levels_for(session: Session, alert: Alert) -> list[dict[str, Any]]:
    if alert.escalation_policy_id:
        policy = session.get(EscalationPolicy, alert.escalation_policy_id)
        if policy is not None and policy.deleted_at is None and policy.levels:
            return list(policy.levels)
    return default_levels(session, alert)


_TARGET_MODELS: dict[str, Any] = {"user": User, "unit": Unit, "agency": Agency}


def _exists(session: Session, model: Any, row_id: str) -> bool:
    row = session.get(model, row_id)
    return row is not None and row.deleted_at is None


def _check_target(session: Session, where: str, t: dict[str, Any]) -> None:
    kind = t["kind"]
    if kind in _TARGET_MODELS:
        if not _exists(session, _TARGET_MODELS[kind], t["id"]):
            raise invalid(f"{where}.id", f"no such {kind}")
    elif kind == "role":
        if t["role"] not in {r.value for r in Role}:
            raise invalid(f"{where}.role", f"must be one of {', '.join(r.value for r in Role)}")
        if t.get("agency_id") and not _exists(session, Agency, t["agency_id"]):
            raise invalid(f"{where}.agency_id", "no such agency")


def _check_targets(session: Session, levels: list[dict[str, Any]]) -> None:
    for i, level in enumerate(levels):
        for j, t in enumerate(level["targets"]):
            _check_target(session, f"levels.{i}.targets.{j}", t)


def _levels_json(levels: Sequence[Any]) -> list[dict[str, Any]]:
    return [lv.model_dump(mode="json", exclude_none=True) for lv in levels]


def create_policy(session: Session, data: PolicyIn, principal: Principal) -> EscalationPolicy:
    require(principal, KIND, "write")
    owner = data.agency_id or principal.agency_id
    if owner is None or not can_write_agency(principal, owner):
        raise invalid("agency_id", "you may only write policies for your own agency or one below it")
    if data.site_id:
        try:
            get_visible(session, Site, "sites", data.site_id, principal)
        except Problem as exc:
            raise invalid("site_id", "no such site visible to you") from exc
    levels = _levels_json(data.levels)
    for level in levels:
        for t in level["targets"]:
            if t["kind"] == "role" and not t.get("agency_id"):
                t["agency_id"] = owner
    _check_targets(session, levels)
    row = EscalationPolicy(
        agency_id=owner,
        name=data.name,
        site_id=data.site_id,
        severity=data.severity.value if data.severity else None,
        levels=levels,
        active=data.active,
    )
    audited_create(session, row, kind=KIND, principal=principal, subject=NO_EVENT)
    return row


def _policy_scope_ok(row: EscalationPolicy, principal: Principal) -> bool:
    return principal.system or row.agency_id in principal.tree


def get_policy(session: Session, policy_id: str, principal: Principal) -> EscalationPolicy:
    require(principal, KIND, "read")
    row = session.get(EscalationPolicy, policy_id)
    if row is None or row.deleted_at is not None or not _policy_scope_ok(row, principal):
        raise not_found("escalation policy")
    return row


def list_policies(session: Session, principal: Principal) -> list[EscalationPolicy]:
    require(principal, KIND, "read")
    stmt = select(EscalationPolicy).where(EscalationPolicy.deleted_at.is_(None))
    if not principal.system:
        stmt = stmt.where(EscalationPolicy.agency_id.in_(principal.tree))
    return list(session.scalars(stmt.order_by(EscalationPolicy.name, EscalationPolicy.id)))


def update_policy(
    session: Session, policy_id: str, patch: PolicyPatch, principal: Principal
) -> EscalationPolicy:
    require(principal, KIND, "write")
    row = get_policy(session, policy_id, principal)
    if not can_write_agency(principal, row.agency_id):
        raise forbidden("this policy belongs to another agency")
    values = patch.model_dump(exclude_unset=True)
    if "name" in values and values["name"] is None:
        raise invalid("name", "cannot be null")
    if "levels" in values:
        if patch.levels is None:
            raise invalid("levels", "cannot be null")
        levels = _levels_json(patch.levels)
        for level in levels:
            for t in level["targets"]:
                if t["kind"] == "role" and not t.get("agency_id"):
                    t["agency_id"] = row.agency_id
        _check_targets(session, levels)
        values["levels"] = levels
    if values.get("site_id"):
        try:
            get_visible(session, Site, "sites", values["site_id"], principal)
        except Problem as exc:
            raise invalid("site_id", "no such site visible to you") from exc
    if "severity" in values and values["severity"] is not None:
        values["severity"] = str(values["severity"].value)
    if "active" in values and values["active"] is None:
        raise invalid("active", "cannot be null")
    audited_update(session, row, values, kind=KIND, principal=principal, subject=NO_EVENT)
    return row


def delete_policy(session: Session, policy_id: str, principal: Principal) -> None:
    require(principal, KIND, "write")
    row = get_policy(session, policy_id, principal)
    if not can_write_agency(principal, row.agency_id):
        raise forbidden("this policy belongs to another agency")
    audited_delete(session, row, kind=KIND, principal=principal, subject=NO_EVENT)


def raised_reason(policy: EscalationPolicy | None) -> str:
    return f"alert raised ({policy.name})" if policy else "alert raised (built-in escalation)"


def target_agencies(session: Session, targets: list[dict[str, Any]]) -> list[str]:
    """The agencies a level's targets belong to: the alert is shared with them."""
    out: list[str] = []
    for t in targets:
        if t["kind"] == "agency":
            out.append(t["id"])
        elif t["kind"] == "role" and t.get("agency_id"):
            out.append(t["agency_id"])
        elif t["kind"] == "user":
            user = session.get(User, t["id"])
            if user is not None:
                out.append(user.agency_id)
        elif t["kind"] == "unit":
            unit = session.get(Unit, t["id"])
            if unit is not None:
                out.append(unit.agency_id)
    return out
