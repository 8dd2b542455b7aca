"""Evaluate a movement against a protocol rule set for the highest threat level along its route. Each rule
answers pass, warn (something the rule needs is missing) or fail; the movement's outcome is the worst."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy.orm import Session

from hifazat.core.db import utcnow
from hifazat.movements.models import Movement
from hifazat.movements.protocol import RuleSet
from hifazat.registry.models import ArmourLevel, Unit, Vehicle
from hifazat.threat import service as threat
from hifazat.threat.models import RANK

LOCAL = timezone(timedelta(hours=5), "PKT")  # Asia/Karachi keeps no daylight saving
ARMOUR = {a.value: i for i, a in enumerate(ArmourLevel)}
WORST = {"pass": 0, "warn": 1, "fail": 2}
Result = dict[str, Any]


class Facts:
    """What the rules read, gathered once: the highest level and where, the vehicles, the escort."""

    def __init__(self, session: Session, m: Movement, now: datetime) -> None:
        self.m, self.now = m, now
        places = [(d.partition(":")[0], d.partition(":")[2]) for d in m.districts if ":" in d]
        levels = threat.levels_of(session, places)
        top = max(places, key=lambda k: RANK[levels[k]], default=None)
        self.level = levels[top] if top else threat.DEFAULT
        self.segment = f"{top[0]}:{top[1]}" if top else None
        self.vehicles = [v for v in (session.get(Vehicle, i) for i in m.vehicle_ids) if v is not None]
        units = [u for u in (session.get(Unit, i) for i in m.escort_unit_ids) if u is not None]
        self.escort = len(m.escort_personnel_ids) + sum(u.strength for u in units)


def _r(rule: str, outcome: str, reason: str, f: Facts, **extra: Any) -> Result:
    return {
        "rule": rule,
        "outcome": outcome,
        "reason": reason,
        "level": f.level,
        "segment": f.segment,
        **extra,
    }


def _notice(rule: dict[str, Any], f: Facts) -> list[Result]:
    need = rule["hours"].get(f.level, 0)
    have = (f.m.depart_after - f.now).total_seconds() / 3600
    ok = have >= need
    return [
        _r(
            "minimum_notice",
            "pass" if ok else "fail",
            f"{have:.0f} h notice; {need} h needed at {f.level}",
            f,
        )
    ]


def _hhmm(s: str) -> time:
    h, m = s.split(":")
    return time(int(h), int(m))


def _in_window(t: time, start: time, end: time) -> bool:
    return start <= t < end if start <= end else (t >= start or t < end)


def _night(rule: dict[str, Any], f: Facts) -> list[Result]:
    if f.level not in rule["levels"]:
        return [_r("no_movement_between", "pass", f"no curfew on movement at {f.level}", f)]
    start, end = _hhmm(rule["from"]), _hhmm(rule["to"])
    times = [t for t in (f.m.depart_after, f.m.depart_before, f.m.arrive_by) if t is not None]
    bad = [t for t in times if _in_window(t.astimezone(LOCAL).time(), start, end)]
    if bad:
        at = bad[0].astimezone(LOCAL).strftime("%H:%M")
        return [
            _r("no_movement_between", "fail", f"moves at {at} local; none {rule['from']}-{rule['to']}", f)
        ]
    if f.m.arrive_by is None:
        return [_r("no_movement_between", "warn", "no arrive_by: cannot tell it ends before dark", f)]
    return [_r("no_movement_between", "pass", f"within {rule['to']}-{rule['from']} local", f)]


def _check_in(rule: dict[str, Any], f: Facts) -> list[Result]:
    need, have = rule["max_min"].get(f.level), f.m.check_in_interval_min
    if have is None:
        return [_r("check_in_interval", "fail", f"no check-in interval; at most {need} min at {f.level}", f)]
    ok = need is None or have <= need
    return [_r("check_in_interval", "pass" if ok else "fail", f"every {have} min; at most {need} min", f)]


def _armour(rule: dict[str, Any], f: Facts) -> list[Result]:
    if f.level not in rule["levels"]:
        return [_r("bullet_proof_vehicle", "pass", f"not required at {f.level}", f)]
    if not f.vehicles:
        return [_r("bullet_proof_vehicle", "fail", "no vehicle listed", f)]
    need = ARMOUR[rule["min_armour"]]
    return [
        _r(
            "bullet_proof_vehicle",
            "pass" if ARMOUR.get(v.armoured_level, 0) >= need else "fail",
            # by id, not registration: the reader sees the movement, not necessarily the vehicle
            f"vehicle is {v.armoured_level}; {rule['min_armour']} or better needed",
            f,
            vehicle_id=v.id,
        )
        for v in f.vehicles
    ]


def _escort(rule: dict[str, Any], f: Facts) -> list[Result]:
    need = rule["min"].get(f.level, 0)
    ok = f.escort >= need
    return [_r("min_escort_strength", "pass" if ok else "fail", f"escort of {f.escort}; {need} needed", f)]


CHECKS: dict[str, Callable[[dict[str, Any], Facts], list[Result]]] = {
    "minimum_notice": _notice,
    "no_movement_between": _night,
    "check_in_interval": _check_in,
    "bullet_proof_vehicle": _armour,
    "min_escort_strength": _escort,
}


def evaluate(session: Session, m: Movement, rules: RuleSet, now: datetime | None = None) -> dict[str, Any]:
    f = Facts(session, m, now or utcnow())
    results = [r for rule in rules.rules for r in CHECKS[rule["rule"]](rule, f)]
    outcome = max((r["outcome"] for r in results), key=WORST.__getitem__, default="pass")
    return {
        "outcome": outcome,
        "level": f.level,
        "rule_set": rules.name,
        "version": rules.version,
        "rules": results,
    }
