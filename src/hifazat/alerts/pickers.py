"""What the alert pages offer to pick by name: people and devices for the alert form (whose last known
position the server takes), and agencies, roles, users and units for the escalation-policy editor. Every
list is what the caller may see, read through the same scoping as the API; nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.access import visible_select
from hifazat.auth.models import Agency, Role, User
from hifazat.auth.policy import Principal, permitted_roles
from hifazat.core.db import utcnow
from hifazat.registry.models import Person, Site, Unit
from hifazat.tracking.events import device_label
from hifazat.tracking.models import Device, DeviceLast

LIMIT = 500  # a picker is a <select>: beyond this many, a search box would be the tool


@dataclass(frozen=True)
class Choice:
    """One option of a picker: the id the API takes and the label a person reads."""

    id: str
    label: str


def age_label(seconds: int | None) -> str:
    """A position's age as a duty officer reads it: 45 s, 2 min, 3 h, 2 days."""
    if seconds is None:
        return ""
    for unit, size in (("days", 86_400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def person_label(p: Person) -> str:
    return f"{p.given_name} {p.family_name}".strip() + (f" ({p.nationality})" if p.nationality else "")


def _fix_note(at: datetime | None, now: datetime) -> str:
    if at is None:
        return "no position yet"
    return f"last fix {age_label(max(0, round((now - at).total_seconds())))} ago"


def _reads(principal: Principal, kind: str) -> bool:
    """Whether the caller's roles may list `kind` at all (as the API's list would `require`)."""
    return principal.system or bool(principal.roles & permitted_roles(kind, "read"))


def alert_form(session: Session, principal: Principal) -> dict[str, list[Choice]]:
    """People, devices and sites for the SOS and alert forms, scoped as `raising.create` checks them. A
    device reads as its name (never its identifier: a credential), its owner's name and how old its last
    fix is, so an operator picks the one that knows where the person is."""
    persons: list[Person] = []
    if _reads(principal, "persons"):
        stmt = visible_select(Person, "persons", principal).order_by(Person.family_name).limit(LIMIT)
        persons = list(session.scalars(stmt))
    sites: list[Site] = []
    if _reads(principal, "sites"):
        sites = list(
            session.scalars(visible_select(Site, "sites", principal).order_by(Site.name).limit(LIMIT))
        )
    rows: list[Any] = []
    if _reads(principal, "devices"):
        rows = list(
            session.execute(
                visible_select(Device, "devices", principal)
                .add_columns(DeviceLast.at)
                .outerjoin(DeviceLast, DeviceLast.device_id == Device.id)
                .order_by(Device.name, Device.id)
                .limit(LIMIT)
            ).all()
        )
    owners = _owner_names(session, [d for d, _ in rows], {p.id: person_label(p) for p in persons})
    now = utcnow()
    devices = []
    for dev, at in rows:
        name = device_label(dev.name, dev.identifier) or f"{dev.kind} device"
        owner = owners.get(dev.owner_id or "")
        label = f"{name} — {owner}" if owner else name
        devices.append(Choice(dev.id, f"{label} ({_fix_note(at, now)})"))
    return {
        "persons": [Choice(p.id, person_label(p)) for p in persons],
        "devices": devices,
        "sites": [Choice(s.id, s.name) for s in sites],
    }


def _owner_names(session: Session, devices: list[Device], persons: dict[str, str]) -> dict[str, str]:
    """The names of the devices' owners: people (as the caller sees them), users and units."""
    ids = {
        kind: {d.owner_id for d in devices if d.owner_kind == kind and d.owner_id}
        for kind in ("user", "unit")
    }
    names = {k: v for k, v in persons.items() if any(d.owner_id == k for d in devices)}
    if ids["user"]:
        for u in session.scalars(select(User).where(User.id.in_(ids["user"]))):
            names[u.id] = u.full_name or u.username
    if ids["unit"]:
        for unit in session.scalars(select(Unit).where(Unit.id.in_(ids["unit"]))):
            names[unit.id] = unit.call_sign
    return names


def policy_editor(session: Session, principal: Principal) -> dict[str, Any]:
    """The escalation editor's pickers: every agency (agencies are public to every role), the roles, the
    users of the caller's own tree (user lists are an admin's of that tree), the units the caller sees;
    and `names`, the label of each target a saved policy may hold (`agency:ID`, `user:ID`, ...)."""
    agencies = list(session.scalars(select(Agency).where(Agency.deleted_at.is_(None)).order_by(Agency.name)))
    users = list(
        session.scalars(
            select(User)
            .where(User.deleted_at.is_(None), User.agency_id.in_(principal.tree))
            .order_by(User.username)
            .limit(LIMIT)
        )
    )
    units = list(
        session.scalars(visible_select(Unit, "units", principal).order_by(Unit.call_sign).limit(LIMIT))
    )
    sites = list(session.scalars(visible_select(Site, "sites", principal).order_by(Site.name).limit(LIMIT)))
    short = {a.id: a.short_name or a.name for a in agencies}
    choices = {
        "agency": [Choice(a.id, a.name + (f" ({a.short_name})" if a.short_name else "")) for a in agencies],
        "user": [Choice(u.id, f"{u.full_name} ({u.username})" if u.full_name else u.username) for u in users],
        "unit": [Choice(u.id, f"{u.call_sign} ({short.get(u.agency_id, '?')})") for u in units],
    }
    names = {f"{kind}:{c.id}": c.label for kind, items in choices.items() for c in items}
    names.update({f"site:{s.id}": s.name for s in sites})
    return {
        "choices": choices,
        "roles": [r.value for r in Role],
        "sites": [Choice(s.id, s.name) for s in sites],
        "agency_label": short,
        "names": names,
    }
