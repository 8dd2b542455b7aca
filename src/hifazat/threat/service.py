"""Threat levels: set one (by hand through the API, or by a feed through `set_level`), read the current
level of each district and a district's history. Never commits.

Who sets: the roles of `SETTERS` in an agency whose jurisdiction covers the district (the ministry's whole
country, a provincial police its province); a system actor (a feed) anywhere. Everyone reads: a threat
level belongs to no agency and is what every partner plans movements by (docs/movements.md)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hifazat.auth.policy import Principal, in_jurisdiction, require
from hifazat.core import places
from hifazat.core.errors import forbidden, invalid
from hifazat.core.scope import Scope
from hifazat.core.validators import PROVINCES
from hifazat.platform.audit.writes import NO_EVENT, audited_create
from hifazat.platform.outbox import emit
from hifazat.threat.events import SUBJECT, LevelSet
from hifazat.threat.models import RANK, Level, ThreatLevel
from hifazat.threat.schemas import LevelOut

KIND = "threat_levels"
SETTERS = frozenset({"admin", "operator", "analyst"})
DEFAULT = Level.low.value  # a district nobody has set a level for
MAX_HISTORY = 500


def _district(province: str, district: str) -> str:
    """The shipped spelling of the district, or 422 naming the field."""
    if province not in PROVINCES:
        raise invalid("province", f"unknown province {province!r}")
    known = places.districts_of(province)
    for name in known:
        if name.casefold() == district.strip().casefold():
            return name
    raise invalid("district", f"{district!r} is not a district of {province}")


def current(session: Session, province: str, district: str) -> ThreatLevel | None:
    stmt = (
        select(ThreatLevel)
        .where(ThreatLevel.province == province, ThreatLevel.district == district)
        .order_by(ThreatLevel.set_at.desc(), ThreatLevel.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def set_level(
    session: Session,
    principal: Principal,
    province: str,
    district: str,
    level: str,
    reason: str,
    source: str = "manual",
) -> ThreatLevel:
    """Record a district's new level (audited, announced). For the API and for feeds (intelligence) alike."""
    require(principal, KIND, "write")
    if level not in RANK:
        raise invalid("level", f"must be one of {', '.join(RANK)}")
    if not reason.strip():
        raise invalid("reason", "is required")
    name = _district(province, district)
    if not principal.system and not in_jurisdiction(Scope(None, province, name), principal.jurisdiction):
        raise forbidden(f"your agency's jurisdiction does not cover {name}, {province}")
    before = current(session, province, name)
    row = ThreatLevel(
        province=province,
        district=name,
        level=level,
        reason=reason.strip(),
        source=source,
        set_by=principal.user_id,
        set_by_name=principal.username,
        agency_id=principal.agency_id,
    )
    audited_create(session, row, kind=KIND, principal=principal, subject=NO_EVENT)
    prev = before.level if before else None
    emit(session, SUBJECT, LevelSet(row.id, province, name, level, prev).payload())
    return row


def current_levels(session: Session, principal: Principal, province: str | None) -> Sequence[ThreatLevel]:
    """The latest setting of every district that has one (a district never set is `low`)."""
    require(principal, KIND, "read")
    latest = select(
        ThreatLevel.province, ThreatLevel.district, func.max(ThreatLevel.set_at).label("at")
    ).group_by(ThreatLevel.province, ThreatLevel.district)
    if province:
        latest = latest.where(ThreatLevel.province == province)
    sub = latest.subquery()
    stmt = (
        select(ThreatLevel)
        .join(
            sub,
            (ThreatLevel.province == sub.c.province)
            & (ThreatLevel.district == sub.c.district)
            & (ThreatLevel.set_at == sub.c.at),
        )
        .order_by(ThreatLevel.province, ThreatLevel.district, ThreatLevel.id.desc())
    )
    seen: set[tuple[str, str]] = set()
    out: list[ThreatLevel] = []
    for row in session.scalars(stmt):  # two settings in one instant: the one with the larger id wins
        if (row.province, row.district) not in seen:
            seen.add((row.province, row.district))
            out.append(row)
    return out


def history(session: Session, principal: Principal, province: str, district: str) -> Sequence[ThreatLevel]:
    require(principal, KIND, "read")
    name = _district(province, district)
    stmt = (
        select(ThreatLevel)
        .where(ThreatLevel.province == province, ThreatLevel.district == name)
        .order_by(ThreatLevel.set_at.desc(), ThreatLevel.id.desc())
        .limit(MAX_HISTORY)
    )
    return session.scalars(stmt).all()


def levels_of(session: Session, districts: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The current level of each (province, district); `low` for one never set (for movements' rules)."""
    wanted = set(districts)
    out = {d: DEFAULT for d in wanted}
    if not wanted:
        return out
    stmt = select(ThreatLevel).where(ThreatLevel.province.in_({p for p, _ in wanted}))
    stmt = stmt.order_by(ThreatLevel.set_at, ThreatLevel.id)
    for row in session.scalars(stmt):  # ascending: the latest setting is the last written
        if (row.province, row.district) in wanted:
            out[(row.province, row.district)] = row.level
    return out


def present(row: ThreatLevel) -> dict[str, Any]:
    return LevelOut.model_validate(row, from_attributes=True).model_dump(mode="json")
